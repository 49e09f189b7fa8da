"""Morale pages: the Happy File, peer reviews, kudos rounds, balance, wall drafts, the wall."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from poise.auth.deps import CurrentUser, LeadUser, LoginRequired, current_user
from poise.auth.models import User
from poise.auth.permissions import leads_team
from poise.conversations.visibility import visible_ids
from poise.errors import InvalidInput, NotFound
from poise.morale import actions, queries
from poise.morale.feed import atom_feed
from poise.morale.models import HAPPY_KINDS, HappyItem, KudosRound
from poise.morale.permissions import may_run_round
from poise.morale.review_draft import review_draft
from poise.redaction import redact
from poise.settings import Settings
from poise.web import weeks as calendar
from poise.web.charts import paired_bars
from poise.web.csrf import verify_csrf
from poise.web.deps import (
    FormDep,
    SessionDep,
    SettingsDep,
    flash,
    redirect,
    render,
    render_form,
    safe_next,
)
from poise.web.forms import field_errors
from poise.web.params import (
    FlagQuery,
    IdPath,
    IdQuery,
    OnUnlessOffQuery,
    PageQuery,
    is_count,
    is_id,
)
from poise.web.weeks import chart_week

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
public = APIRouter(include_in_schema=False)

KIND_LABELS = {
    "rating": "Green robot",
    "message": "Thank-you message",
    "turnaround": "Turned around",
    "note": "Note",
    "screenshot": "Screenshot",
    "link": "Link",
}


def _nudges(session: SessionDep, user: User) -> dict[str, object]:
    """The tough-conversation nudge, its conversation linked only while the agent may open it."""
    nudges = queries.active_nudges(session, actor=user)
    readable = visible_ids(session, user, (n.conversation_id for n in nudges))
    return {"nudges": nudges, "nudge_readable": readable}


def _readable(session: Session, user: User, items: list[HappyItem]) -> set[int]:
    """The conversations behind these Happy File items that their owner may still open.

    Praise stays in the file for good, but a conversation can since have gone to another
    team's agent; a "See the conversation" link to it would only answer "another team's"."""
    return visible_ids(session, user, (i.conversation_id for i in items if i.conversation_id))


# --- Morale home and the Happy File ---------------------------------------------------------


@router.get("/morale", response_class=HTMLResponse)
def morale_home(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    context = {
        "picks": queries.pick_me_up(session, actor=user, count=1),
        # only the counts show here: one row a list is enough to have them
        "reviews": queries.my_reviews(session, actor=user, page_size=1),
        "kinds": KIND_LABELS,
        **_nudges(session, user),
    }
    return render(request, "morale/home.html", context)


@router.get("/morale/happy-file", response_class=HTMLResponse)
def happy_file_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    q: str = "",
    starred: FlagQuery = False,
    kind: str = "",
    page: PageQuery = 1,
) -> HTMLResponse:
    return _happy_file(request, session, settings, user, q, starred, kind, page)


def _happy_file(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    q: str = "",
    starred: bool = False,
    kind: str = "",
    page: int = 1,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    """The Happy File; after a refused addition, the words and link kept, the error beside."""
    if kind and kind not in HAPPY_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(HAPPY_KINDS)}, not {kind!r}")
    listing = queries.happy_file(
        session,
        actor=user,
        q=q.strip() or None,
        starred=starred,
        kind=kind or None,
        page=page,
        page_size=settings.page_size,
    )
    kept = {k: v for k, v in request.query_params.items() if k != "page" and v}
    context = {
        "listing": listing,
        "q": q,
        "starred": starred,
        "kind": kind,
        "kinds": KIND_LABELS,
        "base_query": urlencode(kept),
        "filtered": bool(kept),
        "readable": _readable(session, user, listing.items),
        "form": form or {},
    }
    return render_form(request, "morale/happy_file.html", context, errors)


@router.get("/morale/happy-file/pick-me-up", response_class=HTMLResponse)
def pick_me_up_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    picks = queries.pick_me_up(session, actor=user)
    context = {"picks": picks, "kinds": KIND_LABELS, "readable": _readable(session, user, picks)}
    return render(request, "morale/pick_me_up.html", context)


