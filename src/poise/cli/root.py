"""Commands that belong to no single area: serve, demo, settings, db."""

from __future__ import annotations

import errno
import os
import secrets
import socket
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit, urlunsplit

import typer

from poise import words
from poise.cli.context import (
    console,
    fail,
    load_settings,
    open_session,
    out,
    progress_bar,
    starting,
)

db_app = typer.Typer(help="Database schema: migrate and inspect.", no_args_is_help=True)

if TYPE_CHECKING:  # each command imports what it runs, so help answers at once
    from fastapi import FastAPI
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from poise.conversations.scoring import ScoreCounts
    from poise.morale.actions import CollectCounts
    from poise.settings import Settings

DEMO_ADMIN = "admin@poise.demo"
SECRET_ENDINGS = ("secret_key", "_token", "_secret", "_api_key")  # settings never printed


def serve(
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port (default: POISE_PORT or 8000).")
    ] = None,
    host: Annotated[str | None, typer.Option(help="Address (default: POISE_HOST).")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (web tier is stateless).")
    ] = 1,
) -> None:
    """Serve the web UI and API on an existing database."""
    settings = load_settings()
    _check_can_serve(settings, host or settings.host, port or settings.port)
    with starting("Checking the database…"), open_session(settings) as session:
        _say_how_to_make_the_first_admin(session)  # open_session migrates the embedded
        # database and refuses an old server schema
    _run_server(settings, host or settings.host, port or settings.port, workers)


def _say_how_to_make_the_first_admin(session: Session) -> None:
    """On a fresh database nobody can sign in and the sign-in page alone cannot fix it: say
    the command, so `poise serve` on an empty install is not a dead end."""
    from poise.auth.queries import FIRST_ADMIN_COMMAND, nobody_can_sign_in

    if nobody_can_sign_in(session):
        console.print(
            "No one can sign in yet: create the first admin (in another terminal, with the same"
            f" POISE_* settings) with [bold]{FIRST_ADMIN_COMMAND}[/bold]",
            markup=True,
            soft_wrap=True,
        )


def _check_can_serve(settings: Settings, host: str, port: int) -> None:
    """Refuse, before anything starts, what would stop the server: a broker without Celery,
    or an address that is taken (another Poise, often).

    Uvicorn found the address taken only after "Poise is at …" was printed, and ended with its
    own log line; ``poise demo`` found it after minutes of loading."""
    from poise.jobs.broker import NEEDS_CELERY, celery_installed

    if settings.broker_url and not celery_installed():
        fail(NEEDS_CELERY)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.create_server((host, port), family=family):  # SO_REUSEADDR, as uvicorn
            pass
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            fail(f"port {port} on {host} is in use (another Poise?): stop it, or pass --port N")
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        fail(f"cannot listen on {host}:{port}: {why} (check --host or POISE_HOST)")


def serving_settings(settings: Settings, host: str, port: int) -> Settings:
    """The settings a server on ``host:port`` runs with: without ``POISE_BASE_URL`` its links
    (webhook addresses on the connectors page, e-mails, alerts) start with its own address,
    not the default port's, which pointed helpdesks at a port nothing listened on (a wildcard
    bind links to this machine's name: see :func:`poise.settings.public_url`). An explicit
    ``POISE_BASE_URL`` (the public address, behind a proxy) always wins."""
    from poise.settings import public_url

    if "base_url" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"base_url": public_url(host, port)})


def base_url_hint(settings: Settings, host: str, port: int) -> str | None:
    """One line saying where links point and how to change it, when ``POISE_BASE_URL`` is
    unset: behind a proxy or a name of its own, the address ``poise serve`` guessed is not
    the one a helpdesk or an e-mail reader can open, and nothing else said so."""
    from poise.settings import public_url

    if "base_url" in settings.model_fields_set:
        return None
    return (
        f"Links (e-mails, alerts, helpdesk webhooks) start with {public_url(host, port)}; "
        "set POISE_BASE_URL to the public address if people reach Poise by another."
    )


def serve_banner(host: str, port: int) -> str:
    """The line ``poise serve`` prints once it answers: an address to open, never the
    wildcard it listens on ("http://0.0.0.0:8000" opens nothing from another machine)."""
    from poise.settings import WILDCARD_HOSTS, public_url

    everywhere = " on every address" if host in WILDCARD_HOSTS else ""
    return f"Poise is at [bold]{public_url(host, port)}[/bold]{everywhere} (Ctrl+C stops it)"


