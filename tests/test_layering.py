"""The package's layering, read from the source: spec ← engines ← application ← conformance / bench / CLI.

Every ``import`` statement of every module under ``refimpl/`` (at any depth of the file: function bodies count) is
resolved to the refimpl module it names; a module may import only from its own layer or the layers below it. The
spec may import NumPy and the standard library and nothing else, and the module graph has no cycle.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import refimpl

ROOT = Path(__file__).resolve().parents[1] / "refimpl"
LAYERS = ("spec", "engines", "application", "top")
TOP = ("refimpl.conformance", "refimpl.bench", "refimpl.cli", "refimpl.__main__")


def module_name(path: Path) -> str:
    parts = ("refimpl",) + path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def layer(module: str) -> int:
    if module.startswith("refimpl.spec"):
        return 0
    if module.startswith("refimpl.engines"):
        return 1
    if any(module == t or module.startswith(t + ".") for t in TOP):
        return 3
    return 2


def imports(module: str) -> tuple[set[str], set[str]]:
    """(refimpl modules imported, top-level names of other packages imported) by ``module``."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    ours, others = set(), set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from . import x` imports the submodule x when there is one
            names = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in MODULES else prefix for a in node.names]
        else:
            continue
        for name in names:
            (ours if name.split(".")[0] == "refimpl" else others).add(name if name in MODULES else
                                                                        name.split(".")[0])
    return {m for m in ours if m in MODULES}, others - {"refimpl"}


GRAPH = {m: imports(m)[0] for m in MODULES}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_from_its_layer_or_below(module):
    upward = sorted(m for m in GRAPH[module] if layer(m) > layer(module))
    assert upward == [], f"{module} ({LAYERS[layer(module)]}) imports from a higher layer: {upward}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer(m) == 0))
def test_spec_imports_numpy_and_the_standard_library_only(module):
    others = imports(module)[1]
    foreign = sorted(n for n in others if n != "numpy" and n not in sys.stdlib_module_names)
    assert foreign == [], f"{module} imports {foreign}"
    outside = sorted(m for m in GRAPH[module] if not m.startswith("refimpl.spec"))
    assert outside == [], f"{module} imports refimpl modules outside the spec: {outside}"


def test_module_graph_has_no_cycle():
    # A package imports its submodules through __init__ and they import siblings: edges into a package's own
    # __init__ from inside it are how Python resolves `from . import x`, not a cycle of the design.
    def edges(m):
        return {n for n in GRAPH[m] if not (MODULES[n].name == "__init__.py" and m.startswith(n + "."))}

    state: dict[str, int] = {}

    def visit(m, stack):
        state[m] = 1
        for n in edges(m):
            if state.get(n) == 1:
                raise AssertionError(f"import cycle: {' -> '.join(stack[stack.index(n):] + [n])}")
            if n not in state:
                visit(n, stack + [n])
        state[m] = 2

    for m in sorted(MODULES):
        if m not in state:
            visit(m, [m])


def test_import_refimpl_loads_no_checker_and_no_hypothesis():
    code = ("import sys, refimpl; bad = sorted(m for m in sys.modules if m.startswith(('refimpl.conformance', "
            "'refimpl.bench', 'hypothesis'))); print(bad); sys.exit(1 if bad else 0)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_checker_is_reachable_as_an_attribute():
    assert refimpl.conformance.check("threshold", refimpl.threshold, max_examples=5).passed
