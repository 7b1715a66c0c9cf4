"""Check the built site as a reader would meet it offline (run by ``make docs``).

- every local link (``href``/``src`` without a scheme) points at a file of
  the site, and its ``#anchor``, if any, at an ``id`` in that file;
- no page loads a script or a style sheet from the internet (the site must
  work offline, formulas included);
- every user-guide page, the home page and Getting started link the API page
  of each public skae name they mention in code (``Autoencoder``, ``save``...)
  or in their title;
- no page shows a date (``2026-11-23``) or a machine's fingerprint (a
  ``platform.platform()`` string): studies keep those in
  ``benchmarks/results/``;
- a Markdown file brought in by ``{include}`` adds no heading at the level of
  the page's sections or above (its headings are offset below them, or cut);
- every figure of the guides, the home page, Getting started and the
  benchmarks and studies pages has a caption (it is a ``{figure}`` with text
  under it), and each of their tables of more than two columns fits the text
  column when its cells wrap (:func:`column_widths` estimates it; a results table
  that is too wide is split by ``docs/_ext/narrow_tables.py``);
- every figure (a PNG in a page, gallery thumbnails aside) is legible in the
  text column: its smallest text, which :func:`save_figure` records in the
  file, is at least 9 pt as displayed when the figure is scaled down to the
  column's ``COLUMN_PX`` CSS pixels.

Usage::

    python docs/check_site.py docs/_build/html

Prints each problem and exits with status 1 if there is any.
"""

import argparse
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

GUIDE_PAGES = ("index.html", "getting_started.html", "user_guide/")
#: Pages (besides the user guide's) whose figures need a caption.
CAPTIONED_PAGES = ("index.html", "getting_started.html", "benchmarks.html", "studies.html")

#: Width in CSS pixels of the text column of a page with both sidebars, in a
#: 1280-pixel-wide window (pydata-sphinx-theme: the page less the primary
#: sidebar's 25% and the secondary's 17rem, less the article's padding). An
#: image wider than this is scaled down to it; a narrower one is shown as it is.
COLUMN_PX = 656
#: A table's narrowest layout, estimated: each column as wide as its longest
#: word (``CHAR_PX`` a character, the theme's 16-px text) plus its cells' padding.
CHAR_PX, CELL_PAD_PX = 8.0, 16.0
#: The smallest text a reader should meet in a figure, in CSS pixels (9 pt).
MIN_TEXT_PX = 12.0
#: PNG text key under which :func:`save_figure` records the height in pixels of
#: a figure's smallest text (its font size times the dpi / 72).
TEXT_KEY = "skae:smallest-text-px"
#: Its value for a figure without text (images only).
NO_TEXT = "none"


