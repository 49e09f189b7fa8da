"""The ``poise`` command: a Typer root wiring each area's commands together.

Importing it loads Typer and the commands' signatures, nothing more: each command imports the
database, the settings, the HTTP client and the models when it runs, so ``poise --help`` and
every command's help answer at once (they took about a second, mostly SQLAlchemy, Alembic,
Pydantic and NumPy).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
import typer
from rich.markup import escape

from poise.auth.cli import tokens_app, users_app
from poise.cli import operations, root, workers
from poise.cli.context import console, error
from poise.cli.help import PoiseGroup
from poise.cli.jobs import jobs_app
from poise.cli.minilm import export_minilm_command
from poise.connectors.alerts.cli import alerts_app
from poise.connectors.cli import make_connect_command
from poise.connectors.helpdesks import HELPDESKS
from poise.conversations.cli import (
    make_import_command,
    make_integrations_app,
    make_signals_app,
    stats_command,
)
from poise.errors import PoiseError
from poise.faults import READ_ONLY, described, fault_message, named, new_error_id
from poise.insights.cli import insights_app
from poise.knowledge.cli import (
    eval_drafts,
    eval_kb,
    eval_kb_mining,
    kb_app,
    train_kb_encoder_command,
)
from poise.signals.cli import eval_app, train_app
from poise.training.cli import eval_reply_feedback, train_reply_feedback_command, training_app

if TYPE_CHECKING:
    from poise.hooks import Hooks
    from poise.settings import Settings


def record_only_hooks(settings: Settings) -> Hooks:
    """:func:`poise.background.record_only_hooks`, imported when a command scores, not when
    the commands are mounted (it loads the job pool and the database)."""
    from poise.background import record_only_hooks

    return record_only_hooks(settings)


app = typer.Typer(
    name="poise",
    cls=PoiseGroup,
    help="Poise helps customer-support teams deal with negativity.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve")(root.serve)
app.command("demo")(root.demo)
app.command("settings")(root.settings_command)
app.command("worker")(workers.worker)
app.command("scheduler")(workers.scheduler)
app.add_typer(jobs_app, name="jobs")
app.add_typer(root.db_app, name="db")
app.command("backup")(operations.backup_command)
app.command("restore")(operations.restore_command)
app.command("export")(operations.export_command)
app.command("import")(make_import_command(record_only_hooks))
app.command("stats")(stats_command)
app.command("connect")(make_connect_command(record_only_hooks))
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(make_integrations_app(HELPDESKS), name="integrations")
app.add_typer(make_signals_app(record_only_hooks), name="signals")
app.add_typer(train_app, name="train")
app.add_typer(eval_app, name="eval")
app.add_typer(kb_app, name="kb")
app.add_typer(training_app, name="training")
app.add_typer(insights_app, name="insights")
app.add_typer(alerts_app, name="alerts")
train_app.command("export-minilm")(export_minilm_command)
train_app.command("kb-encoder")(train_kb_encoder_command)
eval_app.command("kb")(eval_kb)
eval_app.command("kb-mining")(eval_kb_mining)
eval_app.command("drafts")(eval_drafts)
eval_app.command("reply-feedback")(eval_reply_feedback)
train_app.command("reply-feedback")(train_reply_feedback_command)


def main() -> None:
    """Console-script entry point: a fault is a clear message, not a traceback (exit code 3).

    A read-only file system or a full disk then fails only the commands that must write, each
    saying why. Poise's own refusals are said as written (exit code 2, as ``fail``'s); any other
    error is told by its kind, never its message (:func:`unexpected`).
    """
    try:
        app()
    except PoiseError as exc:  # written for the person who typed the command, as ``fail``'s
        error(str(exc))
        raise SystemExit(2) from None
    except Exception as exc:
        from sqlalchemy.exc import SQLAlchemyError  # only a command that failed pays for it

        reason = None
        if isinstance(exc, SQLAlchemyError | OSError):
            reason = (
                fault_message(exc)
                or _unreachable(exc)
                or _unopenable_sqlite()
                or _read_only_data_dir()
            )
        if reason is None:
            unexpected(exc, sys.argv[1:])
        else:
            error(reason)
        raise SystemExit(3) from None


def unexpected(exc: BaseException, args: list[str]) -> None:
    """What failed and what to do, the error by its kind and facts, then where it was raised.

    The error's own message stays out, as in a log (:mod:`poise.faults`): a database driver's
    words may quote a customer's values (a duplicate key, a row), and what a command prints
    lands in cron mails and job runners' logs. The error id ties the lines together for
    whoever maintains Poise; no log keeps more, so they are the whole report."""
    error_id = new_error_id()
    error(
        f"`{_command_name(args)}` failed on an error Poise did not expect (error {error_id}): "
        f"{named(exc)}. Run it again; if it fails the same way, send the error id and the "
        "lines below to whoever maintains Poise (they hold no customer data)."
    )
    console.print(escape(described(exc)), highlight=False, soft_wrap=True)


def _command_name(args: list[str]) -> str:
    """``poise users add``: the command's own names from the command line, never its values."""
    command = typer.main.get_command(app)
    names = ["poise"]
    for arg in args:
        sub = command.commands.get(arg) if isinstance(command, click.Group) else None
        if sub is None:
            break
        names.append(arg)
        command = sub
    return " ".join(names)


_SERVER = re.compile(  # psycopg: 'connection to server at "HOST", port N' or 'on socket "PATH"'
    r'connection to server (?:at "(?P<host>[^"]+)", port (?P<port>\d+)'
    r'|on socket "(?P<socket>[^"]+)")'
)


def _unreachable(exc: BaseException) -> str | None:
    """A database server that refuses the connection, or lacks the database, and what to do.

    psycopg's own words ("connection failed: connection to server at …") named the address
    but not the setting behind it, nor the next step."""
    from sqlalchemy.exc import OperationalError

    if not isinstance(exc, OperationalError):
        return None
    first = (str(exc.orig).splitlines() or [""])[0]
    server = _SERVER.search(first)
    if server is None:
        return None
    where = server["socket"] or f"{server['host']}:{server['port']}"
    reason = first.rsplit("failed: ", 1)[-1].removeprefix("FATAL:").strip()
    missing = re.fullmatch(r'database "(?P<name>[^"]+)" does not exist', reason)
    if missing:
        return (
            f"{reason} on {where}: create it (createdb {missing['name']}), then run "
            "`poise db upgrade`"
        )
    return (
        f"cannot connect to the database at {where} ({reason}): check that it is running "
        "and that POISE_DATABASE_URL names it"
    )


def _unopenable_sqlite() -> str | None:
    """Why the embedded database cannot be opened, where the system only said "unable to open
    database file" or "[Errno 17] File exists" (POISE_DATA_DIR naming a file)."""
    from sqlalchemy.engine import make_url

    from poise.settings import Settings

    try:
        url = make_url(Settings().resolved_database_url)
    except Exception:
        return None
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database.removeprefix("file:")).resolve()
    blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        return (
            f"{blocking} is a file, so it cannot hold the database: set POISE_DATA_DIR to a folder"
        )
    try:
        with path.open("r+b"):
            return None
    except PermissionError:
        return (
            f"no permission to read and write the database {path}: give the user running "
            "Poise access to it"
        )
    except OSError:
        return None


def _read_only_data_dir() -> str | None:
    """SQLite on a read-only disk says only "unable to open database file": say why."""
    from poise.settings import Settings
    from poise.web.health import disk_health

    try:
        return READ_ONLY if disk_health(Settings().data_dir) == "read-only" else None
    except Exception:
        return None
