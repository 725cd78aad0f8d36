"""Every package paperwire pulls in, directly or not, is installed at the version that
``constraints.txt`` records, so two fresh installs are the same install."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not pinned with =="
            pins[canonical(name)] = version
    return pins


def pulled_in(root: str, extras: set[str]) -> set[str]:
    """Names of the installed distributions that ``root[extras]`` requires, transitively."""
    seen: set[str] = set()
    todo: list[tuple[str, set[str]]] = [(root, extras)]
    while todo:
        name, wanted = todo.pop()
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            marker = requirement.marker
            applies = marker is None or any(
                marker.evaluate({"extra": extra}) for extra in (wanted or {""})
            )
            if not applies:
                continue
            child = canonical(requirement.name)
            extra_key = f"{child}[{','.join(sorted(requirement.extras))}]"
            if extra_key in seen:
                continue
            seen.add(extra_key)
            todo.append((child, set(requirement.extras)))
    return {key.split("[")[0] for key in seen} - {"paperwire"}


def test_everything_installed_is_locked() -> None:
    pins = locked()
    names = pulled_in("paperwire", {"dev", "test"})
    assert len(names) > 40  # the direct dependencies and what they pull in
    wrong = {
        name: (metadata.version(name), pins.get(name))
        for name in names
        if pins.get(name) != metadata.version(name)
    }
    assert wrong == {}, "installed (version, locked version): refresh with scripts/lock"


def test_direct_pins_agree_with_the_lock() -> None:
    pins = locked()
    for text in metadata.requires("paperwire") or []:
        requirement = Requirement(text)
        for spec in requirement.specifier:
            if spec.operator == "==":
                assert pins.get(canonical(requirement.name)) == spec.version, requirement.name