class Page(HTMLParser):
    """Links, ids, external scripts and code spans of one HTML file."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.ids, self.remote, self.code = [], set(), [], []
        self.images, self.uncaptioned = [], []
        self._figures = []  # for each open <figure>: its images, and whether it has a caption
        self._in_code = 0
        self._in_link = 0
        self._in_title = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "name" in attrs:
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            value = attrs.get(key)
            if value is None:
                continue
            if tag == "a" and key == "href":
                self._in_link += 1
            scheme = urlsplit(value).scheme
            if scheme in ("http", "https") or value.startswith("//"):
                if tag == "script" or (tag == "link" and attrs.get("rel") == "stylesheet"):
                    self.remote.append(value)
            elif not scheme:
                self.links.append(value)
        if tag == "img" and attrs.get("src", "").endswith(".png") \
                and not urlsplit(attrs["src"]).scheme:
            self.images.append(attrs["src"])
            if self._figures:
                self._figures[-1][0].append(attrs["src"])
            else:
                self.uncaptioned.append(attrs["src"])
        if tag == "figure":
            self._figures.append([[], False])
        if tag == "figcaption" and self._figures:
            self._figures[-1][1] = True
        if tag == "code":
            self._in_code += 1
        if tag == "h1":
            self._in_title += 1

    def handle_endtag(self, tag):
        if tag == "figure" and self._figures:
            images, captioned = self._figures.pop()
            if not captioned:
                self.uncaptioned.extend(images)
        if tag == "code" and self._in_code:
            self._in_code -= 1
        if tag == "a" and self._in_link:
            self._in_link -= 1
        if tag == "h1" and self._in_title:
            self._in_title -= 1

    def handle_data(self, data):
        # Names in code, and a page's title (a page about a class names it there).
        if (self._in_code or self._in_title) and not self._in_link:
            self.code.append(data)


def parse(path):
    page = Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def public_names():
    import skae

    return {name for name in skae.__all__ if not name.startswith("_")} - {"__version__"}


def check(root):
    pages = {path: parse(path) for path in sorted(root.rglob("*.html"))
             if not path.relative_to(root).parts[0].startswith("_")}  # theme templates, sources
    problems = []
    for path, page in pages.items():
        where = path.relative_to(root)
        for link in page.links:
            parts = urlsplit(link)
            if not parts.path and not parts.fragment:
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{where}: broken link {link!r} (no file {target})")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{where}: broken link {link!r} (no #{parts.fragment})")
        for url in page.remote:
            problems.append(f"{where}: loads {url} from the internet")
        relative = where.as_posix()
        if any(relative == p or relative.startswith(p) for p in GUIDE_PAGES if p.endswith("/"))\
                or relative in GUIDE_PAGES:
            linked = {Path(unquote(urlsplit(link).path)).name for link in page.links}
            mentioned = set()
            for text in page.code:
                for name in public_names():
                    if re.fullmatch(rf"(skae\.)?{re.escape(name)}(\(.*\))?#?", text.strip()):
                        mentioned.add(name)
            for name in sorted(mentioned):
                if f"skae.{name}.html" not in linked and not (
                    name in ("plot_denoising", "plot_class_samples", "plot_latent",
                             "plot_interpolation", "corrupt")
                    and f"skae.plotting.{name}.html" in linked
                ):
                    problems.append(f"{where}: names `{name}` but never links its API page")
        if relative in CAPTIONED_PAGES or relative.startswith("user_guide/"):
            for source in page.uncaptioned:
                problems.append(f"{where}: figure {source} has no caption")
            problems.extend(f"{where}: {problem}" for problem in table_problems(
                path.read_text(encoding="utf-8", errors="replace")))
        for source in page.images:
            problem = figure_problem(path.parent / unquote(urlsplit(source).path))
            if problem:
                problems.append(f"{where}: figure {source}: {problem}")
        text = page_text(path)
        for pattern, what in ((DATE, "a date"), (FINGERPRINT, "a machine fingerprint")):
            for found in sorted(set(pattern.findall(text))):
                problems.append(f"{where}: shows {what}, {found!r}")
    problems.extend(include_problems(Path(__file__).resolve().parent))
    return len(pages), problems


DATE = re.compile(r"\b20\d\d-[01]\d-[0-3]\d\b")
FINGERPRINT = re.compile(r"\b(?:Linux|Darwin|Windows)-\d[\w.-]*|glibc\d[\d.]*")


def page_text(path):
    """The text a reader sees: the page's markup, scripts and styles removed."""
    import html

    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def include_problems(docs):
    """``{include}``d Markdown whose headings would sit at the including page's
    section level (``##``) or above: they would become siblings of its sections."""
    problems = []
    for source in sorted(docs.rglob("*.md")):
        if "_build" in source.parts:
            continue
        for match in re.finditer(r"```\{include\} (\S+)\n((?::[\w-]+:.*\n)*)```",
                                 source.read_text()):
            target = (source.parent / match.group(1)).resolve()
            if target.suffix != ".md" or not target.exists():
                continue
            options = dict(re.findall(r":([\w-]+): *(.*)", match.group(2)))
            lines = target.read_text().splitlines()[int(options.get("start-line", 0)):]
            offset = int(options.get("heading-offset", 0))
            levels = [len(m.group(1)) + offset for line in lines
                      if (m := re.match(r"(#+) ", line))]
            if levels and min(levels) <= 2:
                problems.append(
                    f"{source.relative_to(docs)}: includes {match.group(1)}, whose heading "
                    f"would be level {min(levels)}: add :heading-offset: or :start-line:")
    return problems


