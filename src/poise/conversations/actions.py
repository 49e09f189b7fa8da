"""Every change to conversations: file imports, webhook intake, integrations.

Web upload, API and CLI call the same :func:`import_file`; the webhook and the demo store
through the same writer, so all ways in validate and de-duplicate alike.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import chain, count
from pathlib import Path
from typing import Any, BinaryIO, Literal, TypeVar

from pydantic import ValidationError
from sqlalchemy import Select, case, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from poise.auth.actions import normal_email
from poise.auth.models import User
from poise.auth.permissions import require_admin, require_lead
from poise.conversations import rejected
from poise.conversations.changes import queue_for_rollup
from poise.conversations.importers import FORMATS, ImportLimits, ImportPlan, read_import
from poise.conversations.importers.common import show
from poise.conversations.models import Conversation, ImportRun, Integration, WebhookDelivery
from poise.conversations.records import (
    ConversationRecord,
    CustomerRecord,
    MessageRecord,
    ParseResult,
    RowError,
)
from poise.conversations.schemas import WebhookPayload, WebhookReceipt
from poise.conversations.visibility import readable_assignees, visible_conversations
from poise.conversations.writer import (
    WriteCounts,
    refresh_planner_statistics,
    write_conversations,
)
from poise.db.base import utcnow
from poise.db.locks import hold_name
from poise.errors import InvalidInput, NotFound, PermissionDenied
from poise.files import write_atomically
from poise.textcontrols import TEXT_CONTROLS
from poise.visible import invisible_char

ImportProgress = Callable[[str, int, int], None]  # (phase "parse"|"write", done, total)
SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


@dataclass
class ImportReport:
    """The outcome of one import, for the CLI, the upload page and the API alike."""

    run_id: int
    status: str  # imported | partial | rejected
    rows_total: int
    errors: list[RowError]
    counts: WriteCounts = field(default_factory=WriteCounts)
    rejected_text: str | None = None  # the refused rows, to fix and import again

    @property
    def rows_rejected(self) -> int:
        return len({e.line for e in self.errors if e.line})

    @property
    def to_score(self) -> list[int]:
        """The conversations the import's scoring job scores: those it added a turn to.

        A file imported again while its first import's job was still queued started a second
        job for the same waiting turns; a file adding to conversations stored already scored
        their older waiting turns too. Turns nothing new came with are their own import's job's,
        or ``poise signals score``'s (a ``--no-score`` import), or the sweep's (a job that
        failed or never started)."""
        return self.counts.new_turn_ids if self.counts.messages_created else []


MAX_PURPOSE_CHARS = 300


def _check_source(source: str, typed: str | None = None) -> str:
    """``source`` when it may name where conversations are stored, else a refusal beside it
    quoting ``typed``, what the person entered before it was lower-cased ("Bad Name" was
    refused as 'bad name', a name they never wrote). A character nobody sees (a direction
    override, a zero-width space) is named as such: quoted, it looked like nothing at all."""
    shown = source if typed is None else typed
    if (hidden := invisible_char(shown)) is not None:
        raise InvalidInput(
            f"the name holds an invisible character (U+{ord(hidden):04X}): type it again "
            "rather than pasting it",
            field="source",
        )
    if not SOURCE_RE.match(source):
        rule = "1-64 lowercase letters, digits, '.', '_' or '-', such as zendesk-eu"
        said = f"{show(shown)} is not a source name" if source else "a source name is needed"
        if len(source) > 64:  # quoted whole, a pasted paragraph widened the page past any screen
            said = f"a source name is at most 64 characters (this one has {len(source):,})"
        raise InvalidInput(f"{said}: {rule}", field="source")
    return source


def source_sender(session: Session, source: str, helpdesks: Collection[str]) -> str | None:
    """Who, besides imports, stores conversations under ``source``, in words: the helpdesk
    connector of that name (one of ``helpdesks``, set up or not yet) or Poise's webhook
    integration of that name; ``None`` when nobody does."""
    if source in helpdesks:
        return f"the {source} helpdesk connector"
    if session.scalar(select(Integration.id).where(Integration.name == source)) is not None:
        return f"the webhook integration {source}"
    return None


def own_source(
    session: Session,
    name: str,
    helpdesks: Collection[str],
    taken: Callable[[str], bool] = lambda _: False,
) -> str:
    """``name``, or where a sender stores under it (or ``taken`` says it is not free),
    ``name-export`` (then ``name-export-2``…): a source for a person's import of its own."""
    candidate, n = name, 1
    while source_sender(session, candidate, helpdesks) is not None or taken(candidate):
        suffix = "-export" if n == 1 else f"-export-{n}"
        candidate, n = name[: 64 - len(suffix)] + suffix, n + 1
    return candidate


def another_teams_source(session: Session, source: str, actor: User) -> bool:
    """True when an import of a team other than ``actor``'s stored conversations under
    ``source`` (for ``actor`` in no team: any team's import).

    Customers are known by source and id, as conversations are: Billing's file under the
    source of Care's made Care's customer ``c42`` Billing's too (Billing's lead read Care's
    customer's name, and Billing's contact counted as Care's customer coming back, against
    Care's first contact resolution), and a conversation id both teams used became one
    conversation. An import records its team (:class:`ImportRun`), so a few rows tell.
    """
    return bool(_teams_under(session, source) - {actor.team_id})


