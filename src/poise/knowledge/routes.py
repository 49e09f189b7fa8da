"""Manual pages: list, search, article, propose/edit, curation, mined proposals, gaps, FCR.

Thin: parse the form, call one action or query, render or redirect. Roles are checked in the
actions and queries; the templates only hide buttons a role cannot use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, literal, or_, select
from sqlalchemy.orm import Session

from poise.auth.deps import CurrentUser, LeadUser
from poise.auth.models import User
from poise.auth.permissions import require_lead
from poise.conversations import queries as conversation_queries
from poise.conversations.visibility import visible_ids
from poise.errors import InvalidInput, NotFound
from poise.jobs import ACTIVE, JobProgress, jobs_for
from poise.jobs.kinds import KB_MINE
from poise.knowledge import actions, gaps, queries
from poise.knowledge.drafting import ANSWER, presented_resolution, resolution_kind
from poise.knowledge.mining import mine
from poise.knowledge.models import (
    FLAG_KINDS,
    STATUS_LABELS,
    Article,
    ArticleSource,
    Gap,
    Phrasing,
)
from poise.knowledge.search import search
from poise.knowledge.suggest import (
    article_fields_from,
    article_fields_from_gap,
    gap_words,
    log_conversation_gap,
    suggest_for_conversation,
)
from poise.knowledge.text import highlighted, render_markdown, words
from poise.pagination import Page
from poise.web.csrf import verify_csrf
from poise.web.deps import SessionDep, SettingsDep, flash, redirect, render, render_form, safe_next
from poise.web.forms import field_errors
from poise.web.params import FlagQuery, IdPath, IdQuery, PageQuery, is_count, is_id

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
SCRIPT = Path(__file__).parent / "templates" / "knowledge" / "kb.js"
MINING_SUBJECT = "kb:mine"
# A gap's words carried in a link are cut here: a search can be 4,000 characters, and a link
# that long, percent-encoded, is refused by the server before it reaches us.
LINKED_WORDS = 500


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def article_form(
    title: Annotated[str, Form()] = "",
    issue: Annotated[str, Form()] = "",
    resolution: Annotated[str, Form()] = "",
    product: Annotated[str, Form()] = "",
    feature: Annotated[str, Form()] = "",
    tags: Annotated[str, Form()] = "",
    phrasings: Annotated[str, Form()] = "",
    owner_id: Annotated[str, Form()] = "",
) -> actions.ArticleFields:
    """The article form: phrasings one per line, tags separated by commas."""
    return actions.ArticleFields(
        title=title,
        issue=issue,
        resolution=resolution,
        product=product or None,
        feature=feature or None,
        tags=[t for t in tags.split(",") if t.strip()],
        phrasings=_lines(phrasings),
        owner_id=int(owner_id) if is_id(owner_id) else None,
    )


ArticleForm = Annotated[actions.ArticleFields, Depends(article_form)]


@router.get("/manual/kb.js", include_in_schema=False)
def script() -> Response:
    """The manual's small script (live suggestions); served here, no build step."""
    return Response(SCRIPT.read_text(encoding="utf-8"), media_type="text/javascript")


@router.get("/manual", response_class=HTMLResponse)
def manual_list(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    status: str = "",
    product: str = "",
    flagged: FlagQuery = False,
    page: PageQuery = 1,
) -> HTMLResponse:
    """The articles under the filters; a refused filter (a hand-typed status) is said beside
    its field with no rows, like the conversation list, rather than on a bare error page."""
    errors: dict[str, str] = {}
    try:
        listing = queries.list_articles(
            session,
            actor=user,
            status=status or None,
            product=product or None,
            flagged=flagged,
            page=page,
            page_size=settings.page_size,
        )
    except InvalidInput as exc:
        errors, listing = field_errors(exc, "status"), Page([], 0, 1, settings.page_size)
    kept = {k: v for k, v in request.query_params.items() if k != "page" and v}
    context = {
        "listing": listing,
        "status": status,
        "product": product,
        "flagged": flagged,
        "counts": queries.status_counts(session, actor=user),
        "products": queries.product_choices(session),
        "labels": STATUS_LABELS,
        "base_query": urlencode(kept),
    }
    return render_form(request, "knowledge/list.html", context, errors)


