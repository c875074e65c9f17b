"""The package's shape: imports run downward, at top level, between public names.

Every module of ``forecastrnn`` is parsed with ``ast`` (imports inside
functions included) into a graph of intra-package imports, checked against
the layer table below (DESIGN.md, "Data flow"). Also here: ``import
forecastrnn`` and ``forecastrnn --help`` stay light (PEP 562 lazy loading).
"""

import ast
import importlib.metadata
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

import forecastrnn
from forecastrnn import version

PACKAGE = "forecastrnn"
ROOT = Path(forecastrnn.__file__).resolve().parent

# Layers, bottom to top: a module imports only from its own layer (acyclically)
# or from layers below. The package's __init__ sits above them all and no
# module imports it.
LAYERS = {
    # 0. data and utilities
    "checks": 0,
    "panel": 0,
    "longform": 0,
    "progress": 0,
    "version": 0,
    "calendar": 0,
    "windows": 0,
    "augment": 0,
    "scaling": 0,
    "datasets": 0,
    "archive": 0,
    # 1. the JAX core
    "nn": 1,
    "nn.cells": 1,
    "nn.layers": 1,
    "nn.network": 1,
    "losses": 1,
    "indexed_windows": 1,
    # 2. training
    "training": 2,
    "engine": 2,
    "sampling": 2,
    "epoch_loop": 2,
    # 3. estimators
    "estimators": 3,
    "forecasters": 3,
    "network_settings": 3,
    "checkpoints": 3,
    "series_inputs": 3,
    "seasons": 3,
    # 4. evaluation
    "metrics": 4,
    "baselines": 4,
    "naive": 4,
    "statistical": 4,
    "backtest": 4,
    "scoring": 4,
    "folds": 4,
    "diagnostics": 4,
    "selection": 4,
    "plotting": 4,
    # 5. persistence and reports
    "persistence": 5,
    "report": 5,
    "render": 5,
    "panel_report": 5,
    # 6. the command line
    "arguments": 6,
    "cli": 6,
    "csvfiles": 6,
    "__main__": 6,
}
TOP = max(LAYERS.values()) + 1  # the package's __init__

# The only imports inside a function: the command imports its implementation
# after parsing (forecastrnn/__main__.py), and the package's __init__ loads its
# attributes on first use with importlib (PEP 562).
DEFERRED_IMPORTS = {("forecastrnn.__main__", "forecastrnn.cli")}
DYNAMIC_IMPORTERS = {PACKAGE}

HEAVY = ("jax", "statsmodels", "matplotlib", "sklearn", "scipy", "pandas")


class Import(NamedTuple):
    """One intra-package import: who imports what, where, and how."""

    source: str  # the importing module
    target: str  # the imported module
    line: int
    deferred: bool  # inside a function or class body
    name: str | None  # the name taken from `target` (`from target import name`)

    def __str__(self) -> str:
        what = self.target if self.name is None else f"{self.target}.{self.name}"
        return f"{self.source}:{self.line} -> {what}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, tuple[Path, ast.Module]]:
    """Every module of the package: name -> (path, syntax tree)."""
    paths = sorted(ROOT.rglob("*.py"))
    return {_module_name(p): (p, ast.parse(p.read_text(), str(p))) for p in paths}


SOURCES = _sources()
MODULES = set(SOURCES)


def _is_package(module: str) -> bool:
    return SOURCES[module][0].name == "__init__.py"


def _base(module: str, node: ast.ImportFrom) -> str:
    """The absolute module named by ``from <base> import ...`` in ``module``."""
    if not node.level:
        return node.module or ""
    package = module.split(".")
    if not _is_package(module):
        package = package[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def _parents(tree: ast.Module) -> dict[ast.AST, ast.AST]:
    return {
        child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)
    }


