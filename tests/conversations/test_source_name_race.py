"""A lead's import and a new webhook integration of one source name, at the same moment.

Each checked the name before it wrote: the import that no sender stores under it, the
integration that no conversation is stored under it. Run at once, both checks passed (neither
saw what the other had not committed yet) and both were stored: the sender's deliveries then
landed among the lead's rows, which is what each check is there to refuse. Now whichever
claims the name second waits for the first to end and is refused, on SQLite and PostgreSQL.

Each test stops one side, by its own seams, after its check and write and before its commit
(an import's progress callback, a session's flush event), and runs the other meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from builders import make_user
from poise.auth.models import User
from poise.conversations.actions import ImportReport, create_integration, import_file
from poise.conversations.models import Conversation, Integration
from poise.db import make_sessionmaker
from poise.errors import InvalidInput

ROWS = (
    b"conversation_id,channel,author_role,body,sent_at\nE-1,chat,customer,Hi,2026-11-20T10:00:00Z\n"
)
SOURCE = "helpdesk-eu"
WAIT = 30  # seconds; a side that waits longer is stuck, and the test says so


def _import(
    engine: Engine, actor_id: int | None, progress: Callable[[str, int, int], None] | None = None
) -> ImportReport:
    """A file of one conversation imported under :data:`SOURCE` by user ``actor_id`` (a
    lead), or by the command line (None), in a session of its own."""
    with make_sessionmaker(engine)() as session:
        return import_file(
            session,
            actor=session.get_one(User, actor_id) if actor_id else None,
            data=ROWS,
            filename="mine.csv",
            fmt="csv",
            source=SOURCE,
            progress=progress,
        )


def _stored(session: Session) -> tuple[list[str], list[str]]:
    session.expire_all()
    names = list(session.scalars(select(Integration.name)))
    sources = list(session.scalars(select(Conversation.source)))
    return names, sources


def _outcome(done: Future[Any]) -> str:
    try:
        done.result(timeout=WAIT)
    except InvalidInput as exc:
        return f"refused: {exc}"
    return "stored"


def test_an_integration_created_while_an_import_of_its_name_writes_is_refused(
    engine: Engine, session: Session
) -> None:
    """The import has checked and written, not committed; the admin adds the integration."""
    lead_id = make_user(session, role="lead", team="Billing").id
    written, go_on = threading.Event(), threading.Event()

    def pause_while_writing(phase: str, done: int, total: int) -> None:
        if phase == "write" and done == total and not written.is_set():
            written.set()
            assert go_on.wait(WAIT), "the test never let the import go on"

    def add_integration() -> Integration:
        with make_sessionmaker(engine)() as admin_session:
            return create_integration(admin_session, actor=None, name=SOURCE)

    with ThreadPoolExecutor(2) as pool:
        imported = pool.submit(_import, engine, lead_id, pause_while_writing)
        assert written.wait(WAIT), imported.exception(timeout=0) if imported.done() else "stuck"
        added = pool.submit(add_integration)
        wait([added], timeout=1)  # it waits for the import's end (before, it did not)
        go_on.set()
        assert _outcome(imported) == "stored"
        said = _outcome(added)
    assert said.startswith("refused: conversations are stored under helpdesk-eu"), said
    assert _stored(session) == ([], [SOURCE])


def test_an_import_under_the_name_of_an_integration_being_created_is_refused(
    engine: Engine, session: Session
) -> None:
    """The other way round: the integration is checked and flushed, not committed, when a
    lead's import of its name checks and writes."""
    lead_id = make_user(session, role="lead", team="Billing").id
    flushed, go_on = threading.Event(), threading.Event()

    def add_integration() -> Integration:
        with make_sessionmaker(engine)() as admin_session:

            @event.listens_for(admin_session, "after_flush")
            def pause_after_flush(flushing: Session, _context: object) -> None:
                if any(isinstance(row, Integration) for row in flushing.new):
                    flushed.set()
                    assert go_on.wait(WAIT), "the test never let the integration go on"

            return create_integration(admin_session, actor=None, name=SOURCE)

    with ThreadPoolExecutor(2) as pool:
        added = pool.submit(add_integration)
        assert flushed.wait(WAIT), added.exception(timeout=0) if added.done() else "stuck"
        imported = pool.submit(_import, engine, lead_id)
        wait([imported], timeout=1)  # it waits for the integration's end (before, it did not)
        go_on.set()
        assert _outcome(added) == "stored"
        said = _outcome(imported)
    assert said.startswith("refused: 'helpdesk-eu' is the source the webhook integration"), said
    assert _stored(session) == ([SOURCE], [])


@pytest.mark.parametrize("first", ["import", "integration"])
def test_one_after_the_other_the_second_is_refused_and_lets_the_name_go(
    engine: Engine, session: Session, first: str
) -> None:
    """Run one after the other, the second is refused at once by what the first stored, and
    its refusal holds the name no longer: the command line's import under it (which may
    backfill a sender's source) goes on at once."""
    lead_id = make_user(session, role="lead", team="Billing").id
    if first == "import":
        _import(engine, lead_id)
        with pytest.raises(InvalidInput, match="conversations are stored under helpdesk-eu"):
            create_integration(session, actor=None, name=SOURCE)
    else:
        create_integration(session, actor=None, name=SOURCE)
        with pytest.raises(InvalidInput, match="is the source the webhook integration"):
            _import(engine, lead_id)
    pool = ThreadPoolExecutor(1)  # not waited for on leaving: a claim left held blocks it
    try:
        backfill = pool.submit(_import, engine, None)
        assert backfill.result(timeout=WAIT).status == "imported"
    finally:
        pool.shutdown(wait=False)
