"""Training pages: Today, the lessons, authoring and assigning (leads), quizzes and results."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from poise import words
from poise.auth.deps import CurrentUser, LeadUser
from poise.auth.models import User
from poise.conversations.visibility import visible_ids
from poise.errors import InvalidInput
from poise.knowledge.text import clip, render_markdown
from poise.signals.purpose import state_purpose
from poise.training import actions, queries
from poise.training.feedback import verdicts_from
from poise.training.models import PASS_MARK, Assignment, Lesson
from poise.training.quiz import Graded, quiz_text
from poise.web.csrf import verify_csrf
from poise.web.deps import FormDep, SessionDep, SettingsDep, flash, redirect, render, render_form
from poise.web.forms import field_errors
from poise.web.params import IdPath, PageQuery, is_count, is_id

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

QUIZ_HELP = (
    "One question per block. '? question', then '* right choice' and '- wrong choice' lines "
    "(at least one of each; two or more '*' make it multiple choice), or '= model answer' "
    "for a free-text question."
)


@router.get("/training", response_class=HTMLResponse)
def today_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    comments: PageQuery = 1,
) -> HTMLResponse:
    """What is due today, and the new comments on the reader's practice, paged on their own
    (``comments``)."""
    unread = queries.unread_comments(
        session, actor=user, page=comments, page_size=settings.page_size
    )
    today = queries.today(session, actor=user)
    context = {
        "today": today,
        "next_review": None if today.reviews else queries.next_review(session, actor=user),
        "comments": unread,
        "no_lessons": not today.assignments and not queries.any_lessons(session),
    }
    return render(request, "training/today.html", context)


@router.get("/training/lessons", response_class=HTMLResponse)
def lessons_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    page: PageQuery = 1,
) -> HTMLResponse:
    listing = queries.lessons(session, actor=user, page=page, page_size=settings.page_size)
    return render(request, "training/lessons.html", {"listing": listing})


@router.post("/training/lessons/starter")
def load_starter(request: Request, session: SessionDep, user: LeadUser) -> RedirectResponse:
    added = actions.load_starter_course(session, actor=user)
    flash(
        request,
        f"Loaded {added} starter lesson{'' if added == 1 else 's'}."
        if added
        else "The starter course is already here.",
    )
    return redirect("/training/lessons")


def _lesson_form(
    request: Request,
    lesson: Lesson | None,
    title: str,
    body: str,
    quiz: str,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    """The lesson editor with what was typed, and any refusal beside its field (400)."""
    context = {
        "lesson": lesson,
        "title": title,
        "body": body,
        "quiz": quiz,
        "help": QUIZ_HELP,
    }
    return render_form(request, "training/edit.html", context, errors)


@router.get("/training/lessons/new", response_class=HTMLResponse)
def new_lesson_page(request: Request, user: LeadUser) -> HTMLResponse:
    return _lesson_form(request, None, "", "", "")


@router.post("/training/lessons", response_model=None)
def create_lesson(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    quiz: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        lesson = actions.create_lesson(session, actor=user, title=title, body=body, quiz=quiz)
    except InvalidInput as exc:
        session.rollback()
        return _lesson_form(request, None, title, body, quiz, field_errors(exc, "quiz"))
    flash(request, "Lesson written: version 1.")
    return redirect(f"/training/lessons/{lesson.id}")


@router.get("/training/lessons/{lesson_id}", response_class=HTMLResponse)
def lesson_page(
    request: Request, session: SessionDep, user: CurrentUser, lesson_id: IdPath
) -> HTMLResponse:
    return _lesson_page(request, session, user, lesson_id)


def _lesson_page(
    request: Request,
    session: Session,
    user: User,
    lesson_id: int,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    answers: dict[str, list[Any]] | None = None,
) -> HTMLResponse:
    """The lesson; after a refused assignment or quiz, with what was chosen or answered kept
    and the error beside it."""
    lesson = queries.lesson(session, actor=user, lesson_id=lesson_id)
    context: dict[str, Any] = {
        "lesson": lesson,
        "shown": lesson.current,
        "body": render_markdown(lesson.current.body),
        "attempts": queries.my_attempts(session, actor=user, lesson_id=lesson.id),
        "pass_mark": PASS_MARK,
        "form": form or {},
        "answers": answers or {},
    }
    if user.is_lead:
        context["people"], context["teams"] = queries.assignable(session, actor=user)
        today = datetime.now(UTC).date()
        context["due_range"] = (today, today + timedelta(days=MAX_DUE_DAYS))
    return render_form(request, "training/lesson.html", context, errors)


@router.get("/training/lessons/{lesson_id}/edit", response_class=HTMLResponse)
def edit_lesson_page(
    request: Request, session: SessionDep, user: LeadUser, lesson_id: IdPath
) -> HTMLResponse:
    lesson = queries.lesson(session, actor=user, lesson_id=lesson_id)
    current = lesson.current
    return _lesson_form(request, lesson, current.title, current.body, quiz_text(current.quiz))


@router.post("/training/lessons/{lesson_id}/edit", response_model=None)
def edit_lesson(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    lesson_id: IdPath,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    quiz: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        version = actions.edit_lesson(
            session, actor=user, lesson_id=lesson_id, title=title, body=body, quiz=quiz
        )
    except InvalidInput as exc:
        session.rollback()
        lesson = queries.lesson(session, actor=user, lesson_id=lesson_id)
        return _lesson_form(request, lesson, title, body, quiz, field_errors(exc, "quiz"))
    flash(request, f"Saved as version {version.number}.")
    return redirect(f"/training/lessons/{lesson_id}")


MAX_DUE_DAYS = 366  # an assignment is due within a year


def _due(value: str) -> datetime:
    """The end of the chosen day's work (17:00 UTC); a day already gone is refused, since the
    assignment would be overdue the moment it is made, and so is a day more than a year away:
    a mistyped year (2207, 9999) sank the lesson to the bottom of Today, never due."""
    if not value.strip():
        raise InvalidInput("choose a due date", field="due")
    try:
        day = datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput("give the due date as YYYY-MM-DD", field="due") from None
    today = datetime.now(UTC).date()
    if day < today:
        raise InvalidInput(f"{day} has passed: choose today or a later day", field="due")
    if day > today + timedelta(days=MAX_DUE_DAYS):
        raise InvalidInput(
            f"{day} is more than a year away: check the year, or choose a day within a year",
            field="due",
        )
    return datetime.combine(day, time(17, 0), tzinfo=UTC)


def _target(value: str) -> dict[str, int]:
    kind, _, ident = value.partition(":")
    if kind not in {"user", "team"} or not is_id(ident):
        raise InvalidInput("choose an agent or a team", field="target")
    return {f"{kind}_id": int(ident)}


@router.post("/training/lessons/{lesson_id}/assign", response_model=None)
def assign_lesson(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    lesson_id: IdPath,
    target: Annotated[str, Form()] = "",
    due: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        made = actions.assign_lesson(
            session, actor=user, lesson_id=lesson_id, due_at=_due(due), **_target(target)
        )
    except InvalidInput as exc:
        session.rollback()
        form = {"target": target, "due": due}
        errors = field_errors(exc, "target")
        return _lesson_page(request, session, user, lesson_id, errors, form)
    flash(request, _assigned_message(made))
    return redirect(f"/training/lessons/{lesson_id}")


def _assigned_message(made: list[Assignment]) -> str:
    """How many now have the lesson to do, and who had passed it already: they keep it done,
    so counting them as assigned told the lead they would take it again."""
    open_ = [a for a in made if a.completed_at is None]
    done = [a.user.name for a in made if a.completed_at is not None]
    people = "person" if len(open_) == 1 else "people"
    message = f"Assigned to {len(open_)} {people}." if open_ else "Nobody new to assign."
    if done:
        names = ", ".join(done[:5]) + (f" and {len(done) - 5} more" if len(done) > 5 else "")
        message += f" Already passed, so left done: {names}."
    return message


def _answers(form: FormData, lesson: Lesson) -> list[str | list[int]]:
    """The form's answers, question by question; a choice that is not a number (``-1``,
    ``abc``) is refused beside its question like one out of range, not dropped and graded as
    no answer."""
    answers: list[str | list[int]] = []
    for index, question in enumerate(lesson.current.quiz):
        name = f"q{index}"
        if question["kind"] == "text":
            answers.append(str(form.get(name, "")))
            continue
        picked = [str(v) for v in form.getlist(name)]
        malformed = [v for v in picked if not is_count(v)]
        if malformed:
            raise actions.unknown_choice(question, index, repr(clip(malformed[0], 40)))
        answers.append([int(v) for v in picked])
    return answers


@router.post("/training/lessons/{lesson_id}/attempts", response_model=None)
def take_quiz(
    request: Request, session: SessionDep, user: CurrentUser, form: FormDep, lesson_id: IdPath
) -> HTMLResponse | RedirectResponse:
    lesson = queries.lesson(session, actor=user, lesson_id=lesson_id)
    version = str(form.get("version", ""))
    try:
        result = actions.submit_quiz(
            session,
            actor=user,
            lesson_id=lesson.id,
            answers=_answers(form, lesson),
            version_number=int(version) if is_count(version) else None,
        )
    except InvalidInput as exc:  # e.g. edited while they answered: show it, answers kept
        session.rollback()
        kept = {key: form.getlist(key) for key in form if key.startswith("q")}
        return _lesson_page(
            request, session, user, lesson_id, field_errors(exc, "quiz"), answers=kept
        )
    return redirect(f"/training/attempts/{result.attempt.id}")


@router.get("/training/attempts/{attempt_id}", response_class=HTMLResponse)
def attempt_page(
    request: Request, session: SessionDep, user: CurrentUser, attempt_id: IdPath
) -> HTMLResponse:
    attempt, graded = queries.attempt(session, actor=user, attempt_id=attempt_id)
    card = queries.review_card(session, actor=user, lesson_id=attempt.lesson_id)
    marks: list[Graded | None] = (
        list(graded) if graded is not None else [None] * len(attempt.answers)
    )
    context = {
        "attempt": attempt,
        "marked": graded is not None,
        "card": card,
        "pairs": list(zip(attempt.version.quiz, marks, attempt.answers, strict=True)),
    }
    return render(request, "training/attempt.html", context)


@router.get("/training/progress", response_class=HTMLResponse)
def progress_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: LeadUser,
    team: str = "",
    page: PageQuery = 1,
    lessons: PageQuery = 1,
) -> HTMLResponse:
    """Progress opens on the caller's own team; ``team=all`` shows every team to an admin and
    a lead their own (the only one they read). Another team's id is answered as missing.
    "By lesson" (``lessons``) and every assignment (``page``) page on their own, each list's
    links keeping the team and the other list's page."""
    if team and team != "all" and not is_id(team):
        raise InvalidInput(f"team must be a team id or all, not {team!r}", field="team")
    wanted = user.team_id if not team else None if team == "all" else int(team)
    shown = queries.progress_team(session, actor=user, team_id=wanted)
    chosen = shown.id if shown is not None else None
    listing = queries.progress(
        session, actor=user, team_id=chosen, page=page, page_size=settings.page_size
    )
    by_lesson = queries.progress_by_lesson(session, actor=user, team_id=chosen, page=lessons)
    team_query = {"team": "all" if chosen is None else chosen}
    context = {
        "listing": listing,
        "lessons": by_lesson,
        "teams": queries.teams(session, actor=user),
        "team_id": chosen,
        "team_name": shown.name if shown is not None else None,
        "base_query": urlencode({**team_query, "lessons": by_lesson.page}),
        "lessons_query": urlencode({**team_query, "page": listing.page}),
    }
    return render(request, "training/progress.html", context)


