"""Conversation pages: the filtered list, one thread, the import page, webhook integrations."""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated, Any, BinaryIO
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from sqlalchemy.orm import Session

from poise.auth.deps import AdminUser, CurrentUser, LeadUser
from poise.auth.models import User
from poise.conversations import actions, queries, rejected
from poise.conversations.feeling import peak_levels, trend_shown
from poise.conversations.importers import FORMATS, ImportLimits
from poise.conversations.models import CHANNELS, STATUSES, Conversation, ImportRun, Message
from poise.conversations.scoring import (
    any_pending,
    import_scoring_ids,
    import_scoring_subject,
)
from poise.conversations.thread import thread_view
from poise.db.base import utcnow
from poise.errors import Gone, InvalidInput, NotFound
from poise.faults import log_failure
from poise.hooks import Hooks
from poise.jobs import cancel_job, jobs_for
from poise.jobs.kinds import SCORE
from poise.pagination import Page
from poise.settings import Settings
from poise.textcontrols import without_controls
from poise.web import weeks
from poise.web.csrf import verify_csrf
from poise.web.deps import (
    HooksDep,
    SessionDep,
    SettingsDep,
    flash,
    get_hooks,
    redirect,
    render,
    render_form,
)
from poise.web.forms import field_errors
from poise.web.inputs import checks_own_query, control_message
from poise.web.params import IdPath, PageQuery, is_id, parse_day
from poise.web.weeks import recent_weeks
from poise.words import counted

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    return parse_day(value, name, field=name)


