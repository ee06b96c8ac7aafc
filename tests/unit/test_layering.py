"""House style: imports only go down (app -> services -> repository -> entities)."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("entities"), ids=lambda p: p.name)
def test_entities_import_only_the_standard_library(path):
    foreign = {name for name in _imports(path) if name not in sys.stdlib_module_names and name != "entities"}
    assert foreign == set()


@pytest.mark.parametrize("path", _modules("services"), ids=lambda p: p.name)
def test_services_never_import_flask_or_the_app(path):
    assert not _imports(path) & {"flask", "flask_limiter", "flask_wtf", "werkzeug", "app"}


@pytest.mark.parametrize("path", _modules("repository"), ids=lambda p: p.name)
def test_repository_never_imports_services_or_the_app(path):
    assert not _imports(path) & {"flask", "services", "app"}