def _run_server(settings: Settings, host: str, port: int, workers: int) -> None:
    from poise.server import serve  # imports uvicorn: commands that do not serve start fast

    hint = base_url_hint(settings, host, port)
    settings = serving_settings(settings, host, port)
    banner = serve_banner(host, port)
    with starting("Loading the web app…") as status:

        def announce() -> None:  # once the server answers: the link works when it is shown
            status.stop()
            console.print(banner)
            if hint:
                console.print(hint, markup=False, soft_wrap=True)

        app: FastAPI | str = "poise.app:create_app"  # each worker builds its own app
        if workers > 1:  # and its settings, from the environment
            os.environ["POISE_BASE_URL"] = settings.base_url
        else:
            from poise.app import create_app

            app = create_app(settings)
        status.update("Starting the server…")
        serve(app, host=host, port=port, workers=workers, announce=announce)


def demo(
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the web UI after loading.")
    ] = True,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 7,
    conversations: Annotated[int, typer.Option(min=10, help="How many conversations.")] = 3000,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port to serve on.")] = None,
) -> None:
    """Load a generated demo organisation (once) and serve it; prints an admin login."""
    from poise.db.meta import DEMO_FLAG, get_fact

    settings = load_settings()
    if serve_after:
        _check_can_serve(settings, settings.host, port or settings.port)
    password = secrets.token_urlsafe(9)
    with open_session(settings) as session:
        if get_fact(session, DEMO_FLAG) == "1":
            console.print("Demo data is already loaded; giving the demo users a new password.")
        else:
            _refuse_real_data(session)
            _load_demo(
                session,
                seed=seed,
                conversations=conversations,
                window_days=settings.fcr_window_days,
            )
        _set_demo_passwords(session, password)
    console.print(
        f"Sign in as [bold]{DEMO_ADMIN}[/bold] with password [bold]{password}[/bold] "
        "(every demo user has this password)."
    )
    if serve_after:
        _run_server(settings, settings.host, port or settings.port, 1)
    else:
        where = serving_settings(settings, settings.host, port or settings.port).base_url
        console.print(f"Start it with [bold]poise serve[/bold], then open {where}.")


def _refuse_real_data(session: Session) -> None:
    from sqlalchemy import func, select

    from poise.conversations.models import Conversation

    if (session.scalar(select(func.count(Conversation.id))) or 0) > 0:
        fail(
            "this database already holds conversations that are not demo data; "
            "point POISE_DATA_DIR (or POISE_DATABASE_URL) elsewhere for the demo"
        )