def _choice(value: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise InvalidInput(f"{name} must be one of {', '.join(allowed)}, not {value!r}", field=name)
    return value


@dataclass(frozen=True)
class FilterText:
    """The filters as typed in the query string, where an empty value means "any" (plain
    HTML forms). Kept apart from the parsed filters so a refused value can be shown again
    beside its field, as typed."""

    channel: str | None = None
    status: str | None = None
    assignee: str | None = None
    product: str | None = None
    opened_from: str | None = None
    opened_to: str | None = None
    signal: str | None = None
    sort: str | None = None
    q: str | None = None


def _opened(text: FilterText) -> tuple[date | None, date | None]:
    """The opened-between days; a start after the end is refused rather than answered with
    an empty list that never says why."""
    start = _date(text.opened_from, "opened_from")
    end = _date(text.opened_to, "opened_to")
    if start and end and start > end:
        raise InvalidInput(
            f"opened_from ({start}) is after opened_to ({end}): the start must not be after "
            "the end",
            field="opened_from",
        )
    return start, end


FILTER_FIELDS = tuple(FilterText.__dataclass_fields__)
"""The list's own query parameters: it refuses control characters in them beside the field."""


def _refuse_control(text: FilterText) -> None:
    """InvalidInput naming the first filter that holds a control character (the database
    cannot store a NUL, and no subject or product holds one)."""
    for name, value in asdict(text).items():
        message = control_message(value or "")
        if message:
            raise InvalidInput(f"{'the search' if name == 'q' else name} {message}", field=name)


def parse_filters(text: Annotated[FilterText, Depends()]) -> queries.ConversationFilters:
    """Filters from the typed text, or InvalidInput naming the field at fault.

    ``assignee`` is a user id, ``me`` ("mine") or ``team`` ("my team").
    """
    _refuse_control(text)
    assignee = text.assignee
    assigned = assignee if assignee in queries.ASSIGNED else None
    if assignee and not assigned and not is_id(assignee):
        raise InvalidInput(
            f"assignee must be a user id, me or team, not {assignee!r}", field="assignee"
        )
    opened_from, opened_to = _opened(text)
    return queries.ConversationFilters(
        channel=_choice(text.channel, CHANNELS, "channel"),
        status=_choice(text.status, STATUSES, "status"),
        assignee_id=int(assignee) if assignee and not assigned else None,
        assigned=assigned,
        product=text.product or None,
        opened_from=opened_from,
        opened_to=opened_to,
        signal=_choice(text.signal, queries.SIGNAL_FILTERS, "signal"),
        sort=_choice(text.sort, queries.SORTS, "sort") or "newest",
        text=" ".join(queries.search_words(text.q or "")) or None,
    )


Filters = Annotated[queries.ConversationFilters, Depends(parse_filters)]
TypedFilters = Annotated[FilterText, Depends()]

SIGNAL_LABELS = {
    "early_warning": "Early warning",  # counted as "early warnings" on Signals and Insights
    "escalating": "Escalating",
    "drifted": "Drifted from purpose",
    "abusive": "Abusive",
    "turnaround": "Turned around",
    "needs_attention": "Needs attention (open, at risk)",
}
SORT_LABELS = {"newest": "Newest", "escalation": "Escalation risk", "negativity": "Most negative"}


def assignee_options(user: User, choices: queries.FilterChoices) -> list[tuple[str, str]]:
    """ "Mine" and "My team" first, then each person the reader may filter by."""
    options = [("me", "Mine")] + ([("team", "My team")] if user.team_id is not None else [])
    return options + [(str(person.id), person.name) for person in choices.assignees]


@router.get("/conversations", response_class=HTMLResponse)
@checks_own_query(*FILTER_FIELDS)
def conversation_list(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    typed: TypedFilters,
    page: PageQuery = 1,
) -> HTMLResponse:
    """The list under its filters; a refused filter is shown beside its field, as typed, with
    no rows (rows under other filters than the ones asked for would mislead)."""
    kept = {k: v for k, v in request.query_params.items() if k != "page" and v}
    choices = queries.filter_choices(session, user)
    try:
        filters = parse_filters(typed)
        _refuse_no_team(user, filters)
        _refuse_unreadable_assignee(session, user, filters)
        _refuse_unknown_product(choices, filters)
    except InvalidInput as exc:
        listing = Page[Any]([], 0, 1, settings.page_size)
        empty = queries.ConversationFilters()
        context = _list_context(session, user, choices, empty, listing, kept)
        errors = {field: labelled(said) for field, said in field_errors(exc, "q").items()}
        # a refused value is set, if only the sort: "Clear" takes it away
        context.update(errors=errors, form=_typed_form(typed), filtered=True)
        return render(request, "conversations/list.html", context, 400)
    listing = queries.list_conversations(
        session,
        actor=user,
        filters=filters,
        page=page,
        page_size=settings.page_size,
        bounded=True,
    )
    context = _list_context(session, user, choices, filters, listing, kept)
    return render(request, "conversations/list.html", context)


FILTER_LABELS = {
    "opened_from": "opened from",
    "opened_to": "opened to",
    "channel": "channel",
    "status": "status",
    "assignee": "assignee",
    "signal": "signal",
    "sort": "sort",
    "product": "product",
}


def labelled(message: str) -> str:
    """A refusal as the page shows it beside its field: the form's labels for the query's
    parameters ("opened_from must be a date" read as code). The API keeps the parameters'
    names, which its callers send."""
    return re.sub(r"\b(" + "|".join(FILTER_LABELS) + r")\b", lambda m: FILTER_LABELS[m[1]], message)


def _refuse_no_team(user: User, filters: queries.ConversationFilters) -> None:
    """ "My team" for a reader in no team (an admin, a link kept from a former team) is
    refused beside the Assignee menu, the other filters kept, as the list refuses any value;
    the query refused it with the bare error page."""
    if filters.assigned == "team" and user.team_id is None:
        raise InvalidInput(
            "you are in no team yet, so there is no team's list to show", field="assignee"
        )


def _refuse_unreadable_assignee(
    session: Session, user: User, filters: queries.ConversationFilters
) -> None:
    """An assignee whose conversations the reader may not open (of another team, or no one)
    is refused beside the Assignee menu: the list answered it with no rows while the menu,
    which does not hold that person, read "Any", so nothing on the page said why."""
    person = filters.assignee_id
    if person is not None and not queries.is_readable_assignee(session, user, person):
        raise InvalidInput(
            f"assignee {person} is no one whose conversations you can open: pick someone "
            "from the menu",
            field="assignee",
        )


def _refuse_unknown_product(
    choices: queries.FilterChoices, filters: queries.ConversationFilters
) -> None:
    """A product the menu does not hold (none of the reader's conversations names it: a
    typo in the address, another team's product) is refused beside the Product menu: the
    list answered it with no rows while the menu read "Any", so nothing said why."""
    product = filters.product
    if product is not None and product not in choices.products:
        raise InvalidInput(
            f"there is no product {product!r} among the conversations you can open: pick one "
            "from the menu",
            field="product",
        )


def is_filtered(filters: queries.ConversationFilters) -> bool:
    """Whether any filter narrows the list: the sort orders it and narrows nothing, so a
    list only sorted is every conversation ("in all", no "Clear"), not "these filters"."""
    return filters != queries.ConversationFilters(sort=filters.sort)


def _list_context(
    session: Session,
    user: User,
    choices: queries.FilterChoices,
    filters: queries.ConversationFilters,
    listing: Page[Any],
    kept: dict[str, str],
) -> dict[str, object]:
    return {
        "listing": listing,
        "peak_levels": peak_levels(session, [c.id for c in listing.items]),
        "filters": filters,
        "choices": choices,
        "assignee_options": assignee_options(user, choices),
        "channels": CHANNELS,
        "statuses": STATUSES,
        "signal_filters": SIGNAL_LABELS,
        "sorts": SORT_LABELS,
        "base_query": urlencode(kept),
        "filtered": is_filtered(filters),
        "errors": {},
        "form": _filter_form(filters),
    }


def _filter_form(filters: queries.ConversationFilters) -> dict[str, str]:
    """What the filter form shows for filters in force (as the list applies them)."""
    assignee = filters.assigned or filters.assignee_id
    days = {"opened_from": filters.opened_from, "opened_to": filters.opened_to}
    return {
        "q": filters.text or "",
        "channel": filters.channel or "",
        "status": filters.status or "",
        "assignee": str(assignee or ""),
        "product": filters.product or "",
        "signal": filters.signal or "",
        "sort": filters.sort,
    } | {name: day.isoformat() if day else "" for name, day in days.items()}


def _typed_form(typed: FilterText) -> dict[str, str]:
    """What the filter form shows after a refusal: every value as typed, less any control
    character (the message beside the field says which; the form can be sent again as is)."""
    return {name: without_controls(value or "") for name, value in asdict(typed).items()}


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
@checks_own_query("start", "message")
def conversation_page(
    request: Request,
    session: SessionDep,
    hooks: HooksDep,
    user: CurrentUser,
    conversation_id: IdPath,
    start: str | None = None,
    message: str | None = None,
) -> HTMLResponse:
    """The thread, folded when long (:mod:`poise.conversations.thread`): ``start`` opens the
    hidden turns from that one on, ``message`` the turns around that message (a link to
    ``?message=ID#mID`` lands on it however deep in the thread). The signals beside it are
    the conversation's own, over the whole thread."""
    conv = queries.get_conversation(session, actor=user, conversation_id=conversation_id)
    turn, turn_note = _turn_asked(start, "start")
    linked, link_note = _turn_asked(message, "message")
    view = thread_view(session, conv, start=turn, message_id=linked)
    context = {
        "conv": conv,
        "thread": view,
        "peak_level": peak_levels(session, [conv.id]).get(conv.id),
        "trend": trend_shown(conv.signal_trend),
        "autoqa": own_reply_feedback(session, hooks, user, conv, view.shown),
        "notes": [note for note in (turn_note, link_note) if note],
    }
    return render(request, "conversations/detail.html", context)


TURN_NOTES = {
    "start": "There is no message number {shown} to open from (they count from 1)",
    "message": "{shown} is not a message's id",
}


def _turn_asked(value: str | None, name: str) -> tuple[int | None, str | None]:
    """A thread link's ``start`` (a turn's number) or ``message`` (an id) as a number, or
    None with a note saying it was left aside. ``?start=0`` or ``?message=abc`` (an address
    edited by hand, a link mangled on the way) answered the bare 422 page quoting pydantic;
    the reader wanted the conversation, so it opens as it does by default. Checked here,
    control characters too (``checks_own_query``): each is a value that names no turn."""
    if not value or is_id(value.strip()):
        return (int(value) if value else None), None
    shown = repr(without_controls(value)[:40])  # a hand-made link may be any length
    said = TURN_NOTES[name].format(shown=shown)
    return None, f"{said}, so this shows the thread as it opens."


def own_reply_feedback(
    session: Session, hooks: Hooks, reader: User, conv: Conversation, shown: list[Message]
) -> dict[int, list[Any]]:
    """AutoQA's verdicts on the reader's own replies in this thread, by message id, in one
    batch: private to their author, so whoever else opens the thread (a teammate, the lead,
    an admin) gets none of them; empty unless the reader's team opted in. Read, never stored.
    Training owns AutoQA; the face wires it in (``hooks.feedback_on_replies``), so this area
    never imports it. A model that fails leaves the thread readable, without the feedback,
    and is logged."""
    if hooks.feedback_on_replies is None:
        return {}
    try:
        return hooks.feedback_on_replies(session, reader, shown)
    except Exception as exc:
        log_failure(
            logging.getLogger("poise"), "AutoQA on conversation %s failed", conv.id, exc=exc
        )
        return {}


# An admin's import with no source stores under the format's name.
_FORMAT_NAME = f"the format's name ({', '.join(FORMATS)})"


def _import_context(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    page: int = 1,
    run: str = "",
    **extra: object,
) -> dict[str, object]:
    """The form and a page of the import history the user may read, each import with the
    job that scored it; an import with new turns and no job (``poise import --no-score``, or
    a job row gone) is "scored" only when nothing anywhere waits for a score. The source's
    placeholder names the source an import with none given stores under: a lead's team's own
    for each format (``csv-team-3``…, see :func:`actions.default_source`), the format's name
    for an admin (said as a name: "default: the format" read as no source at all)."""
    history = queries.import_history(session, actor=user, page=page, page_size=settings.page_size)
    runs = history.items
    scoring = jobs_for(session, [scoring_subject(run.id) for run in runs])
    unjobbed = any(r.messages_created and scoring_subject(r.id) not in scoring for r in runs)
    waiting = unjobbed and any_pending(session)
    helpdesks = get_hooks(request).connector_sources
    defaults = {fmt: actions.default_source(session, fmt, user, helpdesks) for fmt in FORMATS}
    own = any(source != fmt for fmt, source in defaults.items())
    context = {
        "formats": FORMATS,
        "source_placeholder": f"default: {', '.join(defaults.values()) if own else _FORMAT_NAME}",
        "history": history,
        "runs": runs,
        "base_query": urlencode({"run": run}) if run else "",
        "scoring": scoring,
        "waiting": waiting,
    }
    return context | extra


scoring_subject = import_scoring_subject


def score_in_background(
    request: Request, session: Session, report: actions.ImportReport
) -> int | None:
    """Score the customer turns the import added in a background job; the job's id, or None
    when there is nothing for it to score (see :func:`import_scoring_ids`)."""
    ids = import_scoring_ids(session, report.to_score, report.counts.conversation_ids)
    if not ids:
        return None
    job_id = request.app.state.jobs.submit_split(SCORE, ids, subject=scoring_subject(report.run_id))
    return int(job_id)


@dataclass(frozen=True)
class ImportSummary:
    """An import's report read back from its run, as the page shows it after the upload
    redirected there (what the run does not store, the conversations updated, comes from the
    uploader's session, and is left out for anyone else)."""

    run_id: int
    status: str
    rows_total: int
    rows_rejected: int
    errors: list[dict[str, Any]]
    counts: dict[str, int | None]

    @classmethod
    def of(cls, run: ImportRun, updated: int | None) -> ImportSummary:
        counts = {
            "conversations_created": run.conversations_created,
            "conversations_updated": updated,
            "messages_created": run.messages_created,
            "ratings_created": run.ratings_created,
        }
        return cls(run.id, run.status, run.rows_total, run.rows_rejected, run.errors, counts)


@router.get("/import", response_class=HTMLResponse)
def import_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: LeadUser,
    run: str = "",
    page: PageQuery = 1,
) -> HTMLResponse:
    """The upload form and a page of the import history; ``run`` adds that import's report."""
    if not run:
        context = _import_context(request, session, settings, user, page)
        return render(request, "conversations/import.html", context)
    if not is_id(run):
        raise InvalidInput(f"run must be an import id (a number), not {run!r}", field="run")
    found = queries.import_run(session, actor=user, run_id=int(run))
    mine = request.session.get("import_updated", {})
    updated = mine.get("updated") if mine.get("run") == found.id else None
    report = ImportSummary.of(found, updated)
    form = {"format": found.format}  # the next file is most often of the same format
    context = _import_context(
        request,
        session,
        settings,
        user,
        page,
        run,
        report=report,
        filename=found.filename,
        form=form,
    )
    context["kept"] = rejected.kept_rows(
        found, data_dir=settings.data_dir, keep_days=settings.rejected_rows_days, now=utcnow()
    )
    return render(request, "conversations/import.html", context)


