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