def _teams_under(session: Session, source: str) -> set[int]:
    """The teams whose imports stored conversations under ``source``."""
    teams = (
        select(ImportRun.team_id)
        .distinct()
        .where(
            ImportRun.source == source,
            ImportRun.status != "rejected",
            ImportRun.team_id.is_not(None),
        )
    )
    return {team for team in session.scalars(teams) if team is not None}


def team_source(fmt: str, actor: User) -> str:
    """The name of ``actor``'s team's own source for a file of format ``fmt``:
    ``csv-team-3`` (the team's id: a team renamed keeps its source, so its files imported
    again store nothing twice); ``csv-lead-12`` for a lead in no team."""
    owner = f"team-{actor.team_id}" if actor.team_id is not None else f"lead-{actor.id}"
    return f"{fmt}-{owner}"


IMPORT_DEFAULT = re.compile(rf"({'|'.join(FORMATS)})(-(team|lead)-[0-9]+)?")


def is_import_default(name: str) -> bool:
    """Whether ``name`` is a source :func:`default_source` gives: a format's name (an
    admin's or the command line's file) or a team's or lead's own (:func:`team_source`). A
    webhook sender may not take one (:func:`create_integration`)."""
    return IMPORT_DEFAULT.fullmatch(name) is not None


def default_source(
    session: Session, fmt: str, actor: User | None, helpdesks: Collection[str]
) -> str:
    """The source an import with none given stores under: the format's name for an admin's
    or the command line's; for a lead's, their team's own (:func:`team_source`), or where a
    sender stores under that name or another team's import did
    (:func:`another_teams_source`), the next name :func:`own_source` finds free.

    Every lead's file went under the format's name, so two teams' customers and
    conversations of one id were one (see :func:`another_teams_source`). A team that
    imported under that name, alone, keeps it (:func:`_team_kept`).

    An admin's file goes past a webhook integration named after the format (``csv``, added
    before such names were refused) to ``csv-export``: it went among the sender's
    deliveries. A helpdesk connector's source is not passed over (``zendesk``): an admin's
    Zendesk export went there before, to backfill what the connector goes on with."""
    if actor is None or actor.is_admin:
        return own_source(session, fmt, ())
    earlier = own_source(session, fmt, helpdesks)
    if _team_kept(session, earlier, actor):
        return earlier
    return own_source(
        session,
        team_source(fmt, actor),
        helpdesks,
        lambda name: another_teams_source(session, name, actor),
    )


def _team_kept(session: Session, source: str, actor: User) -> bool:
    """Whether ``actor``'s team stored imports under ``source`` (the default every lead's
    file went under before teams had sources of their own) and no other team did: the team
    keeps it, so its files imported again after the upgrade store nothing twice."""
    return actor.team_id is not None and _teams_under(session, source) == {actor.team_id}


def _import_source(
    session: Session,
    fmt: str,
    source: str | None,
    actor: User | None,
    helpdesks: Collection[str],
) -> str:
    """The source the import stores under: the one given, else :func:`default_source`.

    A lead imported a file under ``helpdesk``, the source of a webhook integration, naming
    the ids the helpdesk was about to send: its delivery then found them stored already and
    changed nothing, so a conversation it assigned to Care stayed in the lead's team with
    the lead's text. A person's import under a sender's source (:func:`source_sender`), or
    under one another team's import stored conversations under
    (:func:`another_teams_source`), is refused beside the source; admins and the command
    line (``actor`` None) may use either. Either refusal suggests the lead's team's own
    source for the format, the one the form's placeholder names: ``zendesk-export`` was tied
    to no team, so another team's lead was pointed at the same name.
    """
    if not source:
        return default_source(session, fmt, actor, helpdesks)
    source = _check_source(source)
    if actor is None or actor.is_admin:
        return source
    sender = source_sender(session, source, helpdesks)
    if sender is not None:
        raise InvalidInput(
            f"{show(source)} is the source {sender} stores its conversations under: a file "
            "imported under it would store their ids before the sender does, and its own "
            "deliveries would then change nothing (a conversation it assigns to another team "
            "would stay as your file has it). Import under your team's own source, such as "
            f"{default_source(session, fmt, actor, helpdesks)}, or ask an admin",
            field="source",
        )
    if another_teams_source(session, source, actor):
        raise InvalidInput(
            f"{show(source)} holds another team's imported conversations: a file under it "
            "would share their customers (a customer's repeat contacts, and so first contact "
            "resolution, would count both teams' conversations) and could name their "
            "conversations. Import under your team's own source, such as "
            f"{default_source(session, fmt, actor, helpdesks)}, or ask an admin",
            field="source",
        )
    return source


