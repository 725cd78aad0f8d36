"""No import cycles between the parts of paperwire.

A part is a top-level subpackage (``store``, ``web``, ``api``, ...) or a top-level module
(``links``, ``accounts``, ...). Every import counts, wherever it stands: an import placed
inside a function or under ``TYPE_CHECKING`` still makes one part depend on the other. A
cycle fails the test, named part by part with the file and line of each import in it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "src" / "paperwire"

#: Imports left out of the graph until a file their owner is rewriting changes: path
#: (relative to the package) and the module it imports -> the module to import instead.
#: ``test_waiting_imports_are_still_there`` fails once one is gone, so it leaves here too.
WAITING = {("store/sqlite_accounts.py", "paperwire.auth.models"): "paperwire.accounts"}


@dataclass(frozen=True, slots=True)
class Import:
    source: str  # the part that imports
    target: str  # the part imported
    where: str  # file:line
    module: str  # the module named


def parts_of(package: Path) -> set[str]:
    """The top-level subpackages and modules of ``package``."""
    names = {p.name for p in package.iterdir() if (p / "__init__.py").exists()}
    names |= {p.stem for p in package.glob("*.py") if p.stem not in ("__init__", "__main__")}
    return names


def _imported(tree: ast.AST, package: list[str]) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of everything ``tree`` imports; ``package`` is the dotted name,
    split, of the package the file belongs to (relative imports start there)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            yield node.lineno, name
            for alias in node.names:  # ``from paperwire import links`` names a module
                yield node.lineno, f"{name}.{alias.name}"


def imports_between_parts(package: Path) -> list[Import]:
    """Every import by which one part of ``package`` uses another."""
    root = package.name
    parts = parts_of(package)
    found = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if len(relative.parts) == 1 and relative.stem in ("__init__", "__main__"):
            continue
        source = relative.parts[0].removesuffix(".py")
        inside = [root, *relative.parent.parts]
        for line, name in _imported(ast.parse(path.read_text(), str(path)), inside):
            pieces = name.split(".")
            if pieces[0] != root or len(pieces) < 2 or pieces[1] not in parts:
                continue
            if pieces[1] == source or (relative.as_posix(), ".".join(pieces[:3])) in WAITING:
                continue
            found.append(Import(source, pieces[1], f"{relative.as_posix()}:{line}", name))
    return found


def find_cycles(imports: list[Import]) -> list[list[str]]:
    """One cycle through each group of parts that depend on each other (strongly
    connected components of more than one part, Tarjan), as [a, b, ..., a]."""
    graph: dict[str, set[str]] = {}
    for i in imports:
        graph.setdefault(i.source, set()).add(i.target)
        graph.setdefault(i.target, set())
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in order:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], order[nxt])
        if low[node] == order[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in order:
            visit(node)
    return [_cycle_in(graph, group) for group in groups]


def _cycle_in(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest way from the group's first part (by name) back to itself."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & group):
                if nxt == start:
                    return [*paths[node], start]
                if nxt not in paths:
                    paths[nxt] = [*paths[node], nxt]
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"{sorted(group)} holds no cycle")


def describe(cycle: list[str], imports: list[Import]) -> str:
    """``a -> b -> a`` and, for each step, where it is imported."""
    lines = [" -> ".join(cycle)]
    for a, b in zip(cycle, cycle[1:], strict=False):
        lines_of = {i.where: i.module for i in reversed(imports) if (i.source, i.target) == (a, b)}
        places = [f"{where} ({module})" for where, module in sorted(lines_of.items())]
        lines.append(
            f"  {a} -> {b}: " + ", ".join(places[:5]) + (" ..." if len(places) > 5 else "")
        )
    return "\n".join(lines)


def test_no_cycle_between_parts() -> None:
    imports = imports_between_parts(PACKAGE)
    assert imports  # the graph was built from something
    cycles = find_cycles(imports)
    assert not cycles, "import cycles:\n" + "\n".join(describe(c, imports) for c in cycles)


def test_waiting_imports_are_still_there() -> None:
    """Each import left out of the graph still exists; once its file imports the new home
    instead, the entry leaves ``WAITING``."""
    for (path, module), instead in WAITING.items():
        source = (PACKAGE / path).read_text()
        assert f"from {module} import" in source, (
            f"{path} no longer imports {module} (it imports {instead}?): remove it from WAITING"
        )


def _write(root: Path, files: dict[str, str]) -> Path:
    package = root / "paperwire"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return package


def test_a_cycle_is_found_and_named(tmp_path: Path) -> None:
    """The checker itself: a cycle through an import inside a function, a relative
    import and a top-level module is found and each step named with its line."""
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "web/__init__.py": "",
            "web/app.py": "import os\n\nfrom paperwire.api import routes\n",
            "api/__init__.py": "",
            "api/routes.py": "def handler():\n    from ..links import page\n",
            "links.py": "from paperwire.web import app\n",
            "store/__init__.py": "from . import sqlite\n",
            "store/sqlite.py": "from paperwire.links import page\n",
        },
    )
    imports = imports_between_parts(package)
    cycles = find_cycles(imports)
    assert cycles == [["api", "links", "web", "api"]]
    text = describe(cycles[0], imports)
    assert "api -> links: api/routes.py:2 (paperwire.links)" in text
    assert "web -> api: web/app.py:3 (paperwire.api)" in text


def test_no_cycle_when_the_arrows_go_one_way(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "web/__init__.py": "from paperwire.http import deps\n",
            "http/__init__.py": "",
            "http/deps.py": "from paperwire.store import Store\n",
            "store/__init__.py": "from paperwire.accounts import User\n",
            "accounts.py": "",
        },
    )
    imports = imports_between_parts(package)
    assert {(i.source, i.target) for i in imports} == {
        ("web", "http"),
        ("http", "store"),
        ("store", "accounts"),
    }
    assert find_cycles(imports) == []