@router.post("/morale/happy-file", response_model=None)
def add_happy_item(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    text: Annotated[str, Form()] = "",
    link: Annotated[str, Form()] = "",
    screenshot: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse | RedirectResponse:
    try:
        if screenshot is not None and screenshot.filename:
            data = screenshot.file.read(actions.MAX_SCREENSHOT_BYTES + 1)  # on the thread pool
            actions.add_happy_screenshot(
                session,
                actor=user,
                data=data,
                caption=text,
                data_dir=settings.data_dir,
                link=link,
            )
        else:
            actions.add_happy_note(session, actor=user, text=text, link=link)
    except InvalidInput as exc:
        session.rollback()
        form = {"text": text, "link": link}
        errors = field_errors(exc, "text")
        return _happy_file(request, session, settings, user, errors=errors, form=form)
    flash(request, "Kept in your Happy File.")
    return redirect("/morale/happy-file")


@router.post("/morale/happy-file/collect")
def collect_my_praise(request: Request, session: SessionDep, user: CurrentUser) -> RedirectResponse:
    """Look for praise now (imports do it after scoring; webhook turns wait for this or the next).

    A page view never writes, so collecting is this explicit request.
    """
    counts = actions.collect_happy_items(session, owner_id=user.id)
    found = counts.ratings + counts.messages + counts.turnarounds
    flash(request, f"{found:,} new in your Happy File." if found else "Nothing new to add yet.")
    return redirect("/morale/happy-file")


@router.post("/morale/happy-file/{item_id}/star")
def star_item(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    item_id: IdPath,
    next: Annotated[str, Form()] = "/morale/happy-file",
) -> RedirectResponse:
    actions.toggle_star(session, actor=user, item_id=item_id)
    return redirect(safe_next(next, "/morale/happy-file"))


@router.post("/morale/happy-file/{item_id}/delete")
def delete_item(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser, item_id: IdPath
) -> RedirectResponse:
    actions.delete_happy_item(session, actor=user, item_id=item_id, data_dir=settings.data_dir)
    flash(request, "Removed from your Happy File.")
    return redirect("/morale/happy-file")


@router.get("/morale/happy-file/{item_id}/screenshot")
def screenshot_file(
    session: SessionDep, settings: SettingsDep, user: CurrentUser, item_id: IdPath
) -> FileResponse:
    item = queries.happy_item(session, actor=user, item_id=item_id)
    if not item.image_path or not item.image_type:
        raise NotFound("this item has no screenshot")
    path = settings.data_dir / item.image_path
    if not path.is_file():
        raise NotFound("the screenshot file is missing from the data directory")
    return FileResponse(path, media_type=item.image_type, headers={"Cache-Control": "private"})


@router.post("/morale/nudges/dismiss")
def dismiss(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    next: Annotated[str, Form()] = "/morale",
) -> RedirectResponse:
    """Not now, or the pick-me-up opened from the nudge: either way it has done its job."""
    actions.dismiss_nudges(session, actor=user)
    return redirect(safe_next(next, "/morale"))


# --- Peer reviews ---------------------------------------------------------------------------


@router.get("/morale/reviews", response_class=HTMLResponse)
def reviews_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    to_do: PageQuery = 1,
    received: PageQuery = 1,
    given: PageQuery = 1,
    team: PageQuery = 1,
    q: str = "",
) -> HTMLResponse:
    """The review lists (a lead's also the team's), each paged on its own; each pager keeps
    the others' pages. The picker of a conversation to review offers the newest, and ``q``
    searches for older ones."""
    pages = {"to_do": to_do, "received": received, "given": given, "team": team}
    return _reviews_page(request, session, settings, user, pages, q)