def _rejected_text(parsed: ParseResult) -> str | None:
    if not parsed.rejected_lines:
        return None
    lines = [parsed.rejected_lines[k] for k in sorted(parsed.rejected_lines)]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _record_run(
    session: Session,
    *,
    actor: User | None,
    filename: str,
    fmt: str,
    source: str,
    sha256: str,
    status: str,
    parsed: ParseResult,
    counts: WriteCounts,
    team_id: int | None,
) -> ImportRun:
    run = ImportRun(
        filename=filename[:255],
        format=fmt,
        source=source,
        sha256=sha256,
        status=status,
        rows_total=parsed.rows_total,
        rows_rejected=parsed.rows_rejected,
        conversations_created=counts.conversations_created,
        messages_created=counts.messages_created,
        ratings_created=counts.ratings_created,
        errors=[
            {"line": e.line, "field": e.field, "reason": e.reason} for e in parsed.errors[:1000]
        ],
        created_by_id=actor.id if actor else None,
        team_id=actor.team_id if actor else team_id,
    )
    session.add(run)
    return run


def import_file(
    session: Session,
    *,
    actor: User | None,
    data: bytes | BinaryIO,
    filename: str,
    fmt: str,
    source: str | None = None,
    skip_invalid: bool = False,
    limits: ImportLimits | None = None,
    progress: ImportProgress | None = None,
    team_id: int | None = None,
    helpdesks: Collection[str] = (),
) -> ImportReport:
    """Parse and store a file in one transaction.

    With any refused row and no ``skip_invalid``, nothing is written and every refusal is
    reported; with ``skip_invalid`` the valid conversations are stored and the refused rows
    come back as ``rejected_text``. A file-level error (missing columns, an unreadable header
    or JSON document) always refuses the whole file; rows with bytes that are not UTF-8 are
    refused row by row. Either way the attempt is recorded as an :class:`ImportRun`.

    ``data`` may be a seekable binary stream (an open file, an upload): CSV and JSON Lines
    are then checked in a first pass and written in batches in a second, so memory stays
    bounded by a batch, not the file. Nothing is committed before the last batch. An import
    racing another writer of the same conversations (the same file uploaded twice at once)
    reads the file again once the other has stored them, and adds only what is missing.

    The run belongs to the uploader's team; one from the trusted command line (no ``actor``)
    to ``team_id``, so that team's leads read it (none: admins only). A person's import
    cannot be filed under another team, nor reach into one: a row naming someone outside the
    lead's team as assignee, rating agent or message author is refused beside that field
    (:func:`outsiders`), and a file updating a conversation the lead cannot open is refused
    whole (:func:`refuse_hidden`). Admins and the command line name and update anyone.

    Nor may a person's import take the source of a live sender, a webhook integration or one
    of the connectors' ``helpdesks`` (which the face passes: this area does not import the
    connectors), nor one another team's import stored under, see :func:`_import_source`;
    admins and the command line may, to backfill what the sender goes on with. With no
    source given, a person's import stores under their team's own (:func:`default_source`).
    The source is claimed (:func:`claim_source`) and checked again before the first row is
    written, so an integration of its name added meanwhile (or another team's import under
    it) either waits for this import and is refused, or refuses it.
    """
    require_lead(actor)
    if actor is not None and team_id is not None:
        raise InvalidInput("an import belongs to its uploader's team", field="team")
    if fmt not in FORMATS:
        raise InvalidInput(
            f"format must be one of {', '.join(FORMATS)}, not {show(fmt)}", field="format"
        )
    source = _import_source(session, fmt, source, actor, helpdesks)
    limits = replace(limits or ImportLimits(), outsiders=outsiders(session, actor))
    binary = io.BytesIO(data) if isinstance(data, bytes) else data
    start = binary.tell()

    def claim() -> None:
        # Held from here to the commit, and checked again: a sender of this name may have
        # been added since the first look (see claim_source).
        claim_source(session, source)
        try:
            _import_source(session, fmt, source, actor, helpdesks)
        except InvalidInput:
            session.rollback()
            raise

    def read_and_write() -> tuple[ImportPlan, str, WriteCounts]:
        # Another import (or a webhook) may store some of these keys after this one looked
        # them up (it answered 500): read again from the start, and store what is missing.
        binary.seek(start)
        return _read_and_write(
            session, binary, fmt, source, skip_invalid, limits, progress, actor, claim
        )

    plan, status, counts = retried_on_race(session, read_and_write)
    parsed = plan.result
    run = _record_run(
        session,
        actor=actor,
        filename=filename,
        fmt=fmt,
        source=source,
        sha256=plan.sha256,
        status=status,
        parsed=parsed,
        counts=counts,
        team_id=team_id,
    )
    session.commit()
    refresh_planner_statistics(session, counts)
    return ImportReport(
        run_id=run.id,
        status=status,
        rows_total=parsed.rows_total,
        errors=parsed.errors,
        counts=counts,
        rejected_text=_rejected_text(parsed) if status == "partial" else None,
    )


def outsiders(session: Session, actor: User | None) -> frozenset[str]:
    """The people ``actor``'s import may not name (lowercased e-mails): all but ``actor`` and
    their team, the people whose conversations ``actor`` opens (none for an admin or the
    command line).

    Billing's lead imported a conversation assigned to Care's agent: it went to a team the
    lead does not run (a new one, or one of Billing's taken from it). A rating credited to
    Care's agent would reach their Happy File and kudos round, a reply signed with their
    e-mail their AutoQA feedback: each of these is refused beside its field, row by row.
    """
    reach = None if actor is None else readable_assignees(actor)
    if reach is None:
        return frozenset()
    emails = session.scalars(select(User.email).where(User.id.not_in(reach)))
    return frozenset(normal_email(email) for email in emails)


