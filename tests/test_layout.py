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
