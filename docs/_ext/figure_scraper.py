"""The gallery's image scraper: sphinx-gallery's own for matplotlib, each image
recording the pixel height of its smallest text (``check_site.TEXT_KEY``), which
``docs/check_site.py`` checks against the text column's width."""

from sphinx_gallery.scrapers import matplotlib_scraper

#: As ``check_site.TEXT_KEY`` (not imported: this module runs inside Sphinx).
TEXT_KEY = "skae:smallest-text-px"


def scraper(block, block_vars, gallery_conf, **kwargs):
    """``matplotlib_scraper``, with the smallest text of the block's figures
    (font size times dpi / 72, after a draw) in each PNG's metadata."""
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    heights = []
    for number in plt.get_fignums():
        figure = plt.figure(number)
        dpi = matplotlib.rcParams["savefig.dpi"]
        dpi = figure.dpi if dpi == "figure" else dpi
        figure.canvas.draw()
        heights += [text.get_fontsize() * dpi / 72 for text in figure.findobj(Text)
                    if text.get_visible() and text.get_text().strip()]
    kwargs["metadata"] = {TEXT_KEY: f"{min(heights):.2f}" if heights else "none"}
    return matplotlib_scraper(block, block_vars, gallery_conf, **kwargs)
