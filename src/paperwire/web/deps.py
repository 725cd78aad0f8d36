"""What handlers receive: the store, the settings, the searcher, the templates."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from paperwire.config import Settings
from paperwire.search import Searcher
from paperwire.store import Store


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_searcher(request: Request) -> Searcher | None:
    """The searcher, opened on first use; None until ``paperwire index`` has run."""
    state = request.app.state
    if state.searcher is None:
        try:
            state.searcher = Searcher(state.store, state.settings)
        except Exception:  # no index yet: pages degrade, they do not fail
            return None
    searcher: Searcher = state.searcher
    return searcher


def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SearcherDep = Annotated[Searcher | None, Depends(get_searcher)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
