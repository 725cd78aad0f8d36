"""The generated docs match the code, and every setting and command is documented."""

import importlib.util
from pathlib import Path

from paperwire.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def load_make_docs():
    spec = importlib.util.spec_from_file_location("make_docs", ROOT / "scripts" / "make_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_and_configuration_docs_are_current():
    make_docs = load_make_docs()
    assert (ROOT / "docs" / "cli.md").read_text() == make_docs.cli_markdown(), (
        "run python scripts/make_docs.py"
    )
    assert (ROOT / "docs" / "configuration.md").read_text() == make_docs.config_markdown(), (
        "run python scripts/make_docs.py"
    )


def test_every_setting_has_help():
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"


def test_every_command_is_in_the_cli_docs():
    text = (ROOT / "docs" / "cli.md").read_text()
    for command in ("db migrate", "import", "fetch", "stats", "show", "papers"):
        assert f"## `paperwire {command}`" in text