# --- Practice -------------------------------------------------------------------------------


@router.get("/training/practice", response_class=HTMLResponse)
def practice_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    page: PageQuery = 1,
    replies: PageQuery = 1,
) -> HTMLResponse:
    size = settings.page_size
    return _practice_page(request, session, user, page=page, replies=replies, page_size=size)


def _practice_page(
    request: Request,
    session: Session,
    user: User,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    page: int = 1,
    replies: int = 1,
    page_size: int = 50,
) -> HTMLResponse:
    """Scenarios and the reader's replies, each list paged on its own (``page``,
    ``replies``); after a refused scenario, the lead's text kept."""
    context = {
        "scenarios": queries.scenarios(session, actor=user, page=page, page_size=page_size),
        "history": queries.my_practice(session, actor=user, page=replies, page_size=page_size),
        "trend": queries.practice_trend(session, actor=user),
        "threshold": actions.HARD_MESSAGE,
        "form": form or {},
    }
    return render_form(request, "training/practice.html", context, errors)


@router.post("/training/practice/draw")
def draw_scenarios(request: Request, session: SessionDep, user: LeadUser) -> RedirectResponse:
    added = actions.draw_scenarios(session, actor=user)
    flash(
        request,
        f"Added {words.counted(added, 'scenario')} from the archive."
        if added
        else f"No new customer messages {actions.HARD_MESSAGE:.0%} or more likely negative.",
    )
    return redirect("/training/practice")