@router.get("/manual/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    q: str = "",
    conversation_id: IdQuery | None = None,
) -> HTMLResponse:
    """Search the published manual; with ``conversation_id``, use that conversation's purpose
    and customer words. A read: a gap is logged only by the "Log as a gap" button."""
    conv, errors = None, {}
    if conversation_id is not None:
        conv = conversation_queries.get_conversation(
            session, actor=user, conversation_id=conversation_id
        )
        result = suggest_for_conversation(session, conv, limit=10).result
    elif q.strip() and not words(q, keep_stop=True):
        errors, result = {"q": no_words(q)}, None
    elif q.strip():
        result = search(session, q, limit=10)
    else:
        result = None
    context = {"q": result.query if result else q, "result": result, "conv": conv}
    return render_form(
        request, "knowledge/search.html", {**context, "highlighted": highlighted}, errors
    )


def no_words(q: str) -> str:
    """Why a search without a word ("???", an emoji) is not run: every article came back
    under 1%, with "Nothing in the manual matches" and an offer to log it as a gap."""
    return f"“{q.strip()[:40]}” has no words to search by: type what the customer said"


@router.post("/manual/gaps")
def log_gap(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    q: Annotated[str, Form()] = "",
    conversation_id: Annotated[int | None, Form()] = None,
    next: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """An agent says nothing in the manual fits this search or conversation: log it once,
    and go back to the page the box was on (the assist panel or the conversation)."""
    if conversation_id is not None:
        conv = conversation_queries.get_conversation(
            session, actor=user, conversation_id=conversation_id
        )
        gap = log_conversation_gap(session, actor=user, conversation=conv)
        flash(request, _logged(gap))
        return redirect(safe_next(next, f"/conversations/{conv.id}"))
    if not q.strip():
        raise InvalidInput("say what the customer asked to log it as a gap")
    if not words(q, keep_stop=True):
        raise InvalidInput(no_words(q), field="q")
    gap = actions.log_gap(session, actor=user, result=search(session, q))
    flash(request, _logged(gap))
    return redirect("/manual/search?" + urlencode({"q": q}))


def _logged(gap: Gap) -> str:
    """What "Log as a gap" did: a second press for the same conversation or words wrote
    nothing, and said "Logged" all the same."""
    if gap.repeated:
        when = gap.created_at.strftime("%Y-%m-%d %H:%M UTC")
        return f"Already logged as a gap on {when}: nothing new was logged."
    return "Logged as a gap: a lead will see it in the gap report."


def _form_values(source: Article | actions.ArticleFields | None) -> dict[str, object]:
    """What the article form shows: the stored article, or what was typed into it."""
    if source is None:
        return {"tags": "", "phrasings": ""}
    phrasings = [p if isinstance(p, str) else p.text for p in source.phrasings]
    return {
        "title": source.title,
        "issue": source.issue,
        "resolution": source.resolution,
        "product": source.product or "",
        "feature": source.feature or "",
        "owner_id": source.owner_id,
        "tags": ", ".join(t.strip() for t in source.tags),
        "phrasings": "\n".join(phrasings),
    }


def _article_form(
    request: Request,
    session: Session,
    user: User,
    article: Article | None,
    values: dict[str, object],
    conversation_id: int | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    """The article form; after a refusal, as typed with the error beside its field (400)."""
    context = {
        "article": article,
        "conversation_id": conversation_id,
        "owners": queries.owner_choices(session) if user.is_lead else [],
        "values": values,
    }
    return render_form(request, "knowledge/form.html", context, errors)


@router.get("/manual/new", response_class=HTMLResponse)
def new_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    conversation_id: IdQuery | None = None,
    issue: str = "",
    product: str = "",
    phrasing: Annotated[list[str] | None, Query()] = None,
) -> HTMLResponse:
    """The article form; from a conversation the reader may open, filled in from it; from a
    gap no conversation of which the reader may open, filled in with the gap's words."""
    fields = article_fields_from_gap(issue, product, phrasing or []) if issue.strip() else None
    values = _form_values(fields)
    if conversation_id is not None:
        try:
            conv = conversation_queries.get_conversation(
                session, actor=user, conversation_id=conversation_id
            )
        except NotFound:  # another team's is answered as one that does not exist
            conv = None
        if conv is not None:
            values = _form_values(article_fields_from(session, conv))
        else:
            conversation_id = None  # not cited unseen: the form starts empty and cites none
    return _article_form(request, session, user, None, values, conversation_id)


def write_article_link(group: gaps.GapGroup, readable: set[int]) -> str:
    """The gap report's "Write the article": from a conversation of the group the reader may
    open, else from the gap's own words and product. It named the group's first conversation,
    often another team's, and the form then opened empty, the issue to type again."""
    opened = next((c for c in group.conversations if c in readable), None)
    if opened is not None:
        return f"/manual/new?conversation_id={opened}"
    product = max(group.products, key=lambda p: group.products[p]) if group.products else ""
    params = [("issue", group.example[:LINKED_WORDS]), ("product", product)]
    params += [("phrasing", q[:LINKED_WORDS]) for q in group.queries if q != group.example]
    return "/manual/new?" + urlencode([(k, v) for k, v in params if v])


def _said_in(group: gaps.GapGroup) -> list[str]:
    """A gap group's words as logged and as "Write the article" puts them in the form."""
    said = [q.strip() for q in (group.example, *group.queries)]
    return [q for q in (*said, *map(gap_words, said)) if q]


def drafts_for(session: Session, groups: list[gaps.GapGroup]) -> list[Article | None]:
    """For each gap group, an article already being written for it (a draft or one in
    review) that cites one of its conversations or has its words as issue, title or
    phrasing; the report links to it rather than offering "Write the article" again, which
    started a second draft of the same issue."""
    unfinished = Article.status.in_(("draft", "in_review"))
    conversations = {c for g in groups for c in g.conversations}
    cited: dict[int, Article] = {}
    if conversations:
        sourced = session.execute(
            select(ArticleSource.conversation_id, Article)
            .join(Article, Article.id == ArticleSource.article_id)
            .where(unfinished, ArticleSource.conversation_id.in_(conversations))
            .order_by(Article.id)
        )
        for conversation_id, article in sourced:
            cited.setdefault(conversation_id, article)
    said = {q.lower() for g in groups for q in _said_in(g)}
    worded: dict[str, Article] = {}
    if said:
        lowered = list(said)
        by_article = select(Article, Article.issue, Article.title, literal("")).where(
            unfinished,
            or_(func.lower(Article.issue).in_(lowered), func.lower(Article.title).in_(lowered)),
        )
        by_phrasing = (
            select(Article, literal(""), literal(""), Phrasing.text)
            .join(Phrasing, Phrasing.article_id == Article.id)
            .where(unfinished, func.lower(Phrasing.text).in_(lowered))
        )
        for query in (by_article, by_phrasing):
            for article, *texts in session.execute(query.order_by(Article.id)):
                for text in texts:
                    if text and text.strip().lower() in said:
                        worded.setdefault(text.strip().lower(), article)
    found: list[Article | None] = []
    for g in groups:
        by_source = (cited[c] for c in g.conversations if c in cited)
        words_of = (q.lower() for q in _said_in(g))
        by_words = (worded[q] for q in words_of if q in worded)
        found.append(next(by_source, None) or next(by_words, None))
    return found


@router.post("/manual/new", response_model=None)
def create(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    fields: ArticleForm,
    conversation_id: Annotated[int | None, Form()] = None,
    submit: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    sources = [conversation_id] if conversation_id else []
    try:
        article = actions.create_article(
            session, actor=user, fields=fields, source_conversation_ids=sources
        )
    except InvalidInput as exc:
        session.rollback()
        values = _form_values(fields)
        errors = field_errors(exc, "title")
        return _article_form(request, session, user, None, values, conversation_id, errors)
    if submit == "review" and article.status == "draft":  # a repeat may be in review already
        actions.change_status(session, actor=user, article_id=article.id, status="in_review")
    flash(request, f"Article “{article.title}” saved as {article.status_label}.")
    return redirect(f"/manual/{article.id}")


@router.get("/manual/proposals", response_class=HTMLResponse)
def proposals_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: LeadUser,
    page: PageQuery = 1,
) -> HTMLResponse:
    return _proposals(request, session, settings, user, page=page)


def _proposals(
    request: Request,
    session: Session,
    settings: SettingsDep,
    user: CurrentUser,
    *,
    page: PageQuery = 1,
    errors: dict[str, str] | None = None,
    form: dict[str, object] | None = None,
) -> HTMLResponse:
    """The proposals page; after a refused merge or split, with the error beside its field
    and what the lead chose kept."""
    listing = queries.list_proposals(session, actor=user, page=page, page_size=settings.page_size)
    job = jobs_for(session, [MINING_SUBJECT]).get(MINING_SUBJECT)
    examples = [c for p in listing.items for c in p.conversation_ids[:12]]
    kinds = {p.id: resolution_kind(p.resolution) for p in listing.items}  # read once each
    context = {
        "listing": listing,
        "job": job,
        "form": form or {},
        "readable": visible_ids(session, user, examples),
        "resolutions": {
            p.id: render_markdown(presented_resolution(p.resolution, kinds[p.id]))
            for p in listing.items
        },
        "answers": {pid for pid, kind in kinds.items() if kind == ANSWER},
        "additions": {
            p.id: actions.new_phrasings(p.matched_article, [p.issue, *p.phrasings])
            for p in listing.items
            if p.matched_article is not None
        },
    }
    return render_form(request, "knowledge/proposals.html", context, errors)


@router.post("/manual/proposals/merge", response_model=None)
def merge(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    proposal_ids: Annotated[list[int] | None, Form()] = None,
) -> Response:
    """Join the proposals a lead ticked into one (the biggest keeps its issue)."""
    chosen = proposal_ids or []
    try:
        merged = actions.merge_proposals(session, actor=user, proposal_ids=chosen)
    except InvalidInput as error:
        session.rollback()
        form: dict[str, object] = {"merge_ids": chosen}
        return _proposals(request, session, settings, user, errors={"merge": str(error)}, form=form)
    flash(request, f"Merged {len(set(chosen))} proposals: {merged.group_size} conversations.")
    return redirect("/manual/proposals")


@router.post("/manual/proposals/{proposal_id}/split", response_model=None)
def split(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    proposal_id: IdPath,
    parts: Annotated[str, Form()] = "2",
) -> Response:
    """Group one proposal's conversations again into ``parts`` proposals."""
    try:
        count = int(parts) if is_count(parts.strip().lstrip("-")) else 0
        made = actions.split_proposal(
            session,
            actor=user,
            proposal_id=proposal_id,
            parts=count,
            window_days=settings.fcr_window_days,
        )
    except InvalidInput as error:
        session.rollback()
        form: dict[str, object] = {"split_id": proposal_id, "parts": parts}
        return _proposals(
            request, session, settings, user, errors={f"split-{proposal_id}": str(error)}, form=form
        )
    flash(request, f"Split into {len(made)} proposals.")
    return redirect("/manual/proposals")


@router.post("/manual/proposals/mine")
def mine_now(
    request: Request, session: SessionDep, settings: SettingsDep, user: LeadUser
) -> RedirectResponse:
    """Start mining in the background; the proposals page shows its progress. Not while a
    run is queued or running: a second click queued a second run, which replaced the
    proposals the first made, and any merge or split a lead had done on them meanwhile."""
    current = jobs_for(session, [MINING_SUBJECT]).get(MINING_SUBJECT)
    if current is not None and current.status in ACTIVE:
        flash(request, "Mining is already under way: its proposals appear here when it finishes.")
        return redirect("/manual/proposals")
    window = settings.fcr_window_days

    def work(session: Session, progress: JobProgress) -> str:
        return str(mine(session, actor=None, window_days=window, progress=progress))

    request.app.state.jobs.submit(KB_MINE, work, subject=MINING_SUBJECT)
    flash(request, "Mining started: proposals appear here when it finishes.")
    return redirect("/manual/proposals")


@router.post("/manual/proposals/{proposal_id}/accept")
def accept(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    proposal_id: IdPath,
) -> RedirectResponse:
    """Accept a proposal as a draft for review (never published in one step)."""
    article = actions.accept_proposal(session, actor=user, proposal_id=proposal_id)
    if article.status == "draft":
        flash(
            request,
            f"“{article.title}” is a draft: check and edit the "
            f"{actions.reviewed_part(article.resolution)}, then send it for review.",
        )
    else:
        latest = max(article.revisions, key=lambda r: r.id)
        flash(request, f"Added to “{article.title}” ({article.status_label}): {latest.summary}.")
    return redirect(f"/manual/{article.id}")


@router.post("/manual/proposals/{proposal_id}/dismiss")
def dismiss(
    request: Request, session: SessionDep, user: CurrentUser, proposal_id: IdPath
) -> RedirectResponse:
    actions.dismiss_proposal(session, actor=user, proposal_id=proposal_id)
    flash(request, "Proposal dismissed.")
    return redirect("/manual/proposals")


@router.get("/manual/gaps", response_class=HTMLResponse)
def gaps_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: LeadUser,
    days: str = str(gaps.REPORT_DAYS),
    page: PageQuery = 1,
) -> HTMLResponse:
    """The gaps of the last ``days`` days, a page of issues at a time (biggest first); a
    window refused is said beside its field, with what was typed kept, and the default
    window's report shown meanwhile."""
    errors: dict[str, str] = {}
    try:
        window = gaps.report_days(days)
    except InvalidInput as exc:
        errors, window = field_errors(exc, "days"), gaps.REPORT_DAYS
    report = gaps.gap_report(session, actor=user, days=window)
    size = settings.page_size
    shown = report.groups[(page - 1) * size : page * size]
    readable = visible_ids(session, user, [c for g in shown for c in g.conversations])
    context = {
        "report": report,
        "listing": Page(shown, len(report.groups), page, size),
        "base_query": urlencode({"days": window} if window != gaps.REPORT_DAYS else {}),
        "typed": days,
        "max_days": gaps.MAX_REPORT_DAYS,
        "write_links": [write_article_link(g, readable) for g in shown],
        "drafts": drafts_for(session, shown),
    }
    return render_form(request, "knowledge/gaps.html", context, errors)


