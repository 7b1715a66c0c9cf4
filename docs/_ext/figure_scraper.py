"""The gallery's image scraper: sphinx-gallery's own for matplotlib, each image
recording the pixel height of its smallest text, which ``docs/check_site.py``
checks against the text column's width (as its ``save_figure`` does for the
guide's figures)."""

from sphinx_gallery.scrapers import matplotlib_scraper

from check_site import NO_TEXT, TEXT_KEY, smallest_text_px


def scraper(block, block_vars, gallery_conf, **kwargs):
    """``matplotlib_scraper``, with the smallest text of the block's figures in each
    PNG's metadata."""
    import matplotlib
    import matplotlib.pyplot as plt

    heights = []
    for number in plt.get_fignums():
        figure = plt.figure(number)
        dpi = matplotlib.rcParams["savefig.dpi"]
        height = smallest_text_px(figure, figure.dpi if dpi == "figure" else dpi)
        if height is not None:
            heights.append(height)
    kwargs["metadata"] = {TEXT_KEY: f"{min(heights):.2f}" if heights else NO_TEXT}
    return matplotlib_scraper(block, block_vars, gallery_conf, **kwargs)