@router.post("/training/practice/scenarios", response_model=None)
def create_scenario(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    title: Annotated[str, Form()] = "",
    customer_text: Annotated[str, Form()] = "",
    model_answer: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        scenario = actions.create_scenario(
            session,
            actor=user,
            title=title,
            customer_text=customer_text,
            model_answer=model_answer,
        )
    except InvalidInput as exc:
        session.rollback()
        typed = {"title": title, "customer_text": customer_text, "model_answer": model_answer}
        return _practice_page(request, session, user, field_errors(exc, "title"), typed)
    flash(request, "Scenario added.")
    return redirect(f"/training/practice/{scenario.id}")


@router.get("/training/practice/review", response_class=HTMLResponse)
def review_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    page: PageQuery = 1,
) -> HTMLResponse:
    listing = queries.review_queue(session, actor=user, page=page, page_size=settings.page_size)
    return render(request, "training/review.html", {"listing": listing})


@router.get("/training/practice/{scenario_id}", response_class=HTMLResponse)
def scenario_page(
    request: Request, session: SessionDep, user: CurrentUser, scenario_id: IdPath
) -> HTMLResponse:
    return _scenario_page(request, session, user, scenario_id)


def _scenario_page(
    request: Request,
    session: Session,
    user: User,
    scenario_id: int,
    errors: dict[str, str] | None = None,
    reply: str = "",
) -> HTMLResponse:
    """A scenario to answer; after a refused reply, with the error and the reply kept."""
    context = {
        "scenario": queries.scenario(session, actor=user, scenario_id=scenario_id),
        "reply": reply,
    }
    return render_form(request, "training/scenario.html", context, errors)