@router.get("/manual/suggestions/{conversation_id}", response_class=HTMLResponse)
def suggestions_fragment(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    conversation_id: IdPath,
    back: str = "",
) -> HTMLResponse:
    """The suggestions box alone, for the conversation page's and assist panel's script;
    ``back`` is the page it sits on, where its buttons return."""
    conv = conversation_queries.get_conversation(
        session, actor=user, conversation_id=conversation_id
    )
    found = suggest_for_conversation(session, conv)
    back = safe_next(back, f"/conversations/{conv.id}")
    context = {"found": found, "conv": conv, "highlighted": highlighted, "back": back}
    return render(request, "knowledge/suggestions.html", context)


@router.post("/manual/use")
def use_article(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    conversation_id: Annotated[int, Form()],
    article_id: Annotated[int, Form()],
    next: Annotated[str, Form()] = "",
) -> RedirectResponse:
    conversation_queries.get_conversation(session, actor=user, conversation_id=conversation_id)
    actions.record_use(session, actor=user, conversation_id=conversation_id, article_id=article_id)
    flash(request, "Noted: this conversation used that article.")
    return redirect(safe_next(next, f"/conversations/{conversation_id}"))


@router.get("/manual/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    article_id: IdPath,
    conversation_id: IdQuery | None = None,
) -> HTMLResponse:
    """One article; from a conversation's suggestions, its flag form names that conversation."""
    article = queries.get_article(session, actor=user, article_id=article_id)
    if conversation_id is not None and not visible_ids(session, user, [conversation_id]):
        conversation_id = None  # no "From conversation N" link the reader may not open
    moves = actions.moves(article)
    mined = actions.is_mined_draft(article)
    context = {
        "article": article,
        "resolution_html": render_markdown(article.resolution),
        "mined_draft": mined,
        # read only for a mined draft's note: every other article view skips the sentences
        "mined_answer": mined and actions.reviewed_part(article.resolution) == "answer",
        "moves": {s: role for s, role in moves.items() if role == "agent" or user.is_lead},
        "labels": STATUS_LABELS,
        "flag_kinds": FLAG_KINDS,
        "can_edit": queries.may_edit(user, article),
        "conversation_id": conversation_id,
        "readable": visible_ids(session, user, _linked_conversations(article)),
    }
    return render(request, "knowledge/article.html", context)


