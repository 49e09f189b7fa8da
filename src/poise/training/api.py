"""The training JSON API: the caller's Today list, lessons, and quiz submission."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from poise.auth.deps import ApiLead, ApiUser
from poise.training import actions, queries
from poise.training.feedback import verdicts_from
from poise.training.models import PracticeAttempt, PracticeComment
from poise.web.deps import SessionDep
from poise.web.paging import PAGE_HEADERS, page_headers
from poise.web.params import ApiPageQuery, IdPath

router = APIRouter(prefix="/api/v1/training", tags=["training"])


class LessonCreate(BaseModel):
    title: str
    body: str = ""
    quiz: str = Field(description="Plain-text quiz: '? question', '* right', '- wrong', '= model'")


class LessonPublic(BaseModel):
    id: int
    version: int
    title: str
    questions: int


class TodayItem(BaseModel):
    lesson_id: int
    title: str
    due_at: datetime
    kind: str = Field(description="'assignment' or 'review'")


class QuizAnswers(BaseModel):
    answers: list[str | list[int]] = Field(
        description="One per question: chosen indexes, or text for free-text questions"
    )


class AttemptPublic(BaseModel):
    id: int
    version: int
    score: float
    passed: bool
    explanations: list[str]
    next_review: datetime


class PracticeReply(BaseModel):
    reply: str


class LabelPublic(BaseModel):
    present: bool
    good: bool
    phrases: list[str]
    suggestion: str


class CommentCreate(BaseModel):
    body: str


class CommentPublic(BaseModel):
    id: int
    author: str | None
    body: str
    created_at: datetime
    read: bool = Field(True, description="False until the reply's author marks it read")


class PracticePublic(BaseModel):
    id: int
    scenario_id: int
    labels: dict[str, LabelPublic]
    closeness: float | None
    shared: bool = False
    comments: list[CommentPublic] = []


class ShareUpdate(BaseModel):
    shared: bool = Field(True, description="True asks teammates for comments; False stops it")


ShareBody = Annotated[ShareUpdate | None, Body()]
"""Every field has a default, so the body itself may be left out (a bare ``PUT``)."""


@router.get("/today", summary="Your training due today", response_model=list[TodayItem])
def today(session: SessionDep, user: ApiUser) -> list[TodayItem]:
    """What the caller should do now: open assignments by due date, then reviews due."""
    found = queries.today(session, actor=user)
    items = [
        TodayItem(
            lesson_id=a.lesson_id, title=a.lesson.current.title, due_at=a.due_at, kind="assignment"
        )
        for a in found.assignments
    ]
    items += [
        TodayItem(
            lesson_id=r.lesson_id, title=r.lesson.current.title, due_at=r.due_at, kind="review"
        )
        for r in found.reviews
    ]
    return items


@router.get(
    "/lessons",
    summary="List lessons",
    response_model=list[LessonPublic],
    responses={200: {"headers": PAGE_HEADERS, "description": "One page of lessons"}},
)
def lessons(
    request: Request,
    response: Response,
    session: SessionDep,
    user: ApiUser,
    page: ApiPageQuery = 1,
    page_size: Annotated[int, Query(ge=1, le=200, description="Lessons per page, 1 to 200.")] = 50,
) -> list[LessonPublic]:
    """The lessons at their current version, oldest first, a page at a time: ``X-Total-Count``
    says how many there are and ``Link: <…>; rel="next"`` leads to the next page while there
    is one."""
    listing = queries.lessons(session, actor=user, page=page, page_size=page_size)
    response.headers.update(page_headers(listing, request.url))
    return [
        LessonPublic(
            id=lesson.id,
            version=lesson.current_number,
            title=lesson.current.title,
            questions=len(lesson.current.quiz),
        )
        for lesson in listing.items
    ]


@router.post("/lessons", summary="Create a lesson", response_model=LessonPublic, status_code=201)
def create_lesson(session: SessionDep, user: ApiLead, body: LessonCreate) -> JSONResponse:
    """Leads: write a lesson (version 1)."""
    lesson = actions.create_lesson(
        session, actor=user, title=body.title, body=body.body, quiz=body.quiz
    )
    public = LessonPublic(
        id=lesson.id, version=1, title=lesson.current.title, questions=len(lesson.current.quiz)
    )
    return JSONResponse(public.model_dump(mode="json"), status_code=201)


@router.post(
    "/lessons/{lesson_id}/attempts",
    summary="Answer a lesson's quiz",
    response_model=AttemptPublic,
    status_code=201,
)
def submit(
    session: SessionDep, user: ApiUser, lesson_id: IdPath, body: QuizAnswers
) -> JSONResponse:
    """Answer the current version's quiz; the reply explains each grade and the next review."""
    result = actions.submit_quiz(session, actor=user, lesson_id=lesson_id, answers=body.answers)
    public = AttemptPublic(
        id=result.attempt.id,
        version=result.attempt.version.number,
        score=result.attempt.score,
        passed=result.attempt.passed,
        explanations=[g.explanation for g in result.graded],
        next_review=result.next_review,
    )
    return JSONResponse(public.model_dump(mode="json"), status_code=201)


