"""Sphinx configuration for skae's documentation (``make docs``)."""

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
sys.path.insert(0, str(ROOT / "docs"))  # check_site, whose table and figure rules the build follows
# Examples run on the CPU with few threads, whatever the machine.
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import skae  # noqa: E402

project = "skae"
author = "the skae developers"
copyright = "2026, the skae developers"
release = version = skae.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax served from the site itself (the package ships it): formulas
    # render offline, without a CDN.
    "sphinx-mathjax-offline",
    # scikit-learn, NumPy, pandas, torch and skorch names link to their API
    # pages without downloading inventories (see docs/_ext/external_refs.py).
    "external_refs",
    # Results tables wider than the text column are shown split (docs/_ext/narrow_tables.py).
    "narrow_tables",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "examples/README.rst", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip", "auto_examples/*.json",
                    "auto_examples/*.md5"]
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # "Examples using X" on each API page (the minigallery in the class template).
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("skae",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    # Each image records its smallest text, for check_site.py.
    "image_scrapers": ("figure_scraper.scraper",),
    "reset_modules": ("matplotlib",),
    "show_memory": False,
    # The timing page loads jQuery and DataTables from CDNs: not offline.
    "write_computation_times": False,
}

html_theme = "pydata_sphinx_theme"
html_title = f"skae {version}"
html_static_path = ["_static"]
html_css_files = ["skae.css"]
html_theme_options = {
    "navbar_align": "left",
    # every top-level page in the top bar (Theory and Glossary too), none under "More"
    "header_links_before_dropdown": 8,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "navigation_with_keys": False,
}
html_context = {"default_mode": "light"}
# Pages without sub-pages get no (empty) "Section Navigation" sidebar.
html_sidebars = {page: [] for page in ("getting_started", "api", "benchmarks", "theory",
                                       "glossary")}

templates_path = ["_templates"]
