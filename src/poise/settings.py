"""Poise settings: every setting declared once, with its default and help text.

Settings come from ``POISE_*`` environment variables. Nothing reads them at import time: the
app factory and the CLI build a :class:`Settings` and pass it down, so tests can make many
differently configured apps side by side.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "dev-only-change-me"  # noqa: S105 - the refused placeholder itself
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - names, not a bind
RetryWait = Annotated[float, Field(gt=0, le=3600)]  # seconds before one more try


class Settings(BaseSettings):
    """Poise's configuration (environment variables prefixed ``POISE_``)."""

    model_config = SettingsConfigDict(env_prefix="POISE_", extra="ignore")

    environment: Literal["development", "production", "test"] = Field(
        "development",
        description="`development`, `test` or `production`. Production refuses the placeholder "
        "secret key and marks session cookies Secure.",
    )
    data_dir: Path = Field(
        Path("poise-data"),
        description="Directory for the embedded SQLite database, uploads and rejected-row files.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the database, e.g. "
        "`postgresql+psycopg://user@host:5432/poise` (a plain `postgresql://` is read the same). "
        "Default: SQLite file `poise.db` in the data directory.",
    )
    secret_key: str = Field(
        PLACEHOLDER_SECRET,
        description="Signs session cookies and CSRF tokens. Set a long random value in "
        "production (`python -c 'import secrets; print(secrets.token_urlsafe(48))'`).",
    )
    host: str = Field(DEFAULT_HOST, description="Address `poise serve` listens on.")
    port: int = Field(DEFAULT_PORT, ge=1, le=65535, description="Port `poise serve` listens on.")
    page_size: int = Field(
        50, ge=5, le=500, description="Rows per page in lists (conversations, users)."
    )
    max_message_chars: int = Field(
        20_000,
        ge=100,
        description="Longest message body accepted by imports and webhooks, in characters.",
    )
    max_upload_bytes: int = Field(
        50 * 1024 * 1024,
        ge=1024,
        description="Largest import file accepted through the web upload or API, in bytes.",
    )
    db_pool_size: int = Field(
        20,
        ge=1,
        le=500,
        description="Database connections each server process keeps for requests. The web "
        "tier runs as many request threads, so a request never waits for a connection another "
        "request holds; background work gets 5 more.",
    )
    db_pool_timeout: float = Field(
        5.0,
        gt=0,
        le=120,
        description="Seconds a request waits for a free database connection before it is "
        "answered 503 (busy, retry) instead of hanging.",
    )
    request_queue_seconds: float = Field(
        30.0,
        gt=0,
        le=600,
        description="Seconds a request may wait for its turn when more requests arrive than "
        "there are connections (`POISE_DB_POOL_SIZE`); past it the answer is 503.",
    )
    rejected_rows_days: int = Field(
        30,
        ge=1,
        le=3650,
        description="Days the rows an import set aside are kept for download from its report "
        "(they hold customers' words). After that the report says they were removed, and "
        "`poise serve` (hourly) or the scheduler's `rejected-rows` entry deletes the file.",
    )
    session_max_age: int = Field(
        14 * 24 * 3600, ge=60, description="Seconds a login session lasts."
    )
    fcr_window_days: int = Field(
        7,
        ge=1,
        description="A repeat contact about the same issue within this many days means the first "
        "conversation was not resolved on first contact.",
    )

    base_url: str = Field(
        default_factory=lambda data: public_url(
            data.get("host", DEFAULT_HOST), data.get("port", DEFAULT_PORT)
        ),
        description="The address people open Poise at; links in e-mails, alerts, the wall's "
        "Atom feed and the helpdesk webhook addresses start with it, so set it to the public "
        "address (e.g. `https://poise.example.com`). Unset, every command links to "
        "`http://HOST:PORT` from `POISE_HOST` and `POISE_PORT` (`poise serve`: its `--host` "
        "and `--port`), with this machine's name for a host of `0.0.0.0` or `::`.",
    )
    smtp_url: str | None = Field(
        None,
        description="Where e-mail goes, e.g. `smtp+starttls://user:password@mail.example.com:587` "
        "(schemes `smtp`, `smtp+starttls`, `smtps`). Unset: Poise sends no e-mail and reminders "
        "stay in the app.",
    )
    mail_from: str = Field(
        "Poise <poise@localhost>", description="The From address of e-mail Poise sends."
    )
    reminder_hour: int = Field(
        7,
        ge=0,
        le=23,
        description="Hour of the day (UTC) at which `poise serve` e-mails each person what is due "
        "in training, when `POISE_SMTP_URL` is set.",
    )

    alert_timeout: float = Field(
        10.0,
        gt=0,
        le=120,
        description="Seconds an alert receiver (chat or webhook) gets to answer before the "
        "delivery counts as failed and is retried later.",
    )
    alerts_allow_private_hosts: bool = Field(
        False,
        description="Let alert rules post to internal addresses (loopback, private, link-local "
        "and other non-public ones), e.g. an on-premises chat server. Off: a rule's address must "
        "resolve to public addresses only, checked when it is saved and before every send, so "
        "whoever manages a team's rules cannot make Poise reach inside its network.",
    )

    broker_url: str | None = Field(
        None,
        description="Celery broker for background work, e.g. `redis://host:6379/0` or "
        "`amqp://user:password@host:5672//`. Set: bulk scoring is split into chunks that "
        "`poise worker` processes on any host share (install the `workers` extra for Celery). "
        "Unset: jobs run inside `poise serve`.",
    )
    broker_queue: str = Field(
        "poise",
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="Name of the broker queue Poise's tasks go through (one per deployment "
        "sharing a broker).",
    )
    broker_visibility_timeout: int = Field(
        300,
        ge=5,
        le=86_400,
        description="Seconds before Redis hands a task a worker took but never finished (the "
        "worker died) to another worker. Keep it well above a chunk's run time (seconds); "
        "RabbitMQ redelivers as soon as the dead worker's connection drops.",
    )
    job_chunk_size: int = Field(
        2000,
        ge=1,
        le=100_000,
        description="Messages per chunk of a split job: one task of a worker, done or redone "
        "as a whole.",
    )
    job_retry_seconds: list[RetryWait] = Field(
        [1, 2, 4, 8, 16],
        min_length=1,
        max_length=20,
        description="Seconds a worker (or `poise serve`'s own pool, without a broker) waits "
        "before each new try of a chunk, or of a whole job, whose database could not be reached "
        "or stayed busy (locked, a deadlock): a JSON list, one more try per wait. After the "
        "last the job fails, saying so (by default: 6 attempts "
        "over 31 seconds), as soon as the database answers. On Redis keep each wait well below "
        "`POISE_BROKER_VISIBILITY_TIMEOUT`: a task waiting longer is handed to a second worker.",
    )

    scoring_sweep_grace_minutes: int = Field(
        5,
        ge=1,
        le=1440,
        description="Minutes a stored customer message may wait for its score before the "
        "sweep of unscored messages (`poise signals sweep`, run every 10 minutes by `poise "
        "serve` or the scheduler) queues a scoring job for it: long enough that the sweep "
        "never races a webhook still scoring the message it just stored.",
    )
    scoring_sweep_days: int = Field(
        2,
        ge=1,
        le=365,
        description="How far back the sweep of unscored messages looks, in days (by when each "
        "was sent). Older unscored messages are history (an import with `--no-score`): the "
        "sweep leaves them to `poise signals score`, which alerts nobody about them.",
    )
    connector_sync_minutes: int = Field(
        15,
        ge=0,
        le=1440,
        description="Minutes between the scheduled syncs of every helpdesk connector (`poise "
        'connect`) inside `poise serve`; 0 turns the schedule off ("Sync now" still works).',
    )
    connector_backfill_days: int = Field(
        365,
        ge=1,
        le=36_500,
        description="How far back a connector's first sync (its backfill) reaches, in days.",
    )
    zendesk_subdomain: str | None = Field(
        None,
        description="Zendesk connector: the account's subdomain (`acme` for acme.zendesk.com).",
    )
    zendesk_email: str | None = Field(
        None, description="Zendesk connector: the e-mail of the agent whose API token is used."
    )
    zendesk_api_token: str | None = Field(None, description="Zendesk connector: the API token.")
    freshdesk_domain: str | None = Field(
        None,
        description="Freshdesk connector: the account's domain (`acme` for acme.freshdesk.com).",
    )
    freshdesk_api_key: str | None = Field(
        None, description="Freshdesk connector: an agent's API key."
    )
    helpscout_app_id: str | None = Field(
        None, description="Help Scout connector: the App ID of an OAuth app (My Apps)."
    )
    helpscout_app_secret: str | None = Field(
        None, description="Help Scout connector: that app's App Secret."
    )
    intercom_access_token: str | None = Field(
        None, description="Intercom connector: the access token of an Intercom app."
    )

    @model_validator(mode="after")
    def _check_smtp_url(self) -> Settings:
        """A typo in the mail address should stop start-up, not fail silently every morning."""
        if self.smtp_url is not None:
            from poise.mail import parse_smtp_url

            parse_smtp_url(self.smtp_url)
        return self

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, url: str | None) -> str | None:
        """A URL Poise cannot open should stop start-up with what to write instead.

        SQLAlchemy reads a plain ``postgresql://`` as psycopg2, which Poise does not install, so
        such a URL, or another database's, ended every command in a traceback. A plain one
        (as hosting platforms and ``psql`` write it) is read with Poise's driver instead."""
        if url:
            url = with_our_driver(url)
            check_database_url(url)
        return url

    @field_validator("broker_url")
    @classmethod
    def _check_broker_url(cls, url: str | None) -> str | None:
        """Celery reads a URL without a known scheme as the host of a RabbitMQ broker, so a typo
        started a worker that retried "amqp://guest@TYPO:5672" a hundred times."""
        if url and url.partition("://")[0].lower() not in BROKER_SCHEMES:
            raise ValueError(
                "start it with redis:// or amqp:// (e.g. redis://host:6379/0), "
                "or unset it to run jobs inside poise serve"
            )
        return url

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        """Outside development and tests, the placeholder secret would let anyone forge sessions."""
        if self.environment == "production" and self.secret_key == PLACEHOLDER_SECRET:
            raise ValueError("POISE_SECRET_KEY must be set to a long random value in production")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'poise.db').resolve()}"