def _load_demo(session: Session, *, seed: int, conversations: int, window_days: int) -> None:
    from poise.conversations.scoring import score_messages
    from poise.demo_loader import (
        load_demo,
        load_demo_manual,
        load_demo_reviews,
        load_demo_training,
        load_demo_wall,
    )
    from poise.insights.rollup import count_all
    from poise.morale.actions import collect_happy_items

    with progress_bar() as progress:
        task = progress.add_task("Loading demo data", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        counts = load_demo(
            session, seed=seed, conversations=conversations, now=datetime.now(UTC), progress=advance
        )
        progress.update(task, description="Scoring negativity", completed=0)
        scored = score_messages(session, progress=advance)
        happy = collect_happy_items(session)  # as an import does: praise needs the scores
        progress.update(task, description="Setting up training", completed=0, total=None)
        training = load_demo_training(session, now=datetime.now(UTC))
        wall = load_demo_wall(session)
        reviews = load_demo_reviews(session)
        progress.update(task, description="Writing the team's manual", completed=0, total=None)
        articles = load_demo_manual(session)
        progress.update(task, description="Counting insights", completed=0, total=None)
        counted = count_all(session, window_days=window_days, progress=advance)
    console.print(
        demo_summary(
            counts,
            scored=scored,
            happy=happy,
            training=training,
            wall=wall,
            articles=articles,
            counted=counted,
            reviews=reviews,
        )
    )


def demo_summary(
    counts: dict[str, int],
    *,
    scored: ScoreCounts,
    happy: CollectCounts,
    training: dict[str, int],
    wall: int,
    articles: int,
    counted: int,
    reviews: int = 0,
) -> str:
    """The line ``poise demo`` ends its loading with, every count with thousands grouped:
    "3,000 conversations" stood beside "scored 10205 messages"."""
    return (
        f"Loaded demo data: {_listed(counts)}; signals: {scored}; "
        f"{happy}; training: {_listed(training)}; "
        f"wall: {words.counted(wall, 'card')}; "
        f"{words.counted(reviews, 'peer review')}; "
        f"manual: {words.counted(articles, 'article')}; "
        f"insights: {words.counted(counted, 'conversation')} counted."
    )


def _listed(counts: dict[str, int]) -> str:
    """``{"drill_questions": 5}`` as "5 drill questions": a person reads the demo's summary,
    which printed Python's dictionaries."""
    return ", ".join(
        words.counted(n, name.removesuffix("s").replace("_", " "), name.replace("_", " "))
        for name, n in counts.items()
    )


def _set_demo_passwords(session: Session, password: str) -> None:
    from sqlalchemy import select

    from poise.auth.models import User
    from poise.auth.passwords import hash_password

    hashed = hash_password(password)  # one hash for all: Argon2 is slow on purpose
    for user in session.scalars(select(User).where(User.email.like("%@poise.demo"))):
        user.password_hash = hashed
    session.commit()


def settings_command(
    markdown: Annotated[bool, typer.Option(help="Print the README's settings table.")] = False,
) -> None:
    """Show the settings in force (or, with --markdown, the reference table)."""
    from poise.settings import settings_reference

    if markdown:
        typer.echo(settings_reference())
        return
    settings = load_settings()
    for name, value in settings.model_dump().items():
        line = f"POISE_{name.upper()}="
        if value is None:  # "=None" read back as an environment file would be the text None
            line = f"# POISE_{name.upper()} is not set"
        else:
            line += "********" if value and name.endswith(SECRET_ENDINGS) else _shown(value)
        out.print(line, markup=False, highlight=False)
    database = _shown(settings.resolved_database_url)
    out.print(f"# database: {database}", markup=False, highlight=False)


def _shown(value: object) -> str:
    """``value`` as text, with the password of a URL (database, broker, SMTP) masked.

    The database's password was printed in full, twice, by a command people paste into
    support tickets."""
    text = str(value)
    parts = urlsplit(text) if "://" in text else None
    if parts is None or parts.password is None:
        return text
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:********@{host}"))


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the database (SQLite or PostgreSQL) up to the newest schema."""
    from alembic.util import CommandError

    from poise.db import make_engine
    from poise.db.migrate import behind, current_revision, head_revision, upgrade

    settings = load_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        before = current_revision(engine)
        if behind(before, revision):  # it said only "at revision 0028", as if it had gone back
            fail(
                f"the database is at revision {before}, past {revision}: `poise db upgrade` only "
                "moves forward, and nothing was changed. To go back to an older Poise, restore "
                "the backup taken before the upgrade with that Poise installed "
                '(docs/operations.md, "Going back to an older Poise")'
            )
        try:
            upgrade(engine, revision)
        except CommandError:  # alembic's words name its internals; it refused before any change
            fail(
                f"no schema revision {revision!r}: give one of the numbered migrations, or "
                f"leave it out for the newest ({head_revision()}); nothing was changed"
            )
        console.print(f"Database at revision {current_revision(engine)} (was {before or 'empty'}).")
        if revision == "head":
            _hint_reembed(engine)
    finally:
        engine.dispose()


def _hint_reembed(engine: Engine) -> None:
    """After an upgrade that ships a new manual encoder, say how to bring its vectors along."""
    from poise.db import make_sessionmaker
    from poise.knowledge.vectors import ENCODER_VERSION, stored_current

    with make_sessionmaker(engine)() as session:
        if not stored_current(session):
            console.print(
                f"The manual's stored vectors come from an older encoder: run `poise kb "
                f"reembed` to move them to {ENCODER_VERSION} (search embeds them in memory "
                "until then, slower on the first search after each change to the manual)."
            )


@db_app.command("current")
def db_current() -> None:
    """Print the database's schema revision and the newest one this code knows."""
    from poise.db import make_engine
    from poise.db.migrate import current_revision, head_revision

    settings = load_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        out.print(f"current: {current_revision(engine) or 'empty'}  head: {head_revision()}")
    finally:
        engine.dispose()
