"""The site checker that ``make docs`` runs after Sphinx (docs/check_site.py)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_checker():
    spec = importlib.util.spec_from_file_location("check_site", ROOT / "docs" / "check_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(root, name, body):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<html><head></head><body>{body}</body></html>")


def test_a_clean_site_passes(tmp_path):
    write(tmp_path, "generated/skae.Autoencoder.html", '<h1 id="top">Autoencoder</h1>')
    write(tmp_path, "user_guide/autoencoder.html",
          '<a href="../generated/skae.Autoencoder.html#top"><code>Autoencoder</code></a>'
          '<p><code>Autoencoder</code> again</p><a href="https://example.org">out</a>')
    n_pages, problems = load_checker().check(tmp_path)
    assert n_pages == 2
    assert problems == []


def test_each_kind_of_problem_is_reported(tmp_path):
    write(tmp_path, "benchmarks.html", '<h2 id="results">Results</h2>')
    write(tmp_path, "user_guide/anomaly.html",
          '<a href="../benchmarks.html#missing">a</a>'
          '<a href="#../benchmarks/results/bench_anomaly.md">b</a>'
          '<a href="../nowhere.html">c</a>'
          '<script src="https://cdn.example.org/mathjax.js"></script>'
          '<p><code>OutlierDetector</code></p>')
    write(tmp_path, "user_guide/vae.html", '<h1>VAE<a href="#">#</a></h1>')
    _, problems = load_checker().check(tmp_path)
    text = "\n".join(problems)
    assert "'../benchmarks.html#missing' (no #missing)" in text
    assert "#../benchmarks/results/bench_anomaly.md" in text
    assert "'../nowhere.html' (no file" in text
    assert "loads https://cdn.example.org/mathjax.js from the internet" in text
    assert "names `OutlierDetector` but never links its API page" in text
    assert "user_guide/vae.html: names `VAE` but never links its API page" in text
    assert len(problems) == 6


def test_dates_and_machine_fingerprints_are_reported(tmp_path):
    write(tmp_path, "benchmarks.html",
          "<p>Run on 2026-11-23 on Linux-6.18.44-fc-v657-x86_64-with-glibc2.36.</p>"
          "<script>var built = '2026-01-01';</script>")
    problems = load_checker().check(tmp_path)[1]
    found = [p for p in problems if p.startswith("benchmarks.html: shows")]
    assert len(found) == 2  # the date and the platform string; not the script's date
    assert any("'2026-11-23'" in p for p in found)


def test_included_headings_must_sit_below_the_pages_sections(tmp_path):
    checker = load_checker()
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "study.md").write_text("# Study\n\ntext\n\n## Part\n")
    (tmp_path / "page.md").write_text(
        "## A\n\n```{include} results/study.md\n```\n\n"
        "## B\n\n```{include} results/study.md\n:heading-offset: 2\n```\n\n"
        "## C\n\n```{include} results/study.md\n:start-line: 4\n:heading-offset: 1\n```\n")
    problems = checker.include_problems(tmp_path)
    assert len(problems) == 1 and "level 1" in problems[0]


def test_figures_must_be_legible_in_the_text_column(tmp_path):
    """A figure records its smallest text when saved; the check scales it to the
    column's width and wants at least 9 pt (a figure with no text passes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    checker = load_checker()

    def draw(name, width, font_size, text=True, through_checker=True):
        fig, ax = plt.subplots(figsize=(width, 3))
        ax.plot([0, 1], [0, 1])
        if text:
            ax.set_title("a title", fontsize=font_size)
            ax.tick_params(labelsize=font_size)
        else:
            ax.set_axis_off()
        if through_checker:
            checker.save_figure(fig, tmp_path / name, dpi=100)
        else:
            fig.savefig(tmp_path / name, dpi=100)
        plt.close(fig)

    draw("narrow.png", 6.4, 10)          # 640 px, 10 pt: 10.4 pt displayed
    draw("wide.png", 12, 10)             # 1200 px scaled to 656: 5.7 pt
    draw("small_text.png", 5, 7)         # shown as it is: 7 pt at 100 dpi is 7.3 pt
    draw("images_only.png", 12, 10, text=False)
    draw("plain.png", 6.4, 10, through_checker=False)
    write(tmp_path, "page.html", "".join(
        f'<img src="{name}">' for name in ("narrow.png", "wide.png", "small_text.png",
                                            "images_only.png", "plain.png")))
    _, problems = checker.check(tmp_path)
    text = "\n".join(problems)
    assert "wide.png: its smallest text is 5.7 pt as displayed" in text
    assert "small_text.png: its smallest text is 7.3 pt as displayed" in text
    assert "plain.png: records no text size" in text
    assert len(problems) == 3


def test_guide_figures_need_a_caption(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    checker = load_checker()
    fig, ax = plt.subplots(figsize=(6.4, 3))
    ax.set_title("legible")
    (tmp_path / "user_guide").mkdir()
    checker.save_figure(fig, tmp_path / "user_guide" / "fig.png", dpi=100)
    plt.close(fig)
    write(tmp_path, "user_guide/page.html",
          '<figure><img src="fig.png"><figcaption><p>What to see.</p></figcaption></figure>'
          '<figure><img src="fig.png"></figure><p><img src="fig.png"></p>')
    write(tmp_path, "auto_examples/example.html", '<img src="../user_guide/fig.png">')
    _, problems = checker.check(tmp_path)
    assert problems == ["user_guide/page.html: figure fig.png has no caption"] * 2


def test_wide_tables_are_reported_and_results_tables_are_split_to_fit(tmp_path, monkeypatch):
    checker = load_checker()
    monkeypatch.syspath_prepend(str(ROOT / "docs"))
    monkeypatch.syspath_prepend(str(ROOT / "docs" / "_ext"))
    import narrow_tables

    names = [f"detector number {i}" for i in range(12)]
    wide = "\n".join(["| set | " + " | ".join(names) + " |",
                      "|---|" + "---|" * len(names),
                      "| glass | " + " | ".join(f"0.{i:03d}" for i in range(12)) + " |"])
    text = f"Intro | with a pipe\n\n{wide}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    narrowed = narrow_tables.narrow(text)
    tables = [block for block in narrowed.split("\n\n") if block.startswith("| set")]
    assert len(tables) > 1  # split, each with the row names
    seen = []
    for table in tables:
        rows = [[c.strip() for c in line.strip("|").split("|")] for line in table.split("\n")]
        assert rows[0][0] == "set" and rows[2][0] == "glass"
        assert sum(checker.column_widths([rows[0], rows[2]])) <= checker.COLUMN_PX
        seen += rows[0][1:]
    assert seen == names  # every column kept, in order
    assert narrowed.startswith("Intro | with a pipe\n") and "| a | b |\n|---|---|\n| 1 | 2 |" in narrowed

    def html_table(header):
        return "<table><tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr></table>"

    write(tmp_path, "user_guide/page.html", html_table(["set", *names]) + html_table(["a", "b"]))
    _, problems = checker.check(tmp_path)
    assert len(problems) == 1 and "a table of 13 columns (set, detector number 0" in problems[0]
