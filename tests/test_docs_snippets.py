"""The code on the user-guide pages that defines its own data runs as printed."""

import re
import warnings
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

DOCS = Path(__file__).resolve().parents[1] / "docs"
# Pages whose every Python block is self-contained (bundled data only).
PAGES = ["getting_started.md", "user_guide/autoencoder.md", "user_guide/denoising.md",
         "user_guide/sparse.md", "user_guide/contractive.md", "user_guide/anomaly.md"]
BLOCKS = [
    pytest.param(block, id=f"{page}#{i}")
    for page in PAGES
    for i, block in enumerate(re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), re.S))
]


@pytest.mark.parametrize("block", BLOCKS)
def test_snippet_runs(block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(block, "<docs snippet>", "exec"), {})


def test_every_listed_page_has_code():
    counts = {page: len(re.findall(r"```python\n", (DOCS / page).read_text())) for page in PAGES}
    assert all(counts.values()), counts