def keep_rejected_rows(data_dir: Path, report: ImportReport) -> Path | None:
    """Keep the rows an import set aside where its report offers them
    (``/import/N/rejected``), whichever way the file came in; None when none were set aside.
    A command-line import wrote them only beside its file, so the lead reading its report
    was told that no rejected rows were kept. They are kept for ``POISE_REJECTED_ROWS_DAYS``
    (see :func:`remove_expired_rejected_rows`)."""
    if not report.rejected_text:
        return None
    path = rejected.rejected_rows_path(data_dir, report.run_id)
    write_atomically(path, report.rejected_text.encode())
    return path


def remove_expired_rejected_rows(
    session: Session, data_dir: Path, *, keep_days: int, now: datetime
) -> int:
    """Delete the set-aside rows kept past ``keep_days`` (and those of imports no longer
    recorded) from this data directory; how many files went.

    They are customers' words, kept only to be fixed and imported again. The reports and the
    download already treat them as removed from that moment on, whether or not this has run.
    """
    removed = 0
    for path in rejected.files_past_keeping(session, data_dir, keep_days=keep_days, now=now):
        try:
            path.unlink()
        except FileNotFoundError:  # another process of this host removed it first
            continue
        removed += 1
    return removed


WRITE_BATCH = 20_000  # messages handed to the writer at once


def _read_and_write(
    session: Session,
    binary: BinaryIO,
    fmt: str,
    source: str,
    skip_invalid: bool,
    limits: ImportLimits,
    progress: ImportProgress | None,
    actor: User | None,
    claim: Callable[[], None],
) -> tuple[ImportPlan, str, WriteCounts]:
    """Check the file and, unless refused, ``claim()`` its source and store it as ``actor``
    may; no commit. (plan, status, counts). The source is claimed once the file is read: on
    SQLite a claim holds every other writer off, and a file may take a while to read."""
    parse_progress = (lambda done, total: progress("parse", done, total)) if progress else None
    plan = read_import(binary, fmt, limits=limits, progress=parse_progress)
    parsed = plan.result
    if parsed.fatal or (parsed.errors and not skip_invalid):
        return plan, "rejected", WriteCounts()
    claim()
    write_progress = (lambda done, total: progress("write", done, total)) if progress else None
    counts = _write_in_batches(session, source, plan, write_progress, actor)
    return plan, "partial" if parsed.errors else "imported", counts


def _write_in_batches(
    session: Session,
    source: str,
    plan: ImportPlan,
    progress: Callable[[int, int], None] | None,
    actor: User | None = None,
) -> WriteCounts:
    """Store the plan's conversations a few thousand messages at a time, in one transaction.

    Each conversation is whole in one batch (the writer sees all its turns at once), so the
    stored result is the same as writing the whole file in one call. A conversation stored
    already that ``actor`` may not open refuses the import (:func:`refuse_hidden`).
    """
    total = WriteCounts()
    batch: list[ConversationRecord] = []
    pending = done = 0
    for record in plan.conversations():
        batch.append(record)
        pending += len(record.messages)
        if pending >= WRITE_BATCH:
            refuse_hidden(session, actor, source, batch)
            _add_counts(total, write_conversations(session, source, batch))
            done += pending
            batch, pending = [], 0
            if progress:
                progress(done, plan.messages)
    if batch:
        refuse_hidden(session, actor, source, batch)
        _add_counts(total, write_conversations(session, source, batch))
    if progress:
        progress(plan.messages, plan.messages)
    total.conversation_ids = sorted(set(total.conversation_ids))
    total.new_turn_ids = sorted(set(total.new_turn_ids))
    return total


HIDDEN_LOOKUP = 500  # helpdesk ids looked up at once (a database caps a query's parameters)


def refuse_hidden(
    session: Session, actor: User | None, source: str, records: list[ConversationRecord]
) -> None:
    """Refuse a person's import naming a stored conversation they may not open.

    An import updates the conversation stored under its source and helpdesk id: a lead of
    Billing who named Care's conversation (a guessable ticket number) assigned it to their own
    agent, and so read Care's whole thread, planted messages in it and renamed it. Admins and
    the command line (``actor`` None) are trusted with every conversation, as they read them.
    """
    if actor is None or actor.is_admin:
        return
    ids = sorted({record.external_id for record in records})
    hidden: list[str] = []
    for at in range(0, len(ids), HIDDEN_LOOKUP):
        hidden += session.scalars(
            select(Conversation.external_id)
            .where(Conversation.source == source)
            .where(Conversation.external_id.in_(ids[at : at + HIDDEN_LOOKUP]))
            .where(~visible_conversations(actor))
        )
    if hidden:
        one = len(hidden) == 1
        shown = ", ".join(sorted(hidden)[:5]) + (" …" if len(hidden) > 5 else "")
        raise InvalidInput(
            f"{source} conversation{'' if one else 's'} {shown} {'is' if one else 'are'} "
            f"stored already and not one you can open (another team's), so this file may not "
            f"change {'it' if one else 'them'}: nothing was imported. Leave "
            f"{'it' if one else 'them'} out of the file, import under another source name, "
            "or ask an admin",
            field="source",
        )


