"""The shape of the code: imports point down only (application -> sim -> rtl -> golden), no
import circles (also none by name: no module path of a higher layer appears as a string in a
lower one), no module over 500 lines, no kernel with more than 12 arguments."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: the layers, lowest first: a module may import its own layer and the layers below it
LAYERS = ("golden", "rtl", "sim", "xbarkit")
MAX_LINES = 500
MAX_KERNEL_ARGS = 12


def _modules() -> dict[str, Path]:
    out = {}
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports, at the top or inside functions (``from X import Y``
    counts as X.Y where X.Y is a module, else as X)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
    return {m for m in found if m.split(".")[0] in LAYERS}


def _layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_the_layers_exist():
    assert {_layer(m) for m in MODULES} == set(range(len(LAYERS)))
    assert sum(len(v) for v in GRAPH.values()) > 100  # the walk sees the imports


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down_only(name):
    up = sorted(m for m in GRAPH[name] if _layer(m) > _layer(name))
    assert not up, f"{name} imports from a higher layer: {up}"


@pytest.mark.parametrize("name", sorted(m for m in MODULES if _layer(m) < len(LAYERS) - 1))
def test_no_higher_layer_by_name(name):
    """No string in a lower layer names a module of a higher one (importlib, entry points)."""
    higher = "|".join(LAYERS[_layer(name) + 1 :])
    pattern = re.compile(rf"^({higher})(\.\w+)+(:\w+)?$")
    strings = [
        node.value
        for node in ast.walk(ast.parse(MODULES[name].read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert not [s for s in strings if pattern.match(s)]
    assert "importlib" not in GRAPH[name] and "import_module" not in MODULES[name].read_text()


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circles():
    assert _cycles(GRAPH) == []


def test_the_circle_check_finds_a_circle():
    graph = {**GRAPH, "golden.params.periphery": GRAPH["golden.params.periphery"] | {"golden.hw"}}
    graph["golden.hw"] = {"golden.params.periphery"}
    assert _cycles(graph) == [["golden.hw", "golden.params.periphery"]]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_are_small(name):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name}: {lines} lines"


@pytest.mark.parametrize("name", sorted(m for m in MODULES if m.startswith("golden.")))
def test_kernels_take_few_arguments(name):
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.FunctionDef) and any(
            "njit" in ast.unparse(d) for d in node.decorator_list
        ):
            n = len(node.args.args)
            assert n <= MAX_KERNEL_ARGS, f"{name}.{node.name} takes {n} arguments"