@router.post("/training/practice/{scenario_id}", response_model=None)
def practise(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    scenario_id: IdPath,
    reply: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        attempt = actions.practise(session, actor=user, scenario_id=scenario_id, reply=reply)
    except InvalidInput as exc:
        session.rollback()
        errors = field_errors(exc, "reply")
        return _scenario_page(request, session, user, scenario_id, errors, reply)
    return redirect(f"/training/practice/replies/{attempt.id}")


@router.get("/training/practice/replies/{attempt_id}", response_class=HTMLResponse)
def practice_feedback_page(
    request: Request, session: SessionDep, user: CurrentUser, attempt_id: IdPath
) -> HTMLResponse:
    return _feedback_page(request, session, user, attempt_id)


def _feedback_page(
    request: Request,
    session: Session,
    user: User,
    attempt_id: int,
    errors: dict[str, str] | None = None,
    comment: str = "",
) -> HTMLResponse:
    """A practice reply with its feedback and comments; after a refused comment, the words
    kept in the box and the reason beside it (400)."""
    attempt = queries.practice_attempt(session, actor=user, attempt_id=attempt_id)
    mine = attempt.user_id == user.id
    new = sum(1 for c in attempt.comments if c.read_at is None) if mine else 0
    context = {
        "attempt": attempt,
        "verdicts": verdicts_from(attempt.feedback),
        # What the reply should have acknowledged, in the customer's own words.
        "situation": state_purpose([attempt.scenario.customer_text]),
        "mine": mine,
        "new_comments": new,
        "max_comment": actions.MAX_COMMENT,
        "comment": comment,
    }
    return render_form(request, "training/feedback.html", context, errors)


@router.post("/training/practice/replies/{attempt_id}/share")
def share_reply(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    attempt_id: IdPath,
    shared: Annotated[str, Form()] = "1",
) -> RedirectResponse:
    attempt = actions.share_practice(
        session, actor=user, attempt_id=attempt_id, shared=shared == "1"
    )
    flash(
        request,
        "Shared with your team for comments."
        if attempt.shared_at
        else "No longer shared; comments so far stay.",
    )
    return redirect(f"/training/practice/replies/{attempt_id}")


@router.post("/training/practice/replies/{attempt_id}/read")
def mark_read(
    request: Request, session: SessionDep, user: CurrentUser, attempt_id: IdPath
) -> RedirectResponse:
    """The author marks the reply's new comments read (Today's list of new ones shrinks)."""
    actions.mark_comments_read(session, actor=user, attempt_id=attempt_id)
    return redirect(f"/training/practice/replies/{attempt_id}#comments")


@router.post("/training/practice/replies/{attempt_id}/comments", response_model=None)
def comment_on_reply(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    attempt_id: IdPath,
    body: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        actions.comment_on_practice(session, actor=user, attempt_id=attempt_id, body=body)
    except InvalidInput as exc:
        session.rollback()
        errors = field_errors(exc, "body")
        return _feedback_page(request, session, user, attempt_id, errors, body)
    flash(request, "Comment added.")
    return redirect(f"/training/practice/replies/{attempt_id}#comments")


@router.get("/training/autoqa", response_class=HTMLResponse)
def autoqa_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    """AutoQA: your own replies' feedback; for a lead, the team's shares (never people)."""
    from poise.auth.models import Team
    from poise.training import autoqa

    teams = (
        session.scalars(select(Team).order_by(Team.name)).all()
        if user.is_admin
        else ([user.team] if user.is_lead and user.team is not None else [])
    )
    # while this process reads the team's replies ahead, say so rather than read them twice
    reading = user.team_id is not None and autoqa.reading_ahead(session, user.team_id)
    mine = [] if reading else autoqa.my_feedback(session, actor=user)
    context = {
        "reading": reading,
        "opted_in": autoqa.team_opted_in(session, user.team_id),
        "mine": mine,
        "readable": visible_ids(session, user, (r.conversation_id for r in mine)),
        "shares": [autoqa.team_shares(session, actor=user, team_id=t.id) for t in teams],
        # whether "turn it on" is the reader's own button below, not their lead's to press
        "switches_own_team": user.team_id is not None and any(t.id == user.team_id for t in teams),
    }
    return render(request, "training/autoqa.html", context)


@router.post("/training/autoqa/teams/{team_id}")
def autoqa_setting(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    team_id: IdPath,
    enabled: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """A lead opts their team in to AutoQA, or out again."""
    team = actions.set_autoqa(session, actor=user, team_id=team_id, enabled=enabled == "1")
    if team.autoqa and request.app.state.settings.environment != "test":
        from poise.training import autoqa  # its first view need not wait for the encoder

        maker = request.app.state.sessionmaker
        autoqa.mark_reading(session, [team.id])  # the page this lands on waits for this, not twice
        request.app.state.readers.start(
            autoqa.warm_quietly, maker, [team.id], True, name="poise-autoqa"
        )
    flash(request, f"AutoQA is {'on' if team.autoqa else 'off'} for {team.name}.")
    return redirect("/training/autoqa")