def _add_counts(total: WriteCounts, batch: WriteCounts) -> None:
    total.conversations_created += batch.conversations_created
    total.conversations_updated += batch.conversations_updated
    total.messages_created += batch.messages_created
    total.ratings_created += batch.ratings_created
    total.conversation_ids.extend(batch.conversation_ids)
    total.new_turn_ids.extend(batch.new_turn_ids)


SOURCE_NAMES = "conversation sources"  # the names claimed: sources and integrations' names


def claim_source(session: Session, name: str) -> None:
    """Hold ``name`` as a source until this transaction ends (see
    :func:`~poise.db.locks.hold_name`); what is checked after this sees what an earlier
    claim of it committed.

    A lead's import under ``helpdesk-eu`` checked that no sender stores under it while an
    admin's new integration ``helpdesk-eu`` checked that no conversation is: run at once, both
    checks passed (neither saw what the other had not committed) and both were stored, the
    sender's deliveries among the lead's rows. Each write that checks a name and then takes it
    (an import, a new integration, a connector's own) claims the name first and checks in the
    transaction that writes, so the second waits for the first to end and is refused.
    """
    hold_name(session, SOURCE_NAMES, name)


def create_integration(
    session: Session, *, actor: User | None, name: str, helpdesks: Collection[str] = ()
) -> Integration:
    """Register a webhook sender; its secret signs every body it sends.

    A sender stores under its name (the conversations' source), so a name that already holds
    conversations is refused beside the name (:func:`_taken_refusal`), as a person's import is
    refused a sender's source the other way round (:func:`_import_source`). So is the source
    a helpdesk connector stores under (one of ``helpdesks``, which the face passes), set up or
    not yet: an integration ``zendesk`` made before the Zendesk connector's first sync would
    deliver among the conversations it brings. And so is a source an import with none given
    stores under (:func:`is_import_default`): an integration ``csv`` received every admin's
    and ``poise import``'s CSV file among its deliveries. The name is claimed (:func:`claim_source`)
    before it is checked: an import of it running meanwhile is waited for, and a refusal lets
    it go at once.
    """
    require_admin(actor)
    try:
        name = _check_source(name.strip().lower(), name.strip())
    except InvalidInput as exc:
        raise InvalidInput(str(exc), field="name") from None
    if name in helpdesks:
        raise InvalidInput(
            f"{name} is where the {name} helpdesk connector stores its conversations: a webhook "
            "sender of that name would deliver among them. To bring that helpdesk's "
            f"conversations, connect it instead (Admin → Connectors, or poise connect {name}); "
            "for another sender, choose a name of its own, such as "
            f"{free_sender_name(session, f'{name}-live')}",
            field="name",
        )
    if is_import_default(name):
        raise InvalidInput(
            f"{name} is the source an import with no source given stores under (a file of "
            "that format an admin or poise import brings, or a team's own): a webhook sender "
            "of that name would deliver among the files' conversations. Choose a name of its "
            f"own, such as {free_sender_name(session, f'{name}-live')}",
            field="name",
        )
    claim_source(session, name)
    taken = sender_name_taken(session, name)
    if taken is not None:
        refusal = _taken_refusal(session, name, taken)
        session.rollback()  # lets the name go at once
        raise refusal
    integration = Integration(name=name, secret=secrets.token_urlsafe(32))
    session.add(integration)
    session.commit()
    return integration


def _holds_conversations(session: Session, source: str) -> bool:
    return (
        session.scalar(select(Conversation.id).where(Conversation.source == source).limit(1))
        is not None
    )


def sender_name_taken(session: Session, name: str) -> Literal["integration", "source"] | None:
    """What has ``name`` already, so a new sender (a webhook integration) may not:
    ``"integration"`` (one of that name), ``"source"`` (conversations stored under it), or
    None when it is free. The one check of a new sender's name, whoever adds it: an admin
    (:func:`create_integration`) or a connector (:func:`free_sender_name`). Claim the name
    first (:func:`claim_source`) when the answer decides a write.
    """
    if session.scalar(select(Integration.id).where(Integration.name == name)) is not None:
        return "integration"
    if _holds_conversations(session, name):
        return "source"
    return None


def free_sender_name(session: Session, name: str, *, suffix: str = "", claim: bool = False) -> str:
    """The first of ``name``, ``name-SUFFIX``, ``name-SUFFIX-2``… (without a suffix
    ``name``, ``name-2``…) that :func:`sender_name_taken` finds free, each at most 64
    characters. With ``claim`` each is claimed before it is checked, so the one returned stays
    free until this transaction ends; without, it is only a name to propose."""
    stem = f"-{suffix}" if suffix else ""
    candidates = chain([name], [f"{name[: 64 - len(stem)]}{stem}"] if stem else [])
    numbered = (f"{name[: 64 - len(f'{stem}-{n}')]}{stem}-{n}" for n in count(2))
    for candidate in chain(candidates, numbered):
        if claim:
            claim_source(session, candidate)
        if sender_name_taken(session, candidate) is None:
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover - count() never ends


