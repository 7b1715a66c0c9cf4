"""Every public class, function and method of skae has a numpydoc docstring with an example."""

import inspect

import pytest
from numpydoc.docscrape import NumpyDocString

import skae
import skae.plotting


def public_objects():
    """``qualified name -> object`` for skae's public classes, functions and methods."""
    for module in (skae, skae.plotting):
        for name in module.__all__:
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # __version__
            yield f"{module.__name__}.{name}", obj
            if not inspect.isclass(obj):
                continue
            for attr in dir(obj):
                owner = next((k for k in obj.__mro__ if attr in vars(k)), None)
                if attr.startswith("_") or not owner.__module__.startswith("skae"):
                    continue  # private, or inherited from scikit-learn
                member = vars(owner)[attr]
                if isinstance(member, property):
                    member = member.fget
                if inspect.isfunction(member):
                    yield f"{module.__name__}.{name}.{attr}", member


OBJECTS = dict(public_objects())


def test_the_public_surface_is_found():
    for name in ("skae.VAE.sample", "skae.data_parallel", "skae.OutlierDetector.predict",
                 "skae.plotting.plot_latent", "skae.DataParallelContext.is_main"):
        assert name in OBJECTS


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_numpydoc_docstring_with_an_example(name):
    doc = inspect.getdoc(OBJECTS[name])
    assert doc, f"{name} has no docstring"
    parsed = NumpyDocString(doc)
    assert parsed["Summary"], f"{name} has no summary line"
    assert parsed["Examples"], f"{name} has no Examples section"


def documented_defaults(obj):
    """``parameter -> (documented default text or None, signature default)``."""
    import re

    signature = inspect.signature(obj.__init__ if inspect.isclass(obj) else obj)
    found = {}
    for entry in NumpyDocString(inspect.getdoc(obj))["Parameters"]:
        match = re.search(r"default\s*=\s*(.+)$", entry.type)
        for name in (n.strip() for n in entry.name.split(",")):
            found[name] = (match.group(1).strip() if match else None,
                           signature.parameters[name].default
                           if name in signature.parameters else "missing")
    return signature, found


#: Public callables whose signature is not for users to call (made for them by skae).
NOT_CONSTRUCTED_BY_USERS = {"DataParallelContext": "made by data_parallel(), not by users"}


@pytest.mark.parametrize("name", sorted(
    name for name, obj in OBJECTS.items()
    if name.count(".") == 1 + name.startswith("skae.plotting")
    and name.rsplit(".", 1)[1] not in NOT_CONSTRUCTED_BY_USERS))
def test_documented_defaults_match_the_signature(name):
    """Every parameter is documented as ``name : type, default=value`` with the
    value the signature has (compared as Python literals: "auto" equals 'auto',
    1e-3 equals 0.001); a required parameter documents no default."""
    import ast

    signature, found = documented_defaults(OBJECTS[name])
    expected = {p for p in signature.parameters if p not in ("self", "args", "kwargs")}
    assert set(found) == expected, f"{name}: documented {sorted(found)}"
    for parameter, (text, default) in found.items():
        if default is inspect.Parameter.empty:
            assert text is None, f"{name}({parameter}) is required, documented default={text}"
            continue
        assert text is not None, f"{name}({parameter}): no default= in its docstring"
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text  # e.g. a callable's name
        assert value == default or text == getattr(default, "__name__", None), (
            f"{name}({parameter}): documented default={text}, signature {default!r}")