def _reviews_page(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    pages: dict[str, int],
    q: str = "",
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    """The reviews page; after a refused start, the picks kept and the reason beside the
    field to change (400)."""
    reviews = queries.my_reviews(session, actor=user, pages=pages, page_size=settings.page_size)
    context = {
        "form": form or {},
        "reviews": reviews,
        "others": {name: _other_pages(pages, name, q) for name in queries.REVIEW_LISTS},
        "list_pages": {name: page for name, page in pages.items() if page > 1},
        "conversations": queries.reviewable_conversations(session, actor=user, text=q),
        "q": q,
        "scorecards": queries.scorecards_for(session, actor=user),
        "teammates": [m for m in (user.team.members if user.team else []) if m.id != user.id],
        **_nudges(session, user),
    }
    return render_form(request, "morale/reviews.html", context, errors)


def _other_pages(pages: dict[str, int], name: str, q: str) -> str:
    """The query string that keeps every other list at its page, and the picker's search,
    while ``name``'s pages."""
    kept: dict[str, str | int] = {o: p for o, p in pages.items() if o != name and p > 1}
    return urlencode({**kept, **({"q": q} if q else {})})


def _int(value: str, name: str) -> int:
    if not is_id(value.strip()):
        raise InvalidInput(f"choose a {name}", field=f"{name}_id")
    return int(value)


@router.post("/morale/reviews", response_model=None)
def start_review(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    conversation_id: Annotated[str, Form()] = "",
    scorecard_id: Annotated[str, Form()] = "",
    reviewer_id: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    reviewer = None
    try:
        if reviewer_id:
            reviewer = session.get(User, _int(reviewer_id, "reviewer"))
            if reviewer is None:
                raise NotFound("no such reviewer")
        review = actions.start_review(
            session,
            actor=user,
            conversation_id=_int(conversation_id, "conversation"),
            scorecard_id=_int(scorecard_id, "scorecard"),
            reviewer=reviewer,
        )
    except InvalidInput as exc:
        session.rollback()
        picks = {
            "conversation_id": conversation_id,
            "scorecard_id": scorecard_id,
            "reviewer_id": reviewer_id,
        }
        errors = field_errors(exc, "conversation_id")
        pages = dict.fromkeys(queries.REVIEW_LISTS, 1)
        return _reviews_page(request, session, settings, user, pages, "", errors, picks)
    if reviewer is not None and reviewer.id != user.id:
        flash(request, f"Assigned to {reviewer.name}.")
        return redirect("/morale/reviews")
    return redirect(f"/morale/reviews/{review.id}")


@router.get("/morale/reviews/calibration", response_class=HTMLResponse)
def calibration_page(
    request: Request, session: SessionDep, user: LeadUser, team: IdQuery | None = None
) -> HTMLResponse:
    team_id = team if team is not None else user.team_id
    teams = queries.kudos_teams(session, actor=user)
    if team_id is None and user.is_admin:  # an admin in no team chooses one: the reviews of
        # "no team" read as "no conversation has two reviews yet" under another team's name
        choice = {"heading": "Calibration", "teams": teams, "path": "/morale/reviews/calibration"}
        return render(request, "choose_team.html", choice)
    result = queries.calibration(session, actor=user, team_id=team_id)
    context = {"calibration": result, "team_id": team_id, "teams": teams}
    return render(request, "morale/calibration.html", context)


@router.get("/morale/reviews/{review_id}", response_class=HTMLResponse)
def review_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    review_id: IdPath,
    draft: OnUnlessOffQuery = True,
) -> HTMLResponse:
    """The review; a form not yet sent starts from AutoQA's first draft unless ``draft=0``."""
    return _review_page(request, session, user, review_id, drafted=draft)


def _review_page(
    request: Request,
    session: Session,
    user: User,
    review_id: int,
    errors: dict[str, str] | None = None,
    form: dict[str, object] | None = None,
    *,
    drafted: bool = False,
) -> HTMLResponse:
    """The review; after a refused submission, the ratings and words kept, the error beside
    (what the reviewer typed, never the draft again: they may have cleared it on purpose)."""
    review = queries.peer_review(session, actor=user, review_id=review_id)
    scores = {s.category_id: s.value for s in review.scores}
    writing = review.status == "assigned" and review.reviewer_id == user.id
    draft = review_draft(session, review) if writing and drafted and form is None else None
    if draft is not None:
        form = {"strengths": draft.strengths, "try_next": draft.try_next}
    context = {
        "review": review,
        "scores": scores,
        "form": form or {},
        "draft": draft,
        # a conversation moved to another team since stays named, but not linked to a 403
        "readable": visible_ids(session, user, [review.conversation_id]),
    }
    return render_form(request, "morale/review.html", context, errors)


@router.post("/morale/reviews/{review_id}/submit", response_model=None)
def submit_review(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    form: FormDep,
    review_id: IdPath,
    strengths: Annotated[str, Form()] = "",
    try_next: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    scores = {
        int(key[6:]): int(str(value))
        for key, value in form.items()
        if key.startswith("score_") and is_id(key[6:]) and is_count(str(value))
    }
    try:
        actions.submit_review(
            session,
            actor=user,
            review_id=review_id,
            scores=scores,
            strengths=strengths,
            try_next=try_next,
        )
    except InvalidInput as exc:
        session.rollback()
        typed: dict[str, object] = {
            "scores": scores,
            "strengths": strengths,
            "try_next": try_next,
        }
        return _review_page(request, session, user, review_id, field_errors(exc), typed)
    flash(request, "Thank you: your review is with your teammate.")
    return redirect(f"/morale/reviews/{review_id}")


@router.post("/morale/reviews/{review_id}/acknowledge", response_model=None)
def acknowledge_review(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    review_id: IdPath,
    reply: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """The reviewee acknowledges; a refused reply shows the review again, the words kept."""
    try:
        actions.acknowledge_review(session, actor=user, review_id=review_id, reply=reply)
    except InvalidInput as exc:
        session.rollback()
        errors = field_errors(exc, "reply")
        return _review_page(request, session, user, review_id, errors, {"reply": reply})
    flash(request, "Acknowledged.")
    return redirect(f"/morale/reviews/{review_id}")


@router.get("/morale/scorecards", response_class=HTMLResponse)
def scorecards_page(request: Request, session: SessionDep, user: LeadUser) -> HTMLResponse:
    return _scorecards(request, session, user)


def _scorecards(
    request: Request,
    session: Session,
    user: User,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    """The scorecards in use (each the user may retire with its button), the retired ones
    they may bring back, and the new one's form, kept as typed after a refusal (400)."""
    in_use = queries.scorecards_for(session, actor=user)
    context = {
        "scorecards": in_use,
        "retirable": {card.id for card in in_use if leads_team(user, card.team_id)},
        "retired": queries.retired_scorecards(session, actor=user),
        "form": form or {},
    }
    return render_form(request, "morale/scorecards.html", context, errors)


@router.post("/morale/scorecards", response_model=None)
def create_scorecard(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    name: Annotated[str, Form()] = "",
    categories: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        listed = actions.scorecard_categories(session, actor=user, name=name, text=categories)
        card = actions.create_scorecard(session, actor=user, name=name, categories=listed)
    except InvalidInput as exc:
        session.rollback()
        form = {"name": name, "categories": categories}
        return _scorecards(request, session, user, field_errors(exc, "categories"), form)
    flash(request, f"Scorecard {card.name} is ready for peer reviews.")
    return redirect("/morale/scorecards")


@router.post("/morale/scorecards/{scorecard_id}/retire")
def retire_scorecard(
    request: Request, session: SessionDep, user: LeadUser, scorecard_id: IdPath
) -> RedirectResponse:
    card = actions.set_scorecard_retired(
        session, actor=user, scorecard_id=scorecard_id, retired=True
    )
    flash(request, f"Scorecard {card.name} is retired: its reviews stay, new ones cannot use it.")
    return redirect("/morale/scorecards")


@router.post("/morale/scorecards/{scorecard_id}/restore", response_model=None)
def restore_scorecard(
    request: Request, session: SessionDep, user: LeadUser, scorecard_id: IdPath
) -> HTMLResponse | RedirectResponse:
    """Bring a retired scorecard back; one whose name is taken meanwhile is refused (400),
    the reason shown beside the retired list."""
    try:
        card = actions.set_scorecard_retired(
            session, actor=user, scorecard_id=scorecard_id, retired=False
        )
    except InvalidInput as exc:
        session.rollback()
        return _scorecards(request, session, user, {"retired": str(exc)})
    flash(request, f"Scorecard {card.name} is back in use for peer reviews.")
    return redirect("/morale/scorecards")


# --- Kudos rounds ---------------------------------------------------------------------------


@router.get("/morale/kudos", response_class=HTMLResponse)
def kudos_page(
    request: Request, session: SessionDep, user: CurrentUser, month: str = ""
) -> HTMLResponse:
    """The team's rounds; the round offered covers the previous calendar month by default,
    or the month chosen (``?month=2026-10``). A month that is malformed or has not begun is
    said beside the field, with what was typed kept, and the default month shown meanwhile."""
    errors: dict[str, str] = {}
    if month:
        try:
            actions.check_round_month(month)
        except InvalidInput as exc:
            errors = field_errors(exc, "month")
    return _kudos_page(request, session, user, month, errors)


def _kudos_page(
    request: Request, session: Session, user: User, typed: str, errors: dict[str, str]
) -> HTMLResponse:
    month = queries.previous_month() if errors or not typed else typed
    teams = [
        {
            "team": team,
            "collector": actions.rotating_collector(team, month),
            "rounds": queries.rounds_of_team(session, actor=user, team_id=team.id),
            "leads": leads_team(user, team.id),
        }
        for team in queries.kudos_teams(session, actor=user)
    ]
    context = {
        "teams": teams,
        "month": month,
        "typed": typed or month,
        "label": KudosRound(month=month).label,
        "errors": errors,
        **_nudges(session, user),
    }
    return render_form(request, "morale/kudos.html", context, errors)


@router.post("/morale/kudos/prepare", response_model=None)
def prepare_round(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    team_id: Annotated[int, Form()],
    month: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        found = actions.prepare_round(session, actor=user, team_id=team_id, month=month)
    except InvalidInput as exc:
        session.rollback()
        return _kudos_page(request, session, user, month, field_errors(exc, "month"))
    return redirect(f"/morale/kudos/{found.id}")


@router.get("/morale/kudos/{round_id}", response_class=HTMLResponse)
def round_page(
    request: Request, session: SessionDep, user: CurrentUser, round_id: IdPath
) -> HTMLResponse:
    return _round_page(request, session, user, round_id)


def _round_page(
    request: Request,
    session: Session,
    user: User,
    round_id: int,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> HTMLResponse:
    """A round: its board while it is prepared (after a refused publish, with each error
    beside its box and every choice and word as typed), its cards once published."""
    found = queries.kudos_round(session, actor=user, round_id=round_id)
    board = None
    if found.status == "preparing":
        board = queries.kudos_board(session, actor=user, round_id=round_id)
    context = {
        "round": found,
        "board": board,
        "may_run": may_run_round(user, found),
        "leads": leads_team(user, found.team_id),
        "names": {m.id: m.name for m in found.team.members},
        "typed": typed or {},
    }
    return render_form(request, "morale/round.html", context, errors)


@router.post("/morale/kudos/{round_id}/collector")
def change_collector(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    round_id: IdPath,
    collector_id: Annotated[int, Form()],
) -> RedirectResponse:
    found = actions.change_collector(
        session, actor=user, round_id=round_id, collector_id=collector_id
    )
    flash(request, f"{found.collector.name if found.collector else 'Nobody'} collects this round.")
    return redirect(f"/morale/kudos/{round_id}")


@router.post("/morale/kudos/{round_id}/publish", response_model=None)
def publish_round(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    form: FormDep,
    round_id: IdPath,
    note: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    board = queries.kudos_board(session, actor=user, round_id=round_id)
    picks = [_pick(line, str(form.get(f"choice_{line.member.id}", "")), form) for line in board]
    try:
        actions.publish_round(session, actor=user, round_id=round_id, picks=picks, note=note)
    except InvalidInput as exc:
        session.rollback()
        typed = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        return _round_page(request, session, user, round_id, field_errors(exc), typed)
    flash(request, "Published to the team. Thank you for collecting!")
    return redirect(f"/morale/kudos/{round_id}")


QUIETER = "none"
"""The choice that publishes no words for a member (their card says it was a quieter month)."""


def _pick(line: queries.MemberBoard, choice: str, form: FormData) -> actions.PickInput:
    """The collector's choice for one member: a listed comment, their own words, or none."""
    custom = str(form.get(f"custom_{line.member.id}", "")).strip()
    if choice == "custom" or (custom and not choice):
        return actions.PickInput(line.member.id, custom, None, line.green_robots, own_words=True)
    if choice == QUIETER:
        return actions.PickInput(line.member.id, "", None, line.green_robots)
    chosen = next((c for c in line.comments if c.source_key == choice), line.proposed)
    text = chosen.text if chosen else ""
    key = chosen.source_key if chosen else None
    return actions.PickInput(line.member.id, text, key, line.green_robots)


# --- Balance --------------------------------------------------------------------------------


@router.get("/morale/balance", response_class=HTMLResponse)
def balance_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    result = queries.my_balance(session, actor=user, until=calendar.clock(), kept=_kept(request))
    context = {
        "balance": result.balance,
        "chart": _chart(result.balance),
        "scope": "you",
        "counted_at": result.counted_at,
        **_nudges(session, user),
    }
    return render(request, "morale/balance.html", context)


def _kept(request: Request) -> queries.KeptWeeks | None:
    """The weeks the face wired (the insights rollup's), if it wired any."""
    kept: queries.KeptWeeks | None = getattr(request.app.state, "kept_weeks", None)
    return kept


@router.get("/morale/balance/team", response_class=HTMLResponse)
def team_balance_page(
    request: Request, session: SessionDep, user: LeadUser, team: IdQuery | None = None
) -> HTMLResponse:
    team_id = team if team is not None else user.team_id
    teams = queries.kudos_teams(session, actor=user)
    if team_id is None:  # an admin in no team chooses one rather than meeting a 400
        choice = {"heading": "Balance · team", "teams": teams, "path": "/morale/balance/team"}
        return render(request, "choose_team.html", choice)
    # the weeks end on the clock's, as their labels (chart_week, week_label) read it
    result = queries.team_balance(
        session, actor=user, team_id=team_id, until=calendar.clock(), kept=_kept(request)
    )
    context = {
        "balance": result.balance,
        "chart": _chart(result.balance),
        "scope": "team",
        "teams": teams,
        "team_id": team_id,
        "counted_at": result.counted_at,
    }
    return render(request, "morale/balance.html", context)


def _chart(result: queries.Balance) -> Markup:
    return paired_bars(
        [chart_week(w) for w in result.weeks],
        result.negativity,
        result.praise,
        ("negative turns absorbed", "praise received"),
        "Negativity absorbed and praise received, week by week",
    )


# --- Wall drafts (leads) --------------------------------------------------------------------


@router.get("/morale/wall", response_class=HTMLResponse)
def wall_drafts(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: LeadUser,
    page: PageQuery = 1,
) -> HTMLResponse:
    return _wall_drafts(request, session, settings, user, page=page)


def _wall_drafts(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    errors: dict[str, str] | None = None,
    form: dict[str, object] | None = None,
    page: int = 1,
) -> HTMLResponse:
    """The drafts page; after a refused hug, with the error beside its field and what the
    lead typed still in the form."""
    drafts = queries.hug_drafts(session, actor=user, page=page, page_size=settings.page_size)
    context = {"drafts": drafts, "form": form or {}}
    return render_form(request, "morale/wall_drafts.html", context, errors)


@router.post("/morale/wall", response_model=None)
def create_hug(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: LeadUser,
    text: Annotated[str, Form()] = "",
    tags: Annotated[str, Form()] = "",
    consent: Annotated[bool, Form()] = False,
) -> HTMLResponse | RedirectResponse:
    try:
        hug = actions.draft_hug(session, actor=user, text=text, tags=tags, consent=consent)
    except InvalidInput as exc:
        session.rollback()
        typed = {"text": text, "tags": tags, "consent": consent}
        errors = field_errors(exc, "text")
        return _wall_drafts(request, session, settings, user, errors, typed)
    return redirect(f"/morale/wall/{hug.id}")


@router.get("/morale/wall/{hug_id}", response_class=HTMLResponse)
def review_hug(
    request: Request, session: SessionDep, user: LeadUser, hug_id: IdPath
) -> HTMLResponse:
    return _review_hug(request, session, user, hug_id)


def _review_hug(
    request: Request,
    session: Session,
    user: User,
    hug_id: int,
    errors: dict[str, str] | None = None,
    form: dict[str, object] | None = None,
) -> HTMLResponse:
    """A draft hug's review; after a refused revision, with the error and the typed text."""
    hug = queries.hug_draft(session, actor=user, hug_id=hug_id)
    highlighted = redact(hug.original_text, staff=actions.staff_names(session)).segments()
    context = {"hug": hug, "segments": highlighted, "form": form}
    return render_form(request, "morale/wall_review.html", context, errors)


@router.post("/morale/wall/{hug_id}", response_model=None)
def revise_hug(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    hug_id: IdPath,
    text: Annotated[str, Form()] = "",
    tags: Annotated[str, Form()] = "",
    consent: Annotated[bool, Form()] = False,
) -> HTMLResponse | RedirectResponse:
    try:
        actions.revise_hug(
            session, actor=user, hug_id=hug_id, text=text, tags=tags, consent=consent
        )
    except InvalidInput as exc:
        session.rollback()
        typed = {"text": text, "tags": tags, "consent": consent}
        return _review_hug(request, session, user, hug_id, field_errors(exc, "text"), typed)
    flash(request, "Saved. Check the text once more, then publish.")
    return redirect(f"/morale/wall/{hug_id}")


@router.post("/morale/wall/{hug_id}/publish")
def publish_hug(
    request: Request, session: SessionDep, user: LeadUser, hug_id: IdPath
) -> RedirectResponse:
    actions.publish_hug(session, actor=user, hug_id=hug_id)
    flash(request, "On the wall. Thank you for sharing the love.")
    return redirect("/wall")


# --- The public wall ------------------------------------------------------------------------


def _visitor(request: Request, session: SessionDep) -> User | None:
    """Anyone may read the wall; a signed-in visitor still gets their navigation."""
    try:
        return current_user(request, session)
    except LoginRequired:
        return None


Visitor = Annotated[User | None, Depends(_visitor)]


@public.get("/wall", response_class=HTMLResponse)
def wall_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    visitor: Visitor,
    tag: str = "",
    page: PageQuery = 1,
) -> HTMLResponse:
    listing = queries.wall(session, tag=tag or None, page=page, page_size=settings.page_size)
    context = {
        "listing": listing,
        "tag": tag,
        "tags": queries.wall_tags(session, page=1, page_size=queries.WALL_TAGS_SHOWN),
        "base_query": urlencode({"tag": tag}) if tag else "",
    }
    return render(request, "morale/wall.html", context)


@public.get("/wall/tags", response_class=HTMLResponse)
def wall_tags_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    visitor: Visitor,
    page: PageQuery = 1,
) -> HTMLResponse:
    """Every tag on the wall, most used first, for the tags the wall's header has no room for."""
    tags = queries.wall_tags(session, page=page, page_size=settings.page_size)
    return render(request, "morale/wall_tags.html", {"tags": tags})


@public.get("/wall/feed.atom")
def wall_feed(session: SessionDep, settings: SettingsDep, tag: str = "") -> Response:
    """The wall's feed, linking to POISE_BASE_URL: never to the request's Host header, which
    any visitor names, so a cache in front of Poise could keep a feed leading elsewhere."""
    listing = queries.wall(session, tag=tag or None, page=1, page_size=50)
    body = atom_feed(listing.items, base_url=settings.base_url, tag=tag or None)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@public.get("/wall/{hug_id}", response_class=HTMLResponse)
def wall_hug(
    request: Request, session: SessionDep, visitor: Visitor, hug_id: IdPath
) -> HTMLResponse:
    hug = queries.published_hug(session, hug_id=hug_id)
    return render(request, "morale/wall_hug.html", {"hug": hug})