def public_url(host: str, port: int) -> str:
    """The address of a server listening on ``host:port``, as links to it are written.

    A wildcard bind (``0.0.0.0``, ``::``) listens on every interface so that other machines
    reach it: linking to 127.0.0.1 there showed a helpdesk a webhook address it cannot reach,
    so the link names this machine (its fully qualified name) instead.
    """
    if host in WILDCARD_HOSTS:
        host = socket.getfqdn()
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


BROKER_SCHEMES = frozenset(  # Redis and RabbitMQ, as Celery (kombu) names them
    {"redis", "rediss", "redis+socket", "sentinel", "amqp", "amqps", "pyamqp"}
)
POSTGRES_EXAMPLE = "postgresql+psycopg://user@host:5432/poise"


PLAIN_POSTGRES = ("postgresql://", "postgres://")


def with_our_driver(url: str) -> str:
    """``postgresql://…`` or ``postgres://…`` (no driver named) as ``postgresql+psycopg://…``,
    the driver Poise ships; any other URL as it is."""
    for prefix in PLAIN_POSTGRES:
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def check_database_url(url: str) -> None:
    """Refuse a URL that is not SQLite or PostgreSQL through psycopg 3 (the driver Poise
    ships), saying how to write it; the URL itself is not repeated, as it may hold a
    password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(
            f"not a database URL; write e.g. {POSTGRES_EXAMPLE}, or unset it for SQLite"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        return
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(
            f"Poise runs on PostgreSQL or SQLite, not {parsed.get_backend_name()}; "
            f"write e.g. {POSTGRES_EXAMPLE}"
        )
    if parsed.get_driver_name() != "psycopg":
        raise ValueError(
            "start it with postgresql+psycopg:// (Poise's PostgreSQL driver is psycopg 3)"
        )


def settings_reference() -> str:
    """A Markdown table of every setting, for the README (a test checks it is current)."""
    rows = ["| variable | default | what it does |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        default = field.default
        if name == "base_url":
            shown = "http://POISE_HOST:POISE_PORT"
        elif default is None:
            shown = "(SQLite in data dir)" if name == "database_url" else "(unset)"
        else:
            shown = str(default)
        rows.append(f"| `POISE_{name.upper()}` | `{shown}` | {field.description} |")
    return "\n".join(rows)
