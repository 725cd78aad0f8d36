"""Write docs/cli.md (from --help) and docs/configuration.md (from Settings).

python scripts/make_docs.py          # rewrite both
python scripts/make_docs.py --check  # exit 1 when either is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from paperwire.cli import cli
from paperwire.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def _commands(group: click.Group, prefix: list[str]) -> list[list[str]]:
    found: list[list[str]] = []
    for name in sorted(group.commands):
        command = group.commands[name]
        found.append([*prefix, name])
        if isinstance(command, click.Group):
            found.extend(_commands(command, [*prefix, name]))
    return found


def cli_markdown() -> str:
    parts = [
        "# Command line\n",
        "Generated from `--help` by `scripts/make_docs.py`; a test keeps it current.\n",
    ]
    for path in [[], *_commands(cli, [])]:
        ctx = click.Context(cli, info_name="paperwire", terminal_width=100, **cli.context_settings)
        command: click.Command = cli
        for name in path:
            assert isinstance(command, click.Group)
            command = command.commands[name]
            ctx = click.Context(command, info_name=name, parent=ctx, terminal_width=100)
        title = " ".join(["paperwire", *path])
        parts.append(f"## `{title}`\n\n```\n{command.get_help(ctx)}\n```\n")
    return "\n".join(parts)


def config_markdown() -> str:
    rows = [
        "# Configuration\n",
        "Generated from `paperwire.config.Settings` by `scripts/make_docs.py`. Every option is",
        "an environment variable (and the same key, lower case, in an optional `paperwire.toml`",
        "in the working directory, or the file named by `PAPERWIRE_CONFIG`). A `PAPERWIRE_`",
        "variable or a key of that file that is not in this table is an error naming it.\n",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        if isinstance(default, list):
            default = ",".join(default)
        rows.append(f"| `PAPERWIRE_{name.upper()}` | `{default}` | {field.description} |")
    return "\n".join(rows) + "\n"


def main() -> None:
    wanted = {
        ROOT / "docs" / "cli.md": cli_markdown(),
        ROOT / "docs" / "configuration.md": config_markdown(),
    }
    stale = [path for path, text in wanted.items() if not path.exists() or path.read_text() != text]
    if "--check" in sys.argv:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run python scripts/make_docs.py")  # noqa: T201
        sys.exit(1 if stale else 0)
    for path in stale:
        path.write_text(wanted[path])


if __name__ == "__main__":
    main()