def _deferred(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether ``node`` runs later than its module's import (a def or class body)."""
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
    while node in parents:
        node = parents[node]
        if isinstance(node, scopes):
            return True
    return False


def _imports_of(module: str, tree: ast.Module) -> list[Import]:
    """The intra-package imports of one module."""
    parents, found = _parents(tree), []
    for node in ast.walk(tree):
        deferred = _deferred(node, parents)
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    found.append(
                        Import(module, alias.name, node.lineno, deferred, None)
                    )
        elif isinstance(node, ast.ImportFrom):
            base = _base(module, node)
            if base.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                target, name = (sub, None) if sub in MODULES else (base, alias.name)
                found.append(Import(module, target, node.lineno, deferred, name))
    return found


IMPORTS = [edge for m, (_, tree) in SOURCES.items() for edge in _imports_of(m, tree)]


def _layer(module: str) -> int | None:
    """The layer of ``module``; None for one missing from the table."""
    return TOP if module == PACKAGE else LAYERS.get(module.removeprefix(f"{PACKAGE}."))


def _private(name: str | None) -> bool:
    return bool(name) and name.startswith("_") and not name.startswith("__")


def _cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# ------------------------------------------------------------------ the graph


def test_the_graph_sees_the_imports():
    """The parser resolves relative and absolute imports, deferred ones too."""
    edges = {(e.source, e.target, e.name, e.deferred) for e in IMPORTS}
    network, cells = "forecastrnn.nn.network", "forecastrnn.nn.cells"
    assert (network, cells, "glorot_uniform", False) in edges  # from .cells import
    assert ("forecastrnn.__main__", "forecastrnn.cli", None, True) in edges
    assert ("forecastrnn.cli", "forecastrnn.datasets", None, False) in edges


def test_every_module_has_a_layer():
    missing = sorted(m for m in MODULES - {PACKAGE} if _layer(m) is None)
    assert not missing, f"add these modules to LAYERS: {missing}"


def test_imports_only_go_down():
    upward = [
        f"{edge} (layer {_layer(edge.source)} -> {_layer(edge.target)})"
        for edge in IMPORTS
        if None not in (_layer(edge.source), _layer(edge.target))
        and _layer(edge.target) > _layer(edge.source)
    ]
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_no_import_cycles():
    edges = {(e.source, e.target) for e in IMPORTS if e.source != e.target}
    cycles = _cycles(edges)
    assert not cycles, f"import cycles: {cycles}"


def _deferred_imports(module: str, tree: ast.Module) -> list[str]:
    """Imports of any library inside a function or class body of ``module``."""
    parents, found = _parents(tree), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and _deferred(node, parents):
            edges = _imports_of(module, ast.Module(body=[node], type_ignores=[]))
            if not {(module, e.target) for e in edges} <= DEFERRED_IMPORTS or not edges:
                found.append(f"{module}:{node.lineno} {ast.unparse(node)}")
        dynamic = isinstance(node, ast.Attribute) and node.attr == "import_module"
        if dynamic and module not in DYNAMIC_IMPORTERS:
            found.append(f"{module}:{node.lineno} importlib.import_module")
    return found


def test_imports_are_at_module_top_level():
    deferred = [
        line for module, (_, tree) in SOURCES.items()
        for line in _deferred_imports(module, tree)
    ]  # fmt: skip
    assert not deferred, "imports inside functions:\n" + "\n".join(deferred)


def _module_aliases(module: str, tree: ast.Module) -> dict[str, str]:
    """Names bound to other forecastrnn modules: ``from . import windows`` etc."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name.split(".")[0] == PACKAGE:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _base(module, node)
            for alias in node.names:
                if f"{base}.{alias.name}" in MODULES:
                    aliases[alias.asname or alias.name] = f"{base}.{alias.name}"
    return aliases


def _private_attribute_uses(module: str, tree: ast.Module) -> list[str]:
    """``alias._name`` where ``alias`` is another forecastrnn module."""
    aliases = _module_aliases(module, tree)
    return [
        f"{module}:{node.lineno} {aliases[node.value.id]}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in aliases
        and _private(node.attr)
    ]


def test_no_private_names_cross_modules():
    imported = [
        f"{e} (private)" for e in IMPORTS if _private(e.name) and e.target != e.source
    ]
    used = [
        use for module, (_, tree) in SOURCES.items()
        for use in _private_attribute_uses(module, tree)
    ]  # fmt: skip
    assert not imported + used, "private names used across modules:\n" + "\n".join(
        imported + used
    )


# -------------------------------------------------------------- lazy loading


def _loaded_after(code: str) -> list[str]:
    """The heavy libraries a fresh interpreter has imported after ``code``."""
    probe = (
        f"{code}\nimport sys\nprint(*sorted(set(m.split('.')[0] for m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return sorted(set(done.stdout.split()) & set(HEAVY))


def test_import_forecastrnn_loads_no_heavy_library():
    assert _loaded_after("import forecastrnn") == []


def test_help_loads_no_heavy_library():
    code = (
        "import contextlib, io\nfrom forecastrnn.__main__ import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    with contextlib.suppress(SystemExit):\n"
        "        main(['backtest', '--help'])"
    )
    assert _loaded_after(code) == []


def test_public_names_resolve_on_first_use():
    for name in forecastrnn.__all__:
        assert getattr(forecastrnn, name) is not None, name
    assert set(forecastrnn.__all__) <= set(dir(forecastrnn))
    assert forecastrnn.RNNRegressor.__module__ == "forecastrnn.estimators"
    assert forecastrnn.nn.init_cell is not None  # any submodule, on first use


def test_backtest_stays_the_function_after_its_module_is_imported():
    module = importlib.import_module("forecastrnn.backtest")  # binds no attribute
    assert forecastrnn.backtest is module.backtest
    assert sys.modules["forecastrnn.backtest"] is module


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        forecastrnn.no_such_name  # noqa: B018
    assert not hasattr(forecastrnn, "_private_thing")


def test_version_comes_from_the_package_metadata():
    assert forecastrnn.__version__ == version.__version__
    assert version.__version__ == importlib.metadata.version("forecastrnn")