def column_widths(rows):
    """Estimated narrowest width in CSS pixels of each column of a table given as
    rows of cell texts (Markdown emphasis and code marks ignored)."""
    n_columns = max(len(row) for row in rows)
    widths = [0.0] * n_columns
    for row in rows:
        for i, cell in enumerate(row):
            words = re.sub(r"[*`]", "", cell).split() or [""]
            widths[i] = max(widths[i], CHAR_PX * max(len(w) for w in words) + CELL_PAD_PX)
    return widths


def table_problems(markup):
    """Tables of a page's markup that cannot fit the text column, however wrapped."""
    import html

    problems = []
    for table in re.findall(r"<table\b.*?</table>", markup, flags=re.S):
        rows = [[html.unescape(re.sub(r"<[^>]+>", " ", cell)).strip()
                 for cell in re.findall(r"<t[hd]\b.*?</t[hd]>", row, flags=re.S)]
                for row in re.findall(r"<tr\b.*?</tr>", table, flags=re.S)]
        rows = [row for row in rows if row]
        if not rows:
            continue
        width = sum(column_widths(rows))
        if width > COLUMN_PX and len(rows[0]) > 2:
            problems.append(f"a table of {len(rows[0])} columns ({', '.join(rows[0][:3])}, ...) "
                            f"needs about {width:.0f} px, the column has {COLUMN_PX}: split "
                            "it or keep what a reader needs")
    return problems


def save_figure(figure, path, **savefig_kwargs):
    """Save a matplotlib ``figure`` as a PNG that records its smallest text.

    The height in pixels of the smallest visible text (font size times dpi /
    72, after a draw, so that tick labels are in) goes into the PNG's
    ``TEXT_KEY`` entry, which :func:`figure_problem` reads. For the scripts
    that draw the documentation's figures.
    """
    height = smallest_text_px(figure, savefig_kwargs.get("dpi") or figure.dpi)
    metadata = dict(savefig_kwargs.pop("metadata", None) or {})
    metadata[TEXT_KEY] = NO_TEXT if height is None else f"{height:.2f}"
    figure.savefig(path, metadata=metadata, **savefig_kwargs)


def smallest_text_px(figure, dpi):
    """Height in pixels at ``dpi`` of the figure's smallest visible text (after a
    draw, so that tick labels are in), or None for a figure without text."""
    from matplotlib.text import Text

    figure.canvas.draw()
    sizes = [text.get_fontsize() for text in figure.findobj(Text)
             if text.get_visible() and text.get_text().strip()]
    return min(sizes) * dpi / 72 if sizes else None


def png_facts(path):
    """``(width in pixels, {text key: value})`` of a PNG file."""
    import struct

    data = Path(path).read_bytes()
    width = struct.unpack(">I", data[16:20])[0]
    texts, at = {}, 8
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I", data[at:at + 4])[0], data[at + 4:at + 8]
        if kind == b"tEXt":
            key, _, value = data[at + 8:at + 8 + length].partition(b"\0")
            texts[key.decode("latin-1")] = value.decode("latin-1")
        at += 12 + length
    return width, texts


def figure_problem(path):
    """Why the figure at ``path`` is not legible in the text column, or None."""
    if "_thumb" in path.name or not path.exists():
        return None  # gallery thumbnails are previews; a missing file is a broken link
    width, texts = png_facts(path)
    if TEXT_KEY not in texts:
        return "records no text size: draw it through check_site.save_figure"
    if texts[TEXT_KEY] == NO_TEXT:
        return None
    shown = float(texts[TEXT_KEY]) * min(1.0, COLUMN_PX / width)
    if shown < MIN_TEXT_PX:
        return (f"its smallest text is {shown * 0.75:.1f} pt as displayed (at least "
                f"{MIN_TEXT_PX * 0.75:.0f} pt): {width} px wide for a {COLUMN_PX}-px "
                "column; draw it narrower or with larger text")
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path)
    args = parser.parse_args(argv)
    n_pages, problems = check(args.root.resolve())
    for problem in problems:
        print(problem)
    print(f"{n_pages} pages checked: {len(problems)} problem(s).")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