def _taken_refusal(session: Session, name: str, taken: str) -> InvalidInput:
    """Why a new sender may not be called ``name``, beside the name.

    A lead imported a file under ``helpdesk-eu``, a name of their own, and an admin then added
    an integration ``helpdesk-eu``: its deliveries would land among the lead's rows, a
    conversation and its messages known by source and id, so a delivery the file named first
    found them stored already and changed nothing, and the sender's figures counted the
    file's. Whoever stored them (a person's import, the command line's, a connector, the
    demo), they are not the new sender's. Its history is backfilled the other way round: add
    the integration, then an admin or ``poise import`` imports under its name.
    """
    if taken == "integration":
        return InvalidInput(f"an integration named {name!r} already exists", field="name")
    return InvalidInput(
        f"conversations are stored under {name} already (imported, or brought by a "
        "connector): a webhook sender of that name would deliver among them, and a message "
        "they hold would change nothing. Choose a name of its own, such as "
        f"{free_sender_name(session, name, suffix='live')}; to bring a sender's history in, "
        "add it first, then import under its name",
        field="name",
    )


def rotate_integration_secret(
    session: Session, *, actor: User | None, integration_id: int, confirmed: bool
) -> Integration:
    """Give a webhook sender a new secret: the old one signs nothing from now (a secret that
    leaked, in a screenshot or a sender's config, was good for ever). Refused until
    ``confirmed``: the sender's deliveries are refused until it has the new one."""
    require_admin(actor)
    integration = session.get(Integration, integration_id)
    if integration is None:
        raise NotFound(f"no integration with id {integration_id}")
    if not confirmed:
        raise InvalidInput(
            f"tick “Yes, replace {integration.name}'s secret” to replace it: nothing changed",
            field="rotate",
        )
    integration.secret = secrets.token_urlsafe(32)
    session.commit()
    return integration


WEBHOOK_WINDOW = timedelta(minutes=5)  # a signed timestamp further from now is refused
REPLAY_CACHE_KEEP = timedelta(hours=1)  # longer than the window: a replay is refused either way


def signature_for(secret: str, body: bytes, timestamp: str) -> str:
    """The ``X-Poise-Signature`` a sender puts on ``body`` sent at ``timestamp`` (Unix seconds).

    ``sha256=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>``: signing the time with the
    body means a captured delivery cannot be sent again once the window has passed.
    """
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


SIGNATURE_SHAPE = re.compile(r"sha256=[0-9a-f]{64}")
"""Every ``X-Poise-Signature`` :func:`signature_for` makes."""


def unsigned_problem(signature: str | None) -> str | None:
    """Why ``X-Poise-Signature`` cannot be one a sender made, or ``None``.

    Judged before the body is read, so a request without a signature costs nothing; whether
    a well-formed one matches is checked after the body, by the HMAC.
    """
    given = (signature or "").strip()
    if not given:
        return "X-Poise-Signature is missing: nothing read"
    if not SIGNATURE_SHAPE.fullmatch(given):
        return "X-Poise-Signature must be sha256=<64 hex digits>: nothing read"
    return None


def _verified_integration(
    session: Session, integration_name: str, signature: str, timestamp: str, body: bytes
) -> Integration:
    integration = session.scalar(select(Integration).where(Integration.name == integration_name))
    # Compare even for an unknown name so timing does not reveal which integrations exist.
    secret = integration.secret if integration else "unknown-integration"
    expected = signature_for(secret, body, timestamp)
    if not hmac.compare_digest(expected, signature.strip()) or not integration:
        raise PermissionDenied("the webhook signature does not match")
    return integration


def _check_timestamp(timestamp: str, now: datetime) -> None:
    """Refuse a delivery signed more than :data:`WEBHOOK_WINDOW` away from ``now``."""
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise PermissionDenied("X-Poise-Timestamp must be the signing time in Unix seconds")
    _refuse_skew(abs(now.timestamp() - int(timestamp)))


def check_window(sent_at: datetime, now: datetime) -> None:
    """Refuse a delivery sent more than :data:`WEBHOOK_WINDOW` away from ``now`` (any sender)."""
    _refuse_skew(abs((now - sent_at).total_seconds()))


def _refuse_skew(skew: float) -> None:
    if skew > WEBHOOK_WINDOW.total_seconds():
        raise PermissionDenied(
            f"the webhook timestamp is {int(skew)} s away from now (at most "
            f"{int(WEBHOOK_WINDOW.total_seconds())} s): sign each delivery as it is sent"
        )


T = TypeVar("T")
RACE_TRIES = 3


def retried_on_race(session: Session, write: Callable[[], T]) -> T:
    """``write()``, run again after a rollback when it lost a race on a unique key; no commit.

    Two deliveries of turns of one new conversation arrive together: each finds no
    conversation and inserts it, and on PostgreSQL all but the first failed on the unique key
    (a 500, the turn lost unless the sender retried). Run again, the write finds what the
    winner stored. ``write`` must start from nothing: the rollback undid all it did.
    """
    for attempt in range(1, RACE_TRIES + 1):
        try:
            return write()
        except IntegrityError:
            session.rollback()
            if attempt == RACE_TRIES:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


