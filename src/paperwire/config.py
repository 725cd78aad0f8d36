"""Settings: every option with its default, help and ``PAPERWIRE_`` environment name.

Values come from, highest first: keyword arguments, ``PAPERWIRE_*`` environment
variables (``__`` nests: ``PAPERWIRE_SMTP__HOST``), ``paperwire.toml`` in the working
directory (or the file named by ``PAPERWIRE_CONFIG``), then the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PAPERWIRE_", env_nested_delimiter="__", extra="ignore"
    )

    database_url: str = Field(
        "sqlite:///./paperwire.db",
        description="Where papers are kept: `sqlite:///path` or `postgresql://...`.",
    )
    index_dir: str = Field(
        "",
        description="Where the search indexes live; empty: beside the SQLite database "
        "(`paperwire.db` -> `paperwire.index/`).",
    )
    hnsw_threshold: int = Field(
        200_000,
        description="Above this many vectors, semantic search uses an HNSW graph instead of "
        "an exact scan.",
    )
    smtp_url: str = Field(
        "file://./outbox",
        description="Mail transport: `smtp://user:pass@host:port`, `smtps://...` or `file://dir`.",
    )
    base_url: str = Field(
        "http://127.0.0.1:8000", description="The public address used in links and emails."
    )
    secret_key: str = Field(
        "",
        description="Signs sessions and emailed links; empty: generated once and kept in the "
        "database.",
    )
    mail_from: str = Field(
        "paperwire <paperwire@localhost>", description="The From address of every mail sent."
    )
    smtp_timeout: float = Field(30.0, description="Seconds before an SMTP command times out.")
    categories: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["cs.CV", "cs.CL", "cs.LG", "cs.AI"],
        description="The arXiv categories the scheduled fetch follows (comma separated).",
    )
    arxiv_api_url: str = Field(
        "https://export.arxiv.org/api/query", description="The arXiv API endpoint."
    )
    arxiv_oai_url: str = Field(
        "https://oaipmh.arxiv.org/oai", description="The arXiv OAI-PMH endpoint."
    )
    arxiv_rss_url: str = Field(
        "https://rss.arxiv.org/rss", description="The arXiv RSS base; the category is appended."
    )
    hf_api_url: str = Field(
        "https://huggingface.co/api", description="The Hugging Face API base (daily papers)."
    )
    github_api_url: str = Field("https://api.github.com", description="The GitHub REST API base.")
    request_delay: float = Field(
        3.0, description="Seconds between two requests to the same source (arXiv asks for 3)."
    )
    request_timeout: float = Field(30.0, description="Seconds before a request times out.")
    max_retries: int = Field(
        5, description="Retries on timeouts, 429 and 503 before a fetch gives up."
    )
    max_retry_wait: float = Field(
        120.0, description="The longest wait, in seconds, between two retries (caps Retry-After)."
    )
    fetch_days: int = Field(
        3, description="How many days back a first fetch (no checkpoint yet) starts."
    )
    page_size: int = Field(200, description="Records asked for per arXiv API page.")
    arxiv_window_overlap_hours: float = Field(
        72.0,
        description="How far each arXiv API window reaches back into the last one: papers "
        "appear in the API only once announced, up to about three days after submission.",
    )
    user_agent: str = Field(
        "paperwire/0.1", description="Sent with every request; add a contact address for arXiv."
    )

    # -- accounts, upvotes and submissions --------------------------------------------

    # -- GitHub stars and trending ----------------------------------------------------

    # -- digests and the scheduler ----------------------------------------------------

    @field_validator("categories", mode="before")
    @classmethod
    def _split_categories(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("PAPERWIRE_CONFIG", "paperwire.toml"))
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_path),
        )


def index_directory(settings: Settings) -> Path:
    """The folder of the search indexes for these settings."""
    if settings.index_dir:
        return Path(settings.index_dir)
    url = settings.database_url
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).with_suffix(".index")
    return Path("paperwire.index")