def read_upload(upload: UploadFile, settings: Settings) -> BinaryIO:
    """The uploaded file, refused when over the configured size or empty, ready to read.

    The upload is already spooled to disk; its size is measured by seeking, so the import
    reads it a line at a time and never holds it in memory. Blocking: callers run on the
    thread pool, never on the event loop.
    """
    spooled = upload.file
    spooled.seek(0, io.SEEK_END)
    size = spooled.tell()
    spooled.seek(0)
    if size > settings.max_upload_bytes:
        raise InvalidInput(
            f"the file is larger than {settings.max_upload_bytes // (1024 * 1024)} MB; "
            "split it or import it with the `poise import` command",
            field="file",
        )
    if not size:
        raise InvalidInput("the file is empty", field="file")
    return spooled


@dataclass(frozen=True)
class Upload:
    """An import upload's form fields, shared by the import page and the API."""

    file: UploadFile
    format: str
    source: str = ""
    skip_invalid: bool = False


def upload_form(
    file: Annotated[UploadFile, File()],
    format: Annotated[str, Form()],
    source: Annotated[str, Form()] = "",
    skip_invalid: Annotated[bool, Form()] = False,
) -> Upload:
    return Upload(file, format, source, skip_invalid)


UploadDep = Annotated[Upload, Depends(upload_form)]


