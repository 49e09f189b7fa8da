"""Training pages: Today, the lessons, authoring and assigning (leads), quizzes and results."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from poise.auth.deps import CurrentUser, LeadUser
from poise.errors import InvalidInput
from poise.knowledge.text import render_markdown
from poise.training import actions, queries
from poise.training.feedback import verdicts_from
from poise.training.models import PASS_MARK, Lesson
from poise.training.quiz import quiz_text
from poise.web.csrf import verify_csrf
from poise.web.deps import FormDep, SessionDep, flash, redirect, render
from poise.web.params import IdPath, is_count, is_id

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

QUIZ_HELP = (
    "One question per block. '? question', then '* right choice' and '- wrong choice' lines "
    "(two or more '*' make it multiple choice), or '= model answer' for a free-text question."
)


@router.get("/training", response_class=HTMLResponse)
def today_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    context = {
        "today": queries.today(session, actor=user),
        "comments": queries.unread_comments(session, actor=user),
    }
    return render(request, "training/today.html", context)


@router.get("/training/lessons", response_class=HTMLResponse)
def lessons_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    return render(
        request, "training/lessons.html", {"lessons": queries.lessons(session, actor=user)}
    )


@router.post("/training/lessons/starter")
def load_starter(request: Request, session: SessionDep, user: LeadUser) -> RedirectResponse:
    added = actions.load_starter_course(session, actor=user)
    flash(
        request,
        f"Loaded {added} starter lessons." if added else "The starter course is already here.",
    )
    return redirect("/training/lessons")


@router.get("/training/lessons/new", response_class=HTMLResponse)
def new_lesson_page(request: Request, user: LeadUser) -> HTMLResponse:
    context = {"lesson": None, "title": "", "body": "", "quiz": "", "help": QUIZ_HELP}
    return render(request, "training/edit.html", context)


@router.post("/training/lessons")
def create_lesson(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    quiz: Annotated[str, Form()] = "",
) -> RedirectResponse:
    lesson = actions.create_lesson(session, actor=user, title=title, body=body, quiz=quiz)
    flash(request, "Lesson written: version 1.")
    return redirect(f"/training/lessons/{lesson.id}")


@router.get("/training/lessons/{lesson_id}", response_class=HTMLResponse)
def lesson_page(
    request: Request, session: SessionDep, user: CurrentUser, lesson_id: IdPath
) -> HTMLResponse:
    lesson = queries.lesson(session, actor=user, lesson_id=lesson_id)
    context: dict[str, Any] = {
        "lesson": lesson,
        "shown": lesson.current,
        "body": render_markdown(lesson.current.body),
        "attempts": queries.my_attempts(session, actor=user, lesson_id=lesson.id),
        "pass_mark": PASS_MARK,
    }
    if user.is_lead:
        context["people"], context["teams"] = queries.assignable(session, actor=user)
    return render(request, "training/lesson.html", context)


@router.get("/training/lessons/{lesson_id}/edit", response_class=HTMLResponse)
def edit_lesson_page(
    request: Request, session: SessionDep, user: LeadUser, lesson_id: IdPath
) -> HTMLResponse:
    lesson = queries.lesson(session, actor=user, lesson_id=lesson_id)
    current = lesson.current
    context = {
        "lesson": lesson,
        "title": current.title,
        "body": current.body,
        "quiz": quiz_text(current.quiz),
        "help": QUIZ_HELP,
    }
    return render(request, "training/edit.html", context)


@router.post("/training/lessons/{lesson_id}/edit")
def edit_lesson(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    lesson_id: IdPath,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    quiz: Annotated[str, Form()] = "",
) -> RedirectResponse:
    version = actions.edit_lesson(
        session, actor=user, lesson_id=lesson_id, title=title, body=body, quiz=quiz
    )
    flash(request, f"Saved as version {version.number}.")
    return redirect(f"/training/lessons/{lesson_id}")


def _due(value: str) -> datetime:
    try:
        day = datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput("give the due date as YYYY-MM-DD") from None
    return datetime.combine(day, time(17, 0), tzinfo=UTC)


def _target(value: str) -> dict[str, int]:
    kind, _, ident = value.partition(":")
    if kind not in {"user", "team"} or not is_id(ident):
        raise InvalidInput("choose an agent or a team")
    return {f"{kind}_id": int(ident)}


@router.post("/training/lessons/{lesson_id}/assign")
def assign_lesson(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    lesson_id: IdPath,
    target: Annotated[str, Form()] = "",
    due: Annotated[str, Form()] = "",
) -> RedirectResponse:
    made = actions.assign_lesson(
        session, actor=user, lesson_id=lesson_id, due_at=_due(due), **_target(target)
    )
    flash(request, f"Assigned to {len(made)} {'person' if len(made) == 1 else 'people'}.")
    return redirect(f"/training/lessons/{lesson_id}")


def _answers(form: FormData, lesson: Lesson) -> list[str | list[int]]:
    answers: list[str | list[int]] = []
    for index, question in enumerate(lesson.current.quiz):
        name = f"q{index}"
        if question["kind"] == "text":
            answers.append(str(form.get(name, "")))
        else:
            picked = [str(v) for v in form.getlist(name)]
            answers.append([int(v) for v in picked if is_count(v)])
    return answers


@router.post("/training/lessons/{lesson_id}/attempts")
def take_quiz(
    request: Request, session: SessionDep, user: CurrentUser, form: FormDep, lesson_id: IdPath
) -> RedirectResponse:
    lesson = queries.lesson(session, actor=user, lesson_id=lesson_id)
    version = str(form.get("version", ""))
    result = actions.submit_quiz(
        session,
        actor=user,
        lesson_id=lesson.id,
        answers=_answers(form, lesson),
        version_number=int(version) if is_count(version) else None,
    )
    return redirect(f"/training/attempts/{result.attempt.id}")


@router.get("/training/attempts/{attempt_id}", response_class=HTMLResponse)
def attempt_page(
    request: Request, session: SessionDep, user: CurrentUser, attempt_id: IdPath
) -> HTMLResponse:
    attempt, graded = queries.attempt(session, actor=user, attempt_id=attempt_id)
    card = queries.review_card(session, actor=user, lesson_id=attempt.lesson_id)
    context = {
        "attempt": attempt,
        "graded": graded,
        "card": card,
        "pairs": list(zip(attempt.version.quiz, graded, attempt.answers, strict=True)),
    }
    return render(request, "training/attempt.html", context)


@router.get("/training/progress", response_class=HTMLResponse)
def progress_page(request: Request, session: SessionDep, user: LeadUser) -> HTMLResponse:
    context = {"assignments": queries.progress(session, actor=user)}
    return render(request, "training/progress.html", context)


# --- Practice -------------------------------------------------------------------------------


@router.get("/training/practice", response_class=HTMLResponse)
def practice_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    context = {
        "scenarios": queries.scenarios(session, actor=user),
        "history": queries.my_practice(session, actor=user),
        "threshold": actions.HARD_MESSAGE,
    }
    return render(request, "training/practice.html", context)


@router.post("/training/practice/draw")
def draw_scenarios(request: Request, session: SessionDep, user: LeadUser) -> RedirectResponse:
    added = actions.draw_scenarios(session, actor=user)
    flash(
        request,
        f"Added {added} scenarios from the archive."
        if added
        else f"No new customer messages with negativity of {actions.HARD_MESSAGE} or more.",
    )
    return redirect("/training/practice")


@router.post("/training/practice/scenarios")
def create_scenario(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    title: Annotated[str, Form()] = "",
    customer_text: Annotated[str, Form()] = "",
    model_answer: Annotated[str, Form()] = "",
) -> RedirectResponse:
    scenario = actions.create_scenario(
        session, actor=user, title=title, customer_text=customer_text, model_answer=model_answer
    )
    flash(request, "Scenario added.")
    return redirect(f"/training/practice/{scenario.id}")


@router.get("/training/practice/review", response_class=HTMLResponse)
def review_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    context = {"items": queries.review_queue(session, actor=user)}
    return render(request, "training/review.html", context)


@router.get("/training/practice/{scenario_id}", response_class=HTMLResponse)
def scenario_page(
    request: Request, session: SessionDep, user: CurrentUser, scenario_id: IdPath
) -> HTMLResponse:
    context = {"scenario": queries.scenario(session, actor=user, scenario_id=scenario_id)}
    return render(request, "training/scenario.html", context)


@router.post("/training/practice/{scenario_id}")
def practise(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    scenario_id: IdPath,
    reply: Annotated[str, Form()] = "",
) -> RedirectResponse:
    attempt = actions.practise(session, actor=user, scenario_id=scenario_id, reply=reply)
    return redirect(f"/training/practice/replies/{attempt.id}")


@router.get("/training/practice/replies/{attempt_id}", response_class=HTMLResponse)
def practice_feedback_page(
    request: Request, session: SessionDep, user: CurrentUser, attempt_id: IdPath
) -> HTMLResponse:
    attempt = queries.practice_attempt(session, actor=user, attempt_id=attempt_id)
    mine = attempt.user_id == user.id
    new = actions.mark_comments_read(session, actor=user, attempt_id=attempt.id) if mine else 0
    context = {
        "attempt": attempt,
        "verdicts": verdicts_from(attempt.feedback),
        "mine": mine,
        "new_comments": new,
        "max_comment": actions.MAX_COMMENT,
    }
    return render(request, "training/feedback.html", context)


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


@router.post("/training/practice/replies/{attempt_id}/comments")
def comment_on_reply(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    attempt_id: IdPath,
    body: Annotated[str, Form()] = "",
) -> RedirectResponse:
    actions.comment_on_practice(session, actor=user, attempt_id=attempt_id, body=body)
    flash(request, "Comment added.")
    return redirect(f"/training/practice/replies/{attempt_id}#comments")
