"""The package's layering: what may import what."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "skae"


def imported_modules(path):
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def test_only_the_training_layer_imports_skorch_or_the_net():
    importers = {
        path.name for path in PACKAGE.glob("*.py")
        if any(name.split(".")[0] == "skorch" or name == "._net"
               for name in imported_modules(path))
    }
    assert importers <= {"_net.py", "_training.py"}


#: Where a variant's default differs from Autoencoder's on purpose, and why.
DIFFERENT_DEFAULTS = {
    ("SparseAutoencoder", "n_components"): "an overcomplete code (32) is what sparsity is for",
}
#: Shared parameters a variant does not take, and why.
NOT_TAKEN = {
    ("VAE", "residual_likelihood"): "the decoder's likelihood is its own parameter",
    ("ConditionalVAE", "residual_likelihood"): "the decoder's likelihood is its own parameter",
}


def test_every_autoencoder_shares_the_base_parameters_and_defaults():
    import inspect

    import skae
    from skae._base import BaseAutoencoder

    reference = inspect.signature(skae.Autoencoder.__init__).parameters
    shared = set(BaseAutoencoder._parameter_constraints)
    assert shared <= set(reference)
    for name in skae.__all__:
        cls = getattr(skae, name)
        if not (isinstance(cls, type) and issubclass(cls, BaseAutoencoder)):
            continue
        own = inspect.signature(cls.__init__).parameters
        assert set(own) - {"self"} <= set(cls._parameter_constraints), name
        for parameter in shared:
            if (name, parameter) in NOT_TAKEN:
                assert parameter not in own, (name, parameter)
                continue
            assert parameter in own, (name, parameter)
            if (name, parameter) not in DIFFERENT_DEFAULTS:
                assert own[parameter].default == reference[parameter].default, (name, parameter)


def test_no_private_side_channels_between_estimators():
    """Estimators pass what they learned to the ones they hold explicitly (a table
    goes through ``_fit_table``), never by writing a private attribute on them."""
    for path in PACKAGE.glob("*.py"):
        assert "_given_table" not in path.read_text(), path.name


#: The most lines a class may span, docstrings included, and the exceptions.
MAX_CLASS_LINES = 450
CLASS_LINES = {"ConditionalVAE": 250}


def test_every_class_stays_small():
    """The base and the estimators stay one job each (issue 29's shape)."""
    too_long = {}
    for path in PACKAGE.glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > CLASS_LINES.get(node.name, MAX_CLASS_LINES):
                    too_long[node.name] = lines
    assert not too_long


def test_the_base_does_not_ask_whether_it_holds_a_table():
    assert (PACKAGE / "_base.py").read_text().count("_table_") <= 2


def test_every_row_method_takes_y_second():
    """As scikit-learn's do: the conditional model's labels go where every model's do."""
    import inspect

    import skae

    for name in ("transform", "inverse_transform", "reconstruction_error", "score_samples",
                 "score", "fit", "partial_fit", "fit_transform"):
        for cls in (skae.Autoencoder, skae.VAE, skae.ConditionalVAE):
            parameters = list(inspect.signature(getattr(cls, name)).parameters)
            assert parameters[:3] == ["self", "X", "y"], (cls.__name__, name)
