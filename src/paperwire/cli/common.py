"""What the commands share: settings, opening the store, printing."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any, NoReturn

import click

from paperwire.config import Settings
from paperwire.errors import ConfigError, PaperwireError
from paperwire.store import Store, open_store


@dataclass
class Context:
    database_url: str | None = None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            overrides: dict[str, Any] = {}
            if self.database_url:
                overrides["database_url"] = self.database_url
            try:
                self._settings = Settings(**overrides)
            except (ConfigError, ValueError) as exc:
                fail(f"configuration: {exc}")
        return self._settings

    def store(self, *, create: bool = False) -> Store:
        try:
            store = open_store(self.settings.database_url, create=create)
            if create:
                store.migrate()
            return store
        except PaperwireError as exc:
            fail(str(exc))


pass_context = click.make_pass_decorator(Context)


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=None))


def json_option(f: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(f)