def _linked_conversations(article: Article) -> list[int]:
    """The conversations the article page would link to (its sources and flags)."""
    flagged = [f.conversation_id for f in article.flags if f.conversation_id is not None]
    return [s.conversation_id for s in article.sources] + flagged


@router.get("/manual/{article_id}/edit", response_class=HTMLResponse)
def edit_page(
    request: Request, session: SessionDep, user: CurrentUser, article_id: IdPath
) -> HTMLResponse:
    article = queries.editable_article(session, actor=user, article_id=article_id)
    return _article_form(request, session, user, article, _form_values(article))


@router.post("/manual/{article_id}/edit", response_model=None)
def edit(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    article_id: IdPath,
    fields: ArticleForm,
) -> HTMLResponse | RedirectResponse:
    stored = queries.editable_article(session, actor=user, article_id=article_id)
    try:
        article = actions.update_article(session, actor=user, article_id=article_id, fields=fields)
    except InvalidInput as exc:
        session.rollback()
        errors = field_errors(exc, "title")
        return _article_form(request, session, user, stored, _form_values(fields), None, errors)
    flash(request, "Saved.")
    return redirect(f"/manual/{article.id}")


@router.post("/manual/{article_id}/status")
def status(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    article_id: IdPath,
    status: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> RedirectResponse:
    queries.get_article(session, actor=user, article_id=article_id)
    article = actions.change_status(
        session, actor=user, article_id=article_id, status=status, note=note
    )
    flash(request, f"The article is now {article.status_label}.")
    return redirect(f"/manual/{article.id}")


@router.post("/manual/{article_id}/flag")
def flag(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    article_id: IdPath,
    kind: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    conversation_id: Annotated[int | None, Form()] = None,
) -> RedirectResponse:
    queries.get_article(session, actor=user, article_id=article_id)
    actions.flag_article(
        session,
        actor=user,
        article_id=article_id,
        kind=kind,
        note=note,
        conversation_id=conversation_id,
    )
    flash(request, "Thanks: a lead will look at this article.")
    back = f"/conversations/{conversation_id}" if conversation_id else f"/manual/{article_id}"
    return redirect(back)


@router.post("/manual/flags/{flag_id}/resolve")
def resolve(
    request: Request, session: SessionDep, user: CurrentUser, flag_id: IdPath
) -> RedirectResponse:
    require_lead(user)
    flag = actions.resolve_flag(session, actor=user, flag_id=flag_id)
    flash(request, "Flag resolved.")
    return redirect(f"/manual/{flag.article_id}")
