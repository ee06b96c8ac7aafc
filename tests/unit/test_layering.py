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


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Every import between our modules, function-local ones included (they are where cycles hide)."""
    paths = [p for package in ("app", "services", "repository", "entities") for p in _modules(package)]
    known = {_module_name(p) for p in paths}
    graph = {}
    for path in paths:
        edges = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:  # `from app.web import filters` imports the module app.web.filters
                    full = f"{node.module}.{alias.name}"
                    edges.add(full if full in known else node.module)
            elif isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names)
        graph[_module_name(path)] = {e for e in edges if e in known}
    return graph


def test_no_import_cycles_between_our_modules():
    graph, cycles, state = _import_graph(), [], {}

    def visit(node, stack):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                cycles.append(stack[stack.index(target) :] + [target])
            elif target not in state:
                visit(target, [*stack, target])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []
