"""``poise import``, ``poise signals``, ``poise stats`` and ``poise integrations``.

The face builds the commands that score (:func:`make_import_command`,
:func:`make_signals_app`) with the hooks a finished scoring tells: the praise the new scores
reveal is collected there, by an area this one does not import. It builds
``poise integrations`` (:func:`make_integrations_app`) with the connectors' sources, which a
new sender may not take, as it tells the web app.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from poise.cli.context import console, fail, load_settings, open_session, out, progress_bar
from poise.conversations.import_formats import FORMATS
from poise.files import inside_a_file, not_a_file, write_atomically
from poise.words import counted

if TYPE_CHECKING:  # each command imports the database's side itself: help is instant
    from sqlalchemy.orm import Session

    from poise.conversations.actions import ImportReport
    from poise.hooks import Hooks
    from poise.jobs import JobProgress
    from poise.settings import Settings


def make_import_command(hooks_for: Callable[[Settings], Hooks]) -> Callable[..., None]:
    """``poise import``, whose scoring job tells ``hooks_for(settings)`` it finished."""

    def import_command(
        file: Annotated[Path, typer.Argument(help="The file to import.")],
        format: Annotated[
            str | None,
            typer.Option(
                "--format",
                "-f",
                help=f"One of {', '.join(FORMATS)} (default: from FILE's ending, "
                ".csv is csv and .jsonl is jsonl).",
            ),
        ] = None,
        source: Annotated[
            str | None, typer.Option(help="Source system name (default: the format).")
        ] = None,
        skip_invalid: Annotated[
            bool,
            typer.Option(
                help="Import valid rows; write rejected ones to --rejected and keep them for "
                "the import's report, as an upload does (for POISE_REJECTED_ROWS_DAYS days)."
            ),
        ] = False,
        rejected: Annotated[
            Path | None,
            typer.Option(help="Where rejected rows are written too (default: FILE.rejected)."),
        ] = None,
        score: Annotated[
            bool,
            typer.Option(help="Score new customer messages now (else: `poise signals score`)."),
        ] = True,
        team: Annotated[
            str | None,
            typer.Option(
                metavar="NAME",
                help="The team the import belongs to, so its leads see it in the import history "
                "(any letter case; default: none, admins only).",
            ),
        ] = None,
    ) -> None:
        """Import conversations from a file: all or nothing, unless --skip-invalid."""
        from poise.conversations import actions
        from poise.conversations.importers import ImportLimits

        fmt = format_of(file, format)
        if problem := not_a_file(file):
            fail(problem)
        if rejected is not None and rejected.is_dir():  # found only after the import was stored
            fail(f"--rejected {rejected} is a folder: name a file for the rejected rows in it")
        if rejected is not None and (problem := inside_a_file(rejected)):
            fail(f"--rejected: {problem}")
        settings = load_settings()
        with open_session(settings) as session:
            team_id = _team_id(session, team)
        with file.open("rb") as data, open_session(settings) as session, progress_bar() as progress:
            phases = {
                "parse": progress.add_task("Reading", total=None),
                "write": progress.add_task("Writing", total=None, visible=False),
            }

            def report_progress(phase: str, done: int, total: int) -> None:
                progress.update(phases[phase], completed=done, total=total or None, visible=True)

            report = actions.import_file(
                session,
                actor=None,
                data=data,
                filename=file.name,
                fmt=fmt,
                source=source,
                skip_invalid=skip_invalid,
                progress=report_progress,
                limits=ImportLimits(max_message_chars=settings.max_message_chars),
                team_id=team_id,
            )
        actions.keep_rejected_rows(settings.data_dir, report)  # for the report's download link
        _print_report(report, file, rejected, keep_days=settings.rejected_rows_days)
        if report.status == "rejected":
            raise typer.Exit(1)
        if score:
            _score_import(settings, report, hooks_for(settings))

    return import_command


ENDINGS = {".csv": "csv", ".jsonl": "jsonl"}  # twcs is a .csv and Zendesk's JSON varies: named


def format_of(file: Path, given: str | None) -> str:
    """The format to read ``file`` as: ``--format`` when given, else the one its ending names,
    so ``poise import chats.csv`` needs no flag; a file whose ending names none is refused
    with the formats to choose from."""
    if given is not None:
        if given not in FORMATS:
            fail(f"--format must be one of {', '.join(FORMATS)}, not {given!r}")
        return given
    found = ENDINGS.get(file.suffix.lower())
    if found is None:
        endings = ", ".join(f"{end} is read as {name}" for end, name in ENDINGS.items())
        fail(
            f"cannot tell the format of {file.name} from its ending ({endings}): "
            f"add --format, one of {', '.join(FORMATS)}"
        )
    return found


def _team_id(session: Session, name: str | None) -> int | None:
    """The id of the team ``--team`` names, before anything is read: a mistyped name
    would otherwise file the import under no team, where its leads never see it."""
    from poise.auth.queries import list_teams, team_named

    if name is None:
        return None
    team = team_named(session, name)
    if team is not None:
        return team.id
    names = [t.name for t in list_teams(session)]
    known = f"the teams are {', '.join(names)}" if names else "there are no teams yet"
    fail(f"no team named {name!r}: {known}")


def _score_import(settings: Settings, report: ImportReport, hooks: Hooks) -> None:
    """Score the customer turns the import added as its job, as an upload does: the import
    page's Signals column shows the job, and turns other imports left waiting (a
    ``--no-score`` import) are left to ``poise signals score``. A file stored already runs
    no job unless its turns wait with no scoring job under way (a re-run after a crash:
    :func:`~poise.conversations.scoring.import_scoring_ids`)."""
    from sqlalchemy.orm import sessionmaker

    from poise.conversations.scoring import (
        import_scoring_ids,
        import_scoring_subject,
        scoring_work,
    )
    from poise.jobs import run_here
    from poise.jobs.kinds import SCORE

    with open_session(settings) as session:
        ids = import_scoring_ids(session, report.to_score, report.counts.conversation_ids)
    if not ids:
        console.print("Signals: no new message, so nothing needed scoring.")
        return
    with open_session(settings) as session, progress_bar() as progress:
        task = progress.add_task("Scoring", total=None)
        scoring = scoring_work(ids, hooks=hooks)

        def work(job_session: Session, job_progress: JobProgress) -> str:
            def advance(done: int, total: int, step: str = "") -> None:
                progress.update(task, completed=done, total=total)
                job_progress(done, total, step)

            return scoring(job_session, advance)

        maker = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
        subject = import_scoring_subject(report.run_id)
        status, detail = run_here(maker, SCORE, work, subject=subject)
    if status != "done":
        fail(f"scoring {status}: {detail}", code=1)
    console.print(f"Signals: {detail}.")


def _score(settings: Settings, hooks: Hooks, *, rescore: bool) -> None:
    from poise.conversations.scoring import score_messages, scored_and_after

    with open_session(settings) as session, progress_bar() as progress:
        task = progress.add_task("Scoring", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        counts = score_messages(session, rescore=rescore, progress=advance)
        said = scored_and_after(session, counts, hooks)
    console.print(f"Signals: {said}.")


def _sweep(settings: Settings, hooks: Hooks) -> None:
    """Sweep the unscored turns into one scoring job run here, recorded as the server's are
    (``poise jobs`` shows it, and a sweep elsewhere leaves its conversations alone)."""
    from datetime import timedelta

    from sqlalchemy.orm import sessionmaker

    from poise.conversations.scoring import live_scoring_work
    from poise.conversations.sweep import find_unscored, sweep_subject
    from poise.db.base import utcnow
    from poise.jobs import run_here
    from poise.jobs.kinds import SCORE

    grace = timedelta(minutes=settings.scoring_sweep_grace_minutes)
    with open_session(settings) as session:
        days = settings.scoring_sweep_days  # an operator's sweep: no retry waits (sweep.py)
        found = find_unscored(session, grace=grace, days=days, now=utcnow(), retries_wait=False)
        console.print(f"Sweep: {found}.")
        if not found.conversation_ids:
            return
        ids = found.conversation_ids
        maker = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
        work = live_scoring_work(ids, hooks=hooks)  # a webhook's own work, alerts included
        status, detail = run_here(maker, SCORE, work, subject=sweep_subject(ids))
    if status != "done":
        fail(f"scoring {status}: {detail}", code=1)
    console.print(f"Signals: {detail}.")


def make_signals_app(hooks_for: Callable[[Settings], Hooks]) -> typer.Typer:
    """``poise signals score|rescore|sweep``, whose scoring tells ``hooks_for(settings)`` it
    finished."""
    signals_app = typer.Typer(
        help="Score stored messages: negativity, emotion, and drift from what the customer "
        "came for.",
        no_args_is_help=True,
    )

    @signals_app.command("score")
    def score_pending() -> None:
        """Score customer messages that have no score yet (e.g. after `import --no-score`)."""
        settings = load_settings()
        _score(settings, hooks_for(settings), rescore=False)

    @signals_app.command("rescore")
    def rescore() -> None:
        """Re-score customer messages scored by another model version, and conversations whose
        drift another drift model measured (after a model change)."""
        settings = load_settings()
        _score(settings, hooks_for(settings), rescore=True)

    @signals_app.command("sweep")
    def sweep() -> None:
        """Score customer messages stored but left unscored (a server stopped before scoring
        them, a scoring job failed or was cancelled), as `poise serve` and the scheduler do
        every 10 minutes: those sent in the last POISE_SCORING_SWEEP_DAYS, stored more than
        POISE_SCORING_SWEEP_GRACE_MINUTES ago and in no scoring job under way. Unlike
        theirs, it also takes at once those whose scoring failed lately (theirs wait longer
        after each failure). Prints how many it found; running it again finds none."""
        settings = load_settings()
        _sweep(settings, hooks_for(settings))

    return signals_app


def _print_report(
    report: ImportReport, file: Path, rejected: Path | None, *, keep_days: int
) -> None:
    for error in report.errors[:50]:
        console.print(f"  {error}", highlight=False, markup=False)
    if len(report.errors) > 50:
        console.print(f"  … and {counted(len(report.errors) - 50, 'more problem')}")
    c = report.counts

    def n(number: int, noun: str) -> str:
        return counted(number, noun)

    if report.status == "rejected":
        console.print(
            f"[red]Nothing imported[/red]: {n(len(report.errors), 'problem')} in "
            f"{n(report.rows_total, 'row')}. Fix them, or use --skip-invalid."
        )
        return
    if report.rows_rejected and report.rows_rejected >= report.rows_total:
        console.print(f"[red]Nothing imported[/red] from {file.name}: every row was set aside.")
    else:
        console.print(
            f"Imported {file.name}: {n(c.conversations_created, 'new conversation')}, "
            f"{c.conversations_updated} updated, {n(c.messages_created, 'new message')}, "
            f"{n(c.ratings_created, 'rating')} from {n(report.rows_total, 'row')}."
        )
    if report.rejected_text:
        path = rejected or file.with_name(file.name + ".rejected")
        write_atomically(path, report.rejected_text.encode())
        console.print(f"{n(report.rows_rejected, 'rejected row')} written to {path}")
        console.print(
            f"The import's report offers them too, for {n(keep_days, 'day')}: "
            f"/import?run={report.run_id}"
        )


def stats_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Count teams, users, conversations, messages and ratings."""
    from poise.conversations import queries

    with open_session(load_settings()) as session:
        counts = queries.counts(session)
    if as_json:
        typer.echo(json.dumps(counts))
    else:
        for name, n in counts.items():
            out.print(f"{name:>14}: {n:,}", highlight=False)


def make_integrations_app(helpdesks: Collection[str]) -> typer.Typer:
    """``poise integrations add|rotate``. ``helpdesks`` are the sources the connectors store
    their conversations under, which a new sender may not take (the face passes them, as it
    does to the web app: this area does not import the connectors)."""
    integrations_app = typer.Typer(
        help="Systems that send messages to Poise's webhook, and the secrets they sign with.",
        no_args_is_help=True,
    )

    @integrations_app.command("add")
    def add_integration(name: Annotated[str, typer.Argument(help="e.g. zendesk-eu")]) -> None:
        """Register a webhook sender and print its signing secret."""
        from poise.conversations import actions

        with open_session(load_settings()) as session:
            integration = actions.create_integration(
                session, actor=None, name=name, helpdesks=helpdesks
            )
            out.print(f"{integration.name}\t{integration.secret}", highlight=False)

    integrations_app.command("rotate")(rotate_integration)
    return integrations_app


def rotate_integration(
    name: Annotated[str, typer.Argument(help="The integration's name, e.g. zendesk-eu.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Give a webhook sender a new signing secret and print it; the old one is refused at once."""
    from sqlalchemy import select

    from poise.conversations import actions
    from poise.conversations.models import Integration

    with open_session(load_settings()) as session:
        found = session.scalar(select(Integration).where(Integration.name == name.strip().lower()))
        if found is None:
            fail(f"no integration named {name!r} (Admin → Integrations lists them)")
        if not yes:
            typer.confirm(
                f"Replace {found.name}'s secret? Its sender is refused until it has the new one",
                abort=True,
            )
        made = actions.rotate_integration_secret(
            session, actor=None, integration_id=found.id, confirmed=True
        )
        out.print(f"{made.name}\t{made.secret}", highlight=False)