def import_upload_file(
    request: Request, session: Session, settings: Settings, user: User, upload: Upload
) -> tuple[actions.ImportReport, int | None]:
    """Import an upload, keep its rejected rows for download, start scoring; (report, job id).

    Blocking (file, parser, database): call it from a plain ``def`` route, which FastAPI runs
    on its thread pool.
    """
    report = actions.import_file(
        session,
        actor=user,
        data=read_upload(upload.file, settings),
        filename=upload.file.filename or "upload",
        fmt=upload.format,
        source=upload.source.strip() or None,
        skip_invalid=upload.skip_invalid,
        limits=ImportLimits(max_message_chars=settings.max_message_chars),
        helpdesks=get_hooks(request).connector_sources,
    )
    actions.keep_rejected_rows(settings.data_dir, report)
    return report, score_in_background(request, session, report)


@router.post("/import", response_model=None)
def import_upload(
    request: Request, session: SessionDep, settings: SettingsDep, user: LeadUser, upload: UploadDep
) -> HTMLResponse | RedirectResponse:
    # A refused upload keeps the format, source and choice made: the file is fixed and sent
    # again with them (the format went back to CSV, and a fixed JSON Lines file was refused).
    form = {"format": upload.format, "source": upload.source, "skip": upload.skip_invalid}
    try:
        report, _ = import_upload_file(request, session, settings, user, upload)
    except InvalidInput as exc:
        session.rollback()
        errors = field_errors(exc, "file")
        context = _import_context(request, session, settings, user, errors=errors, form=form)
        return render(request, "conversations/import.html", context, 400)
    if report.status == "rejected":  # nothing written: the problems are shown, to fix
        context = _import_context(
            request,
            session,
            settings,
            user,
            report=report,
            filename=upload.file.filename,
            form=form,
        )
        return render(request, "conversations/import.html", context, 422)
    # See other: reloading the report must not upload (and import) the file again.
    updated = report.counts.conversations_updated
    request.session["import_updated"] = {"run": report.run_id, "updated": updated}
    return redirect(f"/import?run={report.run_id}")