class Replayed(PermissionDenied):
    """A delivery received before (a replay, or a sender sending it again): refused with 409,
    nothing stored. Every webhook (Poise's own and each helpdesk's native one) answers so.

    ``conversation_ids`` are the stored conversations the delivery names: the first delivery
    stored its turns there, and they may still wait for a score (a server that died after
    storing them, before scoring them, answered the sender nothing, so it sent them again).
    """

    def __init__(self, message: str, conversation_ids: Sequence[int] = ()) -> None:
        super().__init__(message)
        self.conversation_ids = list(conversation_ids)


def stored_conversation_ids(
    session: Session, source: str, external_ids: Sequence[str]
) -> list[int]:
    """The ids of the conversations stored under ``source`` with these ids at the source."""
    query = select(Conversation.id).where(
        Conversation.source == source, Conversation.external_id.in_(set(external_ids))
    )
    return sorted(session.scalars(query.order_by(Conversation.id)))


def first_delivery(
    session: Session, integration_id: int, conversation_key: str, message_key: str, now: datetime
) -> bool:
    """Enter a delivery in the replay cache; False when it was received before.

    The cache's unique key settles a race between two processes: the second insert fails.
    It is the transaction's first write, so rolling it back loses nothing else. Every
    webhook (Poise's own and each helpdesk's native one) goes through here.
    """
    session.add(
        WebhookDelivery(
            integration_id=integration_id,
            conversation_key=conversation_key[:128],
            message_key=message_key[:128],
            received_at=now,
        )
    )
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return False
    return True


def forget_old_deliveries(session: Session, now: datetime) -> None:
    """Empty the replay cache of what is past the window anyway; no commit."""
    session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.received_at < now - REPLAY_CACHE_KEEP)
    )


def _check_texts(payload: WebhookPayload) -> None:
    """Refuse control characters in any text of the delivery, naming the field.

    Refused, not stripped: the sender signed this text, so Poise stores it exactly or not at
    all, and the 400 says which field and character to fix. It runs before the replay cache,
    so nothing is written for a refused delivery. (Lone surrogates never get this far: the
    JSON parser refuses them.)
    """
    for section in ("conversation", "message"):
        _refuse_controls(section, getattr(payload, section).model_dump())


def _refuse_controls(where: str, fields: dict[str, Any]) -> None:
    """Every text of ``fields``, nested objects (the customer) and lists (tags) included."""
    for name, value in fields.items():
        if isinstance(value, dict):
            _refuse_controls(f"{where}.{name}", value)
            continue
        for text in value if isinstance(value, list) else [value]:
            found = TEXT_CONTROLS.search(text) if isinstance(text, str) else None
            if found is not None:
                code = ord(found.group())
                char = "a NUL character" if code == 0 else f"the control character U+{code:04X}"
                raise InvalidInput(
                    f"{where}.{name} contains {char} at character {found.start() + 1}: only "
                    "tab, newline and carriage return are allowed"
                )


def refuse_future_turn(sent_at: datetime | None, now: datetime, field: str) -> None:
    """Refuse a webhook's message dated later than the delivery could have been signed.

    A turn dated in the future would stay the conversation's newest for ever: every real
    turn after it would count as "older" and never change the conversation's status again,
    and the conversation would head every newest-first list. Within the signing window a
    sender's clock may run a little ahead, so that much is allowed. Every webhook (Poise's
    own and each helpdesk's native one) goes through here.
    """
    if sent_at is not None and sent_at > now + WEBHOOK_WINDOW:
        raise InvalidInput(
            f"{field} ({sent_at.isoformat()}) is in the future: send the time the message "
            "was written"
        )


def _record_from_payload(
    payload: WebhookPayload, max_chars: int, now: datetime
) -> ConversationRecord:
    conv, msg = payload.conversation, payload.message
    if len(msg.body) > max_chars:
        raise InvalidInput(f"message body is longer than {max_chars} characters")
    _check_texts(payload)
    refuse_future_turn(msg.sent_at, now, "message.sent_at")
    customer = conv.customer
    return ConversationRecord(
        external_id=conv.id,
        channel=conv.channel,
        subject=conv.subject,
        purpose=conv.purpose,
        product=conv.product,
        feature=conv.feature,
        tags=conv.tags,
        status=conv.status,
        assignee_email=conv.assignee_email,
        customer=CustomerRecord(customer.id, customer.name, customer.email) if customer else None,
        messages=[
            MessageRecord(
                external_id=msg.id,
                author_role=msg.author_role,
                body=msg.body,
                sent_at=msg.sent_at or now,
                author_name=msg.author,
                author_email=msg.author_email,
            )
        ],
    )


