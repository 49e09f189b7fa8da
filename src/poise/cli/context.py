"""What every command needs: settings, a migrated database, and clean error reporting."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.spinner import Spinner

from poise.errors import PoiseError

if TYPE_CHECKING:  # the database and the settings are imported by the commands that use them:
    # `poise --help` and every command's help answer without loading SQLAlchemy or Pydantic
    from pydantic import ValidationError
    from sqlalchemy.orm import Session

    from poise.settings import Settings

console = Console(stderr=True)
out = Console()
# Where no terminal shows them (a file, a pipe, a log), lines are written whole: Rich cut them
# at 80 columns, mid-word, so a path in an error was split in two and `poise settings > .env`
# wrote a long value over two lines. A terminal still gets them wrapped at its width.
for _stream in (console, out):
    _stream.soft_wrap = not _stream.is_terminal


class _Bar(Progress):
    """Rich's Progress, less the empty line it prints on stopping where no terminal shows the
    bar: the output of every long command in a cron mail, a log or a pipe had one."""

    def stop(self) -> None:
        self.live.stop()


def progress_bar() -> Progress:
    """The one progress bar every long command shows (on stderr, gone when done)."""
    return _Bar(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


class Starting:
    """What a slow start is doing: a spinner on a terminal (gone when done), one line per step
    where no terminal shows it (a log), so a start that takes seconds is seen to be working."""

    def __init__(self, text: str) -> None:
        self._live: Live | None = None
        if console.is_terminal:
            self._live = Live(
                Spinner("dots", text),
                console=console,
                transient=True,
                redirect_stdout=False,  # the server's own logging keeps the real streams
                redirect_stderr=False,
            )
            self._live.start()
        else:
            console.print(text)

    def update(self, text: str) -> None:
        """The next step."""
        if self._live is None:
            console.print(text)
        else:
            self._live.update(Spinner("dots", text))

    def stop(self) -> None:
        """Done: the spinner goes (again is harmless; any thread may call it)."""
        if self._live is not None:
            self._live.stop()


@contextmanager
def starting(text: str) -> Iterator[Starting]:
    """:class:`Starting` with ``text`` as its first step, stopped on leaving."""
    status = Starting(text)
    try:
        yield status
    finally:
        status.stop()


@contextmanager
def counting(description: str) -> Iterator[Callable[[int, int], None]]:
    """:func:`progress_bar` with one task: yields ``advance(done, total)`` to move it."""
    with progress_bar() as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total or None)


def load_settings() -> Settings:
    """Settings from the environment, or a clear message about which one is wrong."""
    from pydantic import ValidationError

    from poise.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        fail(f"invalid settings: {settings_problems(exc)}")


def settings_problems(exc: ValidationError) -> str:
    """Every refused setting by the variable a person sets, with why it was refused.

    Pydantic's own message ("Input should be a valid integer") named no setting, so the reader
    could not tell which of thirty variables to fix. The value itself is not repeated: it may
    be a secret (a key, a password inside a URL)."""
    problems = []
    for error in exc.errors():
        why = error["msg"].removeprefix("Value error, ")
        fields = [str(part) for part in error["loc"]]
        name = f"POISE_{fields[0].upper()}" if fields else ""
        problems.append(f"{name}: {why}" if name and name not in why else why)
    return "; ".join(problems)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` as an error and exit with ``code`` (never a traceback)."""
    error(message)
    raise typer.Exit(code)


def error(message: str) -> None:
    """Print ``message`` on stderr as every command's errors read: "Error: …".

    The message is plain text: a user's words or a path in it ("--team [ops]") and an extra's
    name ("pip install -e '.[train]'") were read as markup and vanished."""
    console.print(f"[red]Error:[/red] {escape(message)}", highlight=False)


@contextmanager
def open_session(settings: Settings) -> Iterator[Session]:
    """A session on a database at the current schema.

    The embedded SQLite database is migrated automatically; a server database must be
    migrated on purpose with ``poise db upgrade``, since other hosts may be using it.
    """
    from poise.db import make_engine, make_sessionmaker
    from poise.db.migrate import current_revision, head_revision, upgrade

    engine = make_engine(settings.resolved_database_url)
    try:
        if current_revision(engine) != head_revision():
            if engine.dialect.name == "sqlite":
                upgrade(engine)
            else:
                fail("the database schema is not current: run `poise db upgrade` first")
        with make_sessionmaker(engine)() as session:
            try:
                yield session
            except PoiseError as exc:
                session.rollback()
                fail(str(exc))
    finally:
        engine.dispose()