@router.get("/import/{run_id}/rejected")
def rejected_rows(
    session: SessionDep, settings: SettingsDep, user: LeadUser, run_id: IdPath
) -> StreamingResponse:
    """The rows set aside, named after the file they came from and in its format
    (``export-rejected.csv``), to fix and import again (they came as ``import-7-rejected.txt``).
    The run is looked up first: another team's import answers as a missing one, whether or
    not rows were kept for it. Past ``POISE_REJECTED_ROWS_DAYS`` they are gone (410), even
    before the hourly turn deletes the file; the file is opened here, so one deleted while
    the answer is on its way is still sent whole rather than failing half-way."""
    run = queries.import_run(session, actor=user, run_id=run_id)
    kept = rejected.kept_rows(
        run, data_dir=settings.data_dir, keep_days=settings.rejected_rows_days, now=utcnow()
    )
    if kept is not None and kept.state == "removed":
        raise Gone(
            f"the rows this import set aside were removed after {counted(kept.days, 'day')}, "
            f"on {kept.until:%Y-%m-%d %H:%M} UTC (they hold customers' words): fix them in "
            "your file and import it again"
        )
    try:
        handle = rejected.rejected_rows_path(settings.data_dir, run_id).open("rb")
    except FileNotFoundError:
        raise NotFound("no rejected rows were kept for this import") from None
    stem, dot, extension = run.filename.rpartition(".")
    if not dot or not extension.isalnum():
        stem, extension = run.filename, REJECTED_EXTENSIONS.get(run.format, "txt")
    headers = {
        "content-disposition": _attachment(f"{stem}-rejected.{extension}"),
        "content-length": str(os.fstat(handle.fileno()).st_size),
    }
    return StreamingResponse(_chunks(handle), media_type="text/plain", headers=headers)


