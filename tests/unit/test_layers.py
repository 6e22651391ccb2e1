"""The layers the README draws, held: the domain imports nothing of ours but itself, adapters only the domain and the
platform's plumbing, the service no entry point, and no module imports itself back through others.

Imports are read from the source (those inside functions too; those under ``if TYPE_CHECKING:`` are for the type
checker alone and are left out), so a lazy import cannot hide a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Lower number, lower layer: a module may import its own package and any package of a lower layer.
LAYERS = {
    "domain": 0,
    "platform": 1,
    "storage": 2,
    "export": 2,
    "kakao": 2,
    "service": 3,
    "jobs": 4,
    "web": 4,
    "runtime": 5,
}


def module_files() -> dict[str, Path]:
    out = {}
    for path in sorted((ROOT / "chalicelib").rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        out[name] = path
    return out


def _type_checking_only(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return skipped


def imports_of(source: str, known: Iterable[str]) -> set[str]:
    """The project's modules ``source`` imports (``from package import module`` counts as the module)."""
    known = set(known)
    tree = ast.parse(source)
    skipped = _type_checking_only(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("chalicelib"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in known else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("chalicelib"))
    return found & known


def graph() -> dict[str, set[str]]:
    files = module_files()
    return {name: imports_of(path.read_text(encoding="utf-8"), files) - {name} for name, path in files.items()}


def circles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of more than one module (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, rest = work[-1]
            nxt = next(rest, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(edges.get(nxt, ())))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    part.append(top)
                    if top == node:
                        break
                if len(part) > 1:
                    found.append(sorted(part))
    return found


def package_of(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


def crossings(edges: Mapping[str, set[str]]) -> list[str]:
    """Imports that go up a layer, or sideways into another package of the same layer."""
    wrong = []
    for module, targets in sorted(edges.items()):
        mine = package_of(module)
        for target in sorted(targets):
            theirs = package_of(target)
            if theirs == mine or mine not in LAYERS or theirs not in LAYERS:
                continue
            if LAYERS[theirs] >= LAYERS[mine]:
                wrong.append(f"{module} imports {target}")
    return wrong


def test_every_package_has_a_layer() -> None:
    packages = {package_of(m) for m in module_files()} - {"chalicelib"}
    assert packages <= set(LAYERS), packages - set(LAYERS)


def test_no_import_goes_up_or_sideways() -> None:
    assert crossings(graph()) == []


def test_no_module_imports_itself_back() -> None:
    assert circles(graph()) == []


def test_the_checks_see_a_circle_and_a_crossing() -> None:
    """The two checks above would fail: a circle through a lazy import, and the domain reaching for storage."""
    files = {"chalicelib.domain.a", "chalicelib.domain.b", "chalicelib.storage.c"}
    a = imports_of("from chalicelib.domain import b\n", files)
    b = imports_of("def later():\n    from chalicelib.domain.a import thing\n", files)
    typed = imports_of(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from chalicelib.domain import a\n", files
    )
    assert typed == set()
    edges = {
        "chalicelib.domain.a": a,
        "chalicelib.domain.b": b | {"chalicelib.storage.c"},
        "chalicelib.storage.c": set(),
    }
    assert circles(edges) == [["chalicelib.domain.a", "chalicelib.domain.b"]]
    assert crossings(edges) == ["chalicelib.domain.b imports chalicelib.storage.c"]
