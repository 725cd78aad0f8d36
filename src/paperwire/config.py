"""Settings: every option with its default, help and ``PAPERWIRE_`` environment name.

Values come from, highest first: keyword arguments, ``PAPERWIRE_*`` environment
variables, ``paperwire.toml`` in the working directory (or the file named by
``PAPERWIRE_CONFIG``), then the defaults below.

A name that is no setting is an error, wherever it comes from (a ``PAPERWIRE_`` variable,
a key of the settings file, a keyword argument): a misspelt setting would otherwise be
ignored without a word. The message names the variable or the key and its file, and
the setting it is closest to.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from paperwire.errors import ConfigError

ENV_PREFIX = "PAPERWIRE_"
#: The one ``PAPERWIRE_`` variable that is not a setting: where the settings file is.
CONFIG_ENV = "PAPERWIRE_CONFIG"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid"
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
    index_processes: int = Field(
        0,
        ge=0,
        le=64,
        description="Processes that compute similar papers and quality vectors when a run has "
        "many to do; 0: one per CPU core.",
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
    mail_smtputf8: bool = Field(
        False,
        description="The mail server delivers SMTPUTF8 mail, so addresses with characters "
        "other than ASCII before the @ (`josé@example.org`) may subscribe; off: they are "
        "refused with a message. Internationalised domains are always accepted (sent as IDNA).",
    )
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

    # -- serving ----------------------------------------------------------------------
    proxy_headers: bool = Field(
        False,
        description="Take the client's address (and scheme) from `X-Forwarded-For` and "
        "`X-Forwarded-Proto`, sent by a reverse proxy at one of `forwarded_allow_ips`; off: "
        "the client is the connection's peer, whatever such headers say (the per-IP limits "
        "count it).",
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1,::1",
        description="With `proxy_headers`: the proxies trusted to set those headers (comma "
        "separated IP addresses or networks, `*` for any).",
    )

    # -- accounts, upvotes and submissions --------------------------------------------
    login_link_minutes: int = Field(
        15, ge=1, description="Minutes an emailed sign-in link stays valid (it works once)."
    )
    session_days: int = Field(
        30, ge=1, description="Days a sign-in lasts before the reader signs in again."
    )
    allow_signup: bool = Field(
        True,
        description="Unknown addresses get a sign-in link too and become readers when they "
        "use it; false: only accounts made with `paperwire user add` can sign in.",
    )
    login_limit_per_address: int = Field(
        3, ge=1, description="Sign-in mails sent to one address per `login_limit_window`."
    )
    login_limit_per_ip: int = Field(
        20, ge=1, description="Sign-in requests accepted from one IP per `login_limit_window`."
    )
    login_limit_window: int = Field(
        3600, ge=1, description="Seconds over which the sign-in limits count."
    )
    subscribe_limit_per_ip: int = Field(
        10,
        ge=1,
        description="Subscription requests (each may send a confirmation mail) accepted from "
        "one IP per `subscribe_limit_window`, through the form and the API together.",
    )
    subscribe_limit_window: int = Field(
        3600, ge=1, description="Seconds over which the per-IP subscription limit counts."
    )
    upvote_limit: int = Field(
        30, ge=1, description="Upvote changes (adds and removals) one reader may make per minute."
    )
    submission_daily_cap: int = Field(
        3, ge=0, description="Papers a reader may submit to the daily feed per day (UTC)."
    )
    submission_max_age_days: int = Field(
        14, ge=0, description="Submitted papers must be at most this many days old (first version)."
    )

    # -- the discussion under each paper ----------------------------------------------
    comment_edit_minutes: int = Field(
        30,
        ge=0,
        description="Minutes after posting in which a reader may edit their comment (it then "
        "shows “edited”); 0: comments cannot be edited.",
    )
    comment_hold_days: int = Field(
        1,
        ge=0,
        description="An account younger than this many days has its comments held for a "
        "curator until one of them is approved; 0: no hold.",
    )
    comment_limit: int = Field(
        10,
        ge=1,
        description="Comments and replies one reader may post per `comment_limit_window` "
        "(curators too).",
    )
    comment_limit_window: int = Field(
        600, ge=1, description="Seconds over which the comment limit counts."
    )

    # -- GitHub stars and trending ----------------------------------------------------
    github_token: str = Field(
        "",
        description="A GitHub token sent as `Authorization: Bearer` by `fetch github` "
        "(5,000 requests an hour instead of 60); empty: none.",
    )
    github_request_delay: float = Field(
        0.1, description="Seconds between two requests of `fetch github`."
    )
    trending_upvote_weight: float = Field(
        1.0, description="Weight of the upvote term: log1p of the decayed upvote count."
    )
    trending_upvote_half_life: float = Field(
        0.3,
        description="When an upvote counts half in the trending score, as a fraction of the "
        "window (0.3: 7.2 hours in the day window, 2.1 days in the week's, 9 in the month's).",
    )
    trending_star_weight: float = Field(
        1.0,
        description="Weight of the GitHub star term: log1p(stars gained per day) plus "
        "`trending_star_total_weight` * log1p(stars).",
    )
    trending_star_half_life: float = Field(
        0.0,
        description="When a star gain counts half in the window's star velocity, as a "
        "fraction of the window; 0: all gains in the window count alike.",
    )
    trending_star_total_weight: float = Field(
        0.3,
        description="How much the repository's total stars add to its velocity "
        "(chosen by benchmarks/trending_backtest.py).",
    )
    trending_recency_weight: float = Field(
        1.0, description="Weight of the recency term (1 for a paper of today, halving)."
    )
    trending_recency_half_life: float = Field(
        0.4,
        description="When the recency term of a paper halves, as a fraction of the window.",
    )
    trending_curator_weight: float = Field(
        0.5, description="Added to the score of a paper a curator submitted."
    )

    # -- digests and the scheduler ----------------------------------------------------
    digest_max_papers: int = Field(20, description="The most papers one digest lists.")
    digest_trending: int = Field(
        5, description="How many of the period's trending papers open each digest."
    )
    digest_topic_results: int = Field(
        8, description="How many papers each of a subscriber's topics may add to a digest."
    )
    digest_for_you: int = Field(
        5,
        ge=0,
        le=20,
        description="How many papers the “For you” section lists in the digest of a "
        "signed-up reader with saved or upvoted papers or followed authors or topics "
        "(0: no section).",
    )
    digest_most_discussed: int = Field(
        5,
        ge=0,
        le=20,
        description="How many papers the “Most discussed” section lists: those with the "
        "most visible comments written in the digest's period, at least two each "
        "(0: no section).",
    )
    digest_hour: int = Field(
        7, ge=0, le=23, description="The local hour (in the subscriber's time zone) digests go out."
    )
    digest_weekday: int = Field(
        0, ge=0, le=6, description="The day weekly digests go out (0 Monday ... 6 Sunday)."
    )
    digest_workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Processes that compose digests in parallel (1, all in the calling "
        "process, is fastest on two cores).",
    )
    digest_send_rate: float = Field(
        20.0, ge=0, description="Most digests sent per second (0: as fast as the server takes)."
    )
    digest_retry_seconds: float = Field(
        60.0, description="The first wait after a temporary SMTP error; doubled each retry."
    )
    digest_max_attempts: int = Field(
        8, description="Tries of one digest after temporary SMTP errors before it is given up."
    )
    digest_suspend_after: int = Field(
        3, description="Permanent SMTP refusals (5xx) of an address before it is suspended."
    )
    digest_confirm_days: int = Field(
        7, description="Days a subscription's confirmation link stays valid."
    )
    digest_preferences_days: int = Field(
        90, description="Days a preferences link from a digest stays valid."
    )
    worker_fetch_sources: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["arxiv", "hf-daily"],
        description="What the scheduler fetches (comma separated; empty: no fetching).",
    )
    worker_fetch_cron: str = Field(
        "30 */6 * * *", description="When the scheduler fetches new papers (crontab, UTC)."
    )
    worker_rank_cron: str = Field(
        "45 * * * *", description="When the scheduler computes trending scores (crontab, UTC)."
    )
    worker_index_cron: str = Field(
        "* * * * *",
        description="When the scheduler brings the keyword index, fast vectors, similar papers "
        "and days' topics up to date with new and changed papers (crontab, UTC); it also "
        "runs after each fetch. A run with nothing new takes about a second.",
    )
    worker_quality_cron: str = Field(
        "*/10 * * * *",
        description="When the scheduler fills missing quality vectors, newest papers first "
        "(crontab, UTC); it runs beside the index job, never holding it up.",
    )
    worker_quality_minutes: float = Field(
        9.0,
        gt=0,
        le=1440,
        description="The longest one quality run works before it stops (between two "
        "batches); the next run goes on from there.",
    )
    worker_recommend_cron: str = Field(
        "*/10 * * * *",
        description="When the scheduler trains the models of readers whose signals changed "
        "(crontab, UTC); it also runs after each index run.",
    )
    worker_digest_cron: str = Field(
        "*/15 * * * *",
        description="How often the scheduler composes the digests that are due and sends the "
        "outbox (crontab, UTC).",
    )
    worker_discussion_cron: str = Field(
        "*/30 * * * *",
        description="How often the scheduler mails readers the new comments in the "
        "discussions they follow, one mail per reader and discussion (crontab, UTC).",
    )
    worker_lease_seconds: float = Field(
        300.0,
        ge=1,
        le=86_400,
        description="How long a worker's claim on a running job holds unless renewed (it "
        "renews it every third of that): the job of a worker that died is taken up by "
        "another within this time.",
    )
    up_fetch: bool = Field(
        False,
        description="Whether the scheduler started by `paperwire up` fetches from the network "
        "(off: `up` works offline; run `paperwire worker` or set this to fetch).",
    )

    @field_validator("worker_fetch_sources", mode="before")
    @classmethod
    def _split_sources(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

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
        toml_path = config_path()
        problems = unknown_settings(os.environ, read_toml(toml_path), toml_path)
        if problems:
            raise ConfigError("; ".join(problems))
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_path),
        )


def config_path() -> Path:
    """The settings file: ``PAPERWIRE_CONFIG``, else ``paperwire.toml`` here."""
    return Path(os.environ.get(CONFIG_ENV, "paperwire.toml"))


def read_toml(path: Path) -> dict[str, Any]:
    """The keys of the settings file; none when there is no such file."""
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def unknown_settings(
    environ: Mapping[str, str], toml: Mapping[str, Any], toml_path: Path
) -> list[str]:
    """A message for each ``PAPERWIRE_`` variable of ``environ`` and each key of the
    settings file that names no setting (variables are matched without regard to case,
    as the settings read them; keys are the settings' names, lower case)."""
    names = list(Settings.model_fields)
    variables = [ENV_PREFIX + name.upper() for name in names]
    problems = []
    for variable in sorted(environ):
        upper = variable.upper()
        if upper.startswith(ENV_PREFIX) and upper != CONFIG_ENV and upper not in variables:
            problems.append(_unknown(variable, "in the environment", variables))
    for key in toml:
        if key not in names:
            problems.append(_unknown(key, f"in {toml_path}", names))
    return problems


def _unknown(name: str, where: str, known: list[str]) -> str:
    by_upper = {k.upper(): k for k in known}
    close = difflib.get_close_matches(name.upper(), list(by_upper), n=1, cutoff=0.75)
    message = f"{name} {where} is not a setting"
    if close:
        return f"{message} (did you mean {by_upper[close[0]]}?)"
    return f"{message} (the settings: docs/configuration.md)"


def index_directory(settings: Settings) -> Path:
    """The folder of the search indexes for these settings."""
    if settings.index_dir:
        return Path(settings.index_dir)
    url = settings.database_url
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).with_suffix(".index")
    return Path("paperwire.index")
