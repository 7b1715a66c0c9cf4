"""Every Python block of the documentation runs as printed, page by page, in order.

Each page runs in one namespace (a module of its own, so that the classes it
defines pickle), in a fresh working folder, so a page may define its data in a
visible first block and use it below. Blocks written as ``>>>``
sessions (the README's) are run by pytest's doctest collection instead. The
few blocks that cannot run here are listed in ``NOT_RUN`` with the reason.
"""

import re
import sys
import types
import warnings
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: Generated or built folders, not pages written by hand.
SKIPPED_FOLDERS = {"_build", "generated", "auto_examples", "_templates", "_static"}
PAGES = sorted(
    str(path.relative_to(ROOT)) for path in [*DOCS.rglob("*.md"), ROOT / "README.md"]
    if not SKIPPED_FOLDERS & set(path.relative_to(ROOT).parts)
)
#: Blocks that cannot run in the test suite: (page, a line of the block) -> why.
NOT_RUN = {
    ("docs/user_guide/training.md", 'for chunk in pd.read_csv("big.csv", chunksize=100_000):'):
        "reads your own file, big.csv",
    ("docs/user_guide/training.md", "cluster = LocalCluster(n_workers=4, threads_per_worker=1)"):
        "starts a four-process cluster; tests/test_dask.py runs the same search on two",
    ("docs/user_guide/training.md", "# train.py  --  run with:  torchrun --nproc_per_node=4 "
                                    "train.py"):
        "runs under torchrun, one process per GPU; tests/test_data_parallel.py runs it on CPUs",
}


def blocks(page):
    """The page's Python blocks, dedented (list items indent theirs)."""
    found = re.findall(r"^( *)```python\n(.*?)^\1```", (ROOT / page).read_text(), re.S | re.M)
    return ["\n".join(line[len(indent):] for line in code.splitlines())
            for indent, code in found]


def not_run(page, code):
    return next((why for (where, line), why in NOT_RUN.items()
                 if where == page and line in code), None)


@pytest.mark.parametrize("page", [page for page in PAGES if blocks(page)])
def test_every_block_of_the_page_runs_in_order(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # A module of its own, so that a class the page defines pickles by reference.
    module = types.ModuleType("docs_page_" + re.sub(r"\W", "_", page))
    monkeypatch.setitem(sys.modules, module.__name__, module)
    namespace = module.__dict__
    for i, code in enumerate(blocks(page)):
        if code.lstrip().startswith(">>>") or not_run(page, code):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(code, f"{page}, block {i}", "exec"), namespace)


def test_every_listed_exception_names_a_block_that_exists():
    for (page, line), why in NOT_RUN.items():
        assert any(line in code for code in blocks(page)), (page, line)
        assert why


def test_most_blocks_run():
    every = [(page, code) for page in PAGES for code in blocks(page)]
    skipped = [1 for page, code in every if not_run(page, code)]
    assert len(every) >= 20 and len(skipped) <= 3