def receive_webhook_message(
    session: Session,
    *,
    integration_name: str,
    signature: str,
    timestamp: str,
    body: bytes,
    max_message_chars: int,
    now: datetime | None = None,
) -> WebhookReceipt:
    """Verify the signed timestamp and HMAC, then create or extend the conversation.

    A message id of this conversation received in the last :data:`REPLAY_CACHE_KEEP` raises
    :class:`Replayed` (the answer a helpdesk's native webhook gives a replay); one stored
    otherwise (by an import, or longer ago) changes nothing. A message older than the
    conversation's newest turn is stored but does not change its fields. A delivery that
    failed left no trace in the cache (it is written in the same transaction as the message),
    so the sender's retry of it is stored.
    """
    now = now or utcnow()
    integration = _verified_integration(session, integration_name, signature, timestamp, body)
    _check_timestamp(timestamp, now)
    try:
        payload = WebhookPayload.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidInput(_validation_summary(exc)) from exc
    record = _record_from_payload(payload, max_message_chars, now)
    message_key = record.messages[0].external_id
    integration_id, source = integration.id, integration.name

    def store() -> WriteCounts:
        if not first_delivery(session, integration_id, record.external_id, message_key, now):
            raise Replayed(
                f"message {show(message_key)} of conversation {show(record.external_id)} was "
                "received before: nothing stored",
                stored_conversation_ids(session, source, [record.external_id]),
            )
        return write_conversations(session, source, [record], newer_only=True)

    counts = retried_on_race(session, store)
    integration.last_used_at = now
    forget_old_deliveries(session, now)
    receipt = _receipt(session, integration.name, record.external_id, counts)
    session.commit()
    return receipt


def _receipt(
    session: Session, source: str, external_id: str, counts: WriteCounts
) -> WebhookReceipt:
    conv_id = session.scalar(
        select(Conversation.id)
        .where(Conversation.source == source)
        .where(Conversation.external_id == external_id)
    )
    if conv_id is None:  # pragma: no cover - stored by this delivery or the one it repeats
        raise NotFound("conversation vanished while storing the message")
    return WebhookReceipt(
        conversation_id=conv_id,
        conversation_created=counts.conversations_created == 1,
        message_created=counts.messages_created == 1,
    )


def _validation_summary(exc: ValidationError) -> str:
    parts = [
        f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()
    ]
    return "invalid webhook body: " + "; ".join(parts[:10])


def set_purpose(session: Session, *, actor: User, conversation: Conversation, purpose: str) -> None:
    """The agent states what the customer came for; drift is measured against it from now on.

    An empty purpose goes back to the one stated from the customer's words.
    """
    from poise.conversations.scoring import refresh_conversation_signals

    text = " ".join(purpose.split())
    if len(text) > MAX_PURPOSE_CHARS:
        raise InvalidInput(
            f"the purpose is {len(text):,} characters; at most {MAX_PURPOSE_CHARS:,}",
            field="purpose",
        )
    if any(ord(ch) < 32 for ch in text):
        raise InvalidInput("the purpose contains control characters")
    conversation.purpose = text
    session.commit()
    refresh_conversation_signals(session, [conversation.id])


EARLY_WARNING_LEVELS = ("negative", "very_negative")


def _opening_scores(session: Session, members: Select[tuple[int]]) -> dict[int, list[float | None]]:
    """The stored scores of each team conversation's first customer turns, as scoring reads
    them (a turn that threatens to leave at the "negative" level: ``opening_feeling``). The
    trend is rounded to three places: an opening of 0.8243 raised early warning
    when scored (the level's bar is 0.82423…) and lost it, as 0.824, each time an admin
    saved the team's level, even unchanged; the next refresh raised it again."""
    from poise.conversations.models import Message
    from poise.signals.abuse import threats_to_leave
    from poise.signals.conversation import EARLY_TURNS, opening_feeling

    flagged = case((Message.leaving.is_(True), Message.body), else_=None)  # bodies it must read
    rows = session.execute(
        select(Message.conversation_id, Message.negativity, flagged)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.assignee_id.in_(members), Message.author_role == "customer")
        .order_by(Message.conversation_id, Message.sent_at, Message.id)
    )
    found: dict[int, list[float | None]] = {}
    for cid, negativity, body in rows:
        turns = found.setdefault(cid, [])
        if len(turns) < EARLY_TURNS:
            threat = bool(body and threats_to_leave(body))
            turns.append(None if negativity is None else opening_feeling(negativity, threat))
    return found


def _opening(stored: list[float | None], trend: list[float]) -> list[float]:
    """The first customer turns' scores: each turn's stored one, else the trend's (a turn the
    conversation's refresh scored without storing)."""
    return [s if s is not None else t for s, t in zip(stored, trend, strict=False)]


def set_early_warning_level(session: Session, *, actor: User, team_id: int, level: str) -> int:
    """A team chooses how unhappy an opening must be to raise early warning.

    The team's conversations are re-flagged from their stored scores (no re-scoring);
    returns how many conversations changed.
    """
    from poise.auth.models import Team
    from poise.signals.conversation import early_score
    from poise.signals.feeling import threshold_for

    require_admin(actor)
    if level not in EARLY_WARNING_LEVELS:
        raise InvalidInput("early warning level must be 'negative' or 'very_negative'")
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("no such team")
    team.early_warning_level = level
    members = select(User.id).where(User.team_id == team_id)
    openings = _opening_scores(session, members)
    changed: list[int] = []
    for conv in session.scalars(select(Conversation).where(Conversation.assignee_id.in_(members))):
        opening = _opening(openings.get(conv.id, []), conv.signal_trend or [])
        flag = early_score(opening) >= threshold_for(level)
        if conv.signal_trend is not None and conv.early_warning != flag:
            conv.early_warning = flag
            changed.append(conv.id)
    queue_for_rollup(session, changed)
    session.commit()
    return len(changed)