def _attachment(filename: str) -> str:
    """A Content-Disposition naming the download (RFC 6266's ``filename*`` when the name
    is not plain ASCII, as Starlette's FileResponse writes it)."""
    quoted = quote(filename)
    if quoted != filename:
        return f"attachment; filename*=utf-8''{quoted}"
    return f'attachment; filename="{filename}"'


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(64 * 1024):
            yield chunk


REJECTED_EXTENSIONS = {"csv": "csv", "twcs": "csv", "jsonl": "jsonl", "zendesk": "json"}


@router.post("/jobs/{job_id}/cancel")
def cancel_job_page(
    request: Request, session: SessionDep, user: LeadUser, job_id: IdPath
) -> RedirectResponse:
    """Cancel background work from its status (the import page): leads and admins, another
    team's import or conversations' scoring answered as a missing job."""
    queries.readable_job(session, actor=user, job_id=job_id)
    job = cancel_job(session, job_id, by=user.name)
    flash(request, f"Job {job.id} cancelled: what it had done stays; start it again to finish.")
    return redirect("/import")


@router.get("/admin/integrations", response_class=HTMLResponse)
def integrations_page(request: Request, session: SessionDep, user: AdminUser) -> HTMLResponse:
    return _integrations_page(request, session, user)


def _integrations_page(
    request: Request,
    session: Session,
    user: User,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    """The senders and the add form; a refusal stands beside its field or its sender's row
    (``rotate-ID``), with what was typed (400)."""
    context = {"integrations": queries.list_integrations(session, actor=user), "form": form or {}}
    return render_form(request, "conversations/integrations.html", context, errors)


@router.post("/admin/integrations", response_model=None)
def add_integration(
    request: Request, session: SessionDep, user: AdminUser, name: Annotated[str, Form()] = ""
) -> HTMLResponse | RedirectResponse:
    try:
        integration = actions.create_integration(
            session, actor=user, name=name, helpdesks=get_hooks(request).connector_sources
        )
    except InvalidInput as exc:
        session.rollback()
        return _integrations_page(request, session, user, field_errors(exc, "name"), {"name": name})
    flash(request, f"Added integration {integration.name}. Give its secret to the sender.")
    return redirect("/admin/integrations")


@router.post("/admin/integrations/{integration_id}/rotate", response_model=None)
def rotate_integration(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    integration_id: IdPath,
    confirm: Annotated[bool, Form()] = False,
) -> HTMLResponse | RedirectResponse:
    """A new secret for a sender, once its row's "Yes, replace" box is ticked. Without the
    tick the refusal stands beside that row's box, as a team's Delete does: it was a banner
    at the top of the page, away from the box to tick, above a list of look-alike rows."""
    try:
        made = actions.rotate_integration_secret(
            session, actor=user, integration_id=integration_id, confirmed=confirm
        )
    except InvalidInput as exc:
        session.rollback()
        return _integrations_page(request, session, user, {f"rotate-{integration_id}": str(exc)})
    flash(request, f"New secret for {made.name}: give it to the sender; the old one is refused.")
    return redirect("/admin/integrations")


@router.post("/admin/teams/{team_id}/early-warning")
def early_warning_level(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    team_id: IdPath,
    level: Annotated[str, Form()],
) -> RedirectResponse:
    """The team's early-warning level; its conversations are re-flagged at once."""
    try:
        changed = actions.set_early_warning_level(session, actor=user, team_id=team_id, level=level)
    except InvalidInput as exc:
        flash(request, str(exc), "error")
        return redirect("/admin/teams")
    flash(request, f"Early warning level saved; {counted(changed, 'conversation')} re-flagged.")
    return redirect("/admin/teams")


@router.get("/signals", response_class=HTMLResponse)
def signals_page(
    request: Request, session: SessionDep, user: CurrentUser, assignee: str | None = None
) -> HTMLResponse:
    """What needs attention among the conversations the reader may open; ``assignee`` is
    ``me`` or ``team`` to narrow it to "mine" or "my team"."""
    assigned, errors = _signals_tab(user, assignee)
    today = weeks.today()  # the insights dashboard's clock, so both count the same days
    since, _ = recent_weeks(today)  # the insights dashboard's default weeks
    overview = queries.signal_overview(session, actor=user, since=since, assigned=assigned)
    context = {"overview": overview, "today": today, "assigned": assigned or "", "errors": errors}
    return render(request, "conversations/signals.html", context)


def _signals_tab(user: User, assignee: str | None) -> tuple[str | None, dict[str, str]]:
    """The tab asked for, or None ("All I can open") with why beside the tabs: a link kept
    from a former team, or one to no tab at all (hand-made, old), shows everything the
    reader can open rather than the bare error page."""
    if assignee and assignee not in queries.ASSIGNED:
        shown = without_controls(assignee)[:40]  # a hand-made link may be any length
        return None, {
            "assignee": f"There is no tab {shown!r}, so this shows everything you can open."
        }
    if assignee == "team" and user.team_id is None:
        return None, {"assignee": "You are in no team yet, so this shows everything you can open."}
    return assignee or None, {}