def _practice_public(attempt: PracticeAttempt) -> PracticePublic:
    labels = {
        v.label: LabelPublic(
            present=v.present, good=v.good, phrases=v.phrases, suggestion=v.suggestion
        )
        for v in verdicts_from(attempt.feedback)
    }
    return PracticePublic(
        id=attempt.id,
        scenario_id=attempt.scenario_id,
        labels=labels,
        closeness=attempt.closeness,
        shared=attempt.shared_at is not None,
        comments=[_comment_public(c) for c in attempt.comments],
    )


def _comment_public(comment: PracticeComment) -> CommentPublic:
    return CommentPublic(
        id=comment.id,
        author=comment.author.name if comment.author else None,
        body=comment.body,
        created_at=comment.created_at,
        read=comment.read_at is not None,
    )


@router.post(
    "/practice/{scenario_id}",
    summary="Practise a reply to a scenario",
    response_model=PracticePublic,
    status_code=201,
)
def practise(
    session: SessionDep, user: ApiUser, scenario_id: IdPath, body: PracticeReply
) -> JSONResponse:
    """Reply to a practice scenario; each label comes with the phrases behind it and advice."""
    attempt = actions.practise(session, actor=user, scenario_id=scenario_id, reply=body.reply)
    public = _practice_public(attempt)
    return JSONResponse(public.model_dump(mode="json"), status_code=201)


@router.get(
    "/practice/replies/{attempt_id}",
    summary="Get a practice reply and its feedback",
    response_model=PracticePublic,
)
def practice_reply(session: SessionDep, user: ApiUser, attempt_id: IdPath) -> PracticePublic:
    """A practice reply with its feedback and comments: for its author, leads, and teammates
    it was shared with."""
    attempt = queries.practice_attempt(session, actor=user, attempt_id=attempt_id)
    return _practice_public(attempt)


@router.put(
    "/practice/replies/{attempt_id}/read",
    summary="Mark a practice reply's feedback read",
    response_model=PracticePublic,
)
def mark_read(session: SessionDep, user: ApiUser, attempt_id: IdPath) -> PracticePublic:
    """The author marks the reply's comments read (reading the reply never does)."""
    actions.mark_comments_read(session, actor=user, attempt_id=attempt_id)
    return _practice_public(queries.practice_attempt(session, actor=user, attempt_id=attempt_id))


@router.put(
    "/practice/replies/{attempt_id}/share",
    summary="Share a practice reply with your team",
    response_model=PracticePublic,
)
def share_reply(
    session: SessionDep, user: ApiUser, attempt_id: IdPath, body: ShareBody = None
) -> PracticePublic:
    """The author asks teammates for comments on a reply, or stops asking (``shared``); no
    body at all shares it, as an empty object does."""
    shared = (body or ShareUpdate()).shared
    actions.share_practice(session, actor=user, attempt_id=attempt_id, shared=shared)
    return _practice_public(queries.practice_attempt(session, actor=user, attempt_id=attempt_id))


@router.post(
    "/practice/replies/{attempt_id}/comments",
    summary="Comment on a shared practice reply",
    response_model=CommentPublic,
    status_code=201,
)
def comment(
    session: SessionDep, user: ApiUser, attempt_id: IdPath, body: CommentCreate
) -> JSONResponse:
    """A lead, a teammate it was shared with, or the author comments on a practice reply."""
    made = actions.comment_on_practice(session, actor=user, attempt_id=attempt_id, body=body.body)
    session.refresh(made, ["author"])
    return JSONResponse(_comment_public(made).model_dump(mode="json"), status_code=201)
