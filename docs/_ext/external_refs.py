"""Links to scikit-learn, NumPy, pandas, PyTorch and skorch API pages, resolved offline.

``sphinx.ext.intersphinx`` would download each project's ``objects.inv`` at
build time; the docs are built without network. Instead, a reference such as
``sklearn.decomposition.PCA`` (in a numpydoc "See Also" section, or
``{class}`sklearn.ensemble.IsolationForest``` in the guide) that Sphinx cannot
resolve inside skae is resolved here: the object is imported to prove it
exists, and the link points at the page where that project documents it.
A name that does not import stays unresolved, so a typo still warns.
"""

import importlib

from docutils import nodes
# IterativeImputer is importable only once its experimental flag is imported.
from sklearn.experimental import enable_iterative_imputer  # noqa: F401

# prefix -> URL of the page documenting the object named by the full dotted path.
PAGES = {
    "sklearn": "https://scikit-learn.org/stable/modules/generated/{name}.html",
    "numpy": "https://numpy.org/doc/stable/reference/generated/{name}.html",
    "pandas": "https://pandas.pydata.org/docs/reference/api/{name}.html",
    "torch": "https://docs.pytorch.org/docs/stable/generated/{name}.html",
    "skorch": "https://skorch.readthedocs.io/en/stable/{module}.html#{name}",
    "joblib": "https://joblib.readthedocs.io/en/stable/generated/{name}.html",
    "scipy": "https://docs.scipy.org/doc/scipy/reference/generated/{name}.html",
}


def _exists(name):
    """Whether ``name`` (a module, or an attribute path inside one) imports."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return False
        return True
    return False


def _class_prefix(name):
    """``"sklearn.decomposition.PCA"`` for ``"sklearn.decomposition.PCA.score_samples"``."""
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:cut])
        if _exists(prefix):
            module, _, attr = prefix.rpartition(".")
            try:
                if isinstance(getattr(importlib.import_module(module), attr), type):
                    return prefix
            except (ImportError, AttributeError, ValueError):
                pass
    return None


def _url(name):
    root = name.split(".")[0]
    if root not in PAGES or not _exists(name):
        return None
    if root == "skorch":
        module = name.split(".")[1] if name.count(".") > 1 else "net"
        return PAGES[root].format(name=name, module=module)
    owner = _class_prefix(name) if root in ("sklearn", "torch") else None
    if owner is not None:
        # scikit-learn and PyTorch document methods on their class's page.
        return PAGES[root].format(name=owner) + "#" + name
    return PAGES[root].format(name=name)


def resolve(app, env, node, contnode):
    """``missing-reference`` handler: an external link, or None to leave it unresolved."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    url = _url(target)
    if url is None:
        return None
    reference = nodes.reference("", "", internal=False, refuri=url, reftitle=target)
    reference += contnode
    return reference


def setup(app):
    app.connect("missing-reference", resolve)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
