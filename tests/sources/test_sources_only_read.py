"""Sources only read: no module of ``paperwire.sources`` imports the store or calls a
method that writes to it; ``paperwire.ingest`` commits what they fetch."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import paperwire.sources

SOURCES = Path(paperwire.sources.__file__).parent
PACKAGE = ["paperwire", "sources"]
MODULES = sorted(p.stem for p in SOURCES.glob("*.py") if p.stem != "__init__")
FETCHERS = {"arxiv_atom", "arxiv_oai", "arxiv_rss", "hf_daily", "github"}
#: The store's methods that write.
WRITES = {"atomic", "upsert_papers", "set_checkpoint", "record_repo"}


def store_uses(source: str) -> list[str]:
    """What in ``source`` (a module of paperwire.sources) imports the store or calls a
    store method that writes, as ``line: what``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # "from ..store import X" in paperwire.sources: paperwire.store
                package = PACKAGE[: len(PACKAGE) + 1 - node.level]
                module = ".".join([*package, module] if module else package)
            names = [module] + [f"{module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value]  # importlib.import_module("paperwire.store...")
        elif isinstance(node, ast.Attribute) and node.attr in WRITES:
            found.append(f"{node.lineno}: .{node.attr}")
        found.extend(
            f"{getattr(node, 'lineno', '?')}: {name}"
            for name in names
            if name == "paperwire.store" or name.startswith("paperwire.store.")
        )
    return found


def test_every_fetcher_is_checked() -> None:
    assert FETCHERS <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_source_module_does_not_import_or_write_the_store(module: str) -> None:
    source = (SOURCES / f"{module}.py").read_text(encoding="utf-8")
    assert store_uses(source) == [], f"paperwire/sources/{module}.py uses the store"


@pytest.mark.parametrize(
    "line",
    [
        "from paperwire.store import Store",
        "from paperwire.store.base_rank import RepoState",
        "import paperwire.store",
        "from paperwire import store",
        "from ..store import Store",
        "def f(store):\n    store.set_checkpoint('x', {})",
        "def f(store):\n    with store.atomic():\n        pass",
    ],
)
def test_the_check_finds_a_store_import_or_write(line: str) -> None:
    assert store_uses(line) != []


def test_importing_every_source_does_not_load_the_store() -> None:
    imports = "; ".join(f"import paperwire.sources.{m}" for m in MODULES)
    found = "sorted(m for m in sys.modules if m.startswith('paperwire.store'))"
    code = f"import sys; {imports}; print({found})"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
