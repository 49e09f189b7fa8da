"""``/api/v1/training/drills``: drills, their questions, votes, answers, endorsement, training.

An anonymous question comes back with ``author: null`` whoever asks, leads included; ``mine``
tells only its author that it is theirs. Text limits and repeats are checked by the actions,
so the API and the pages refuse the same things with the same words (400).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, cast

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from poise.auth.deps import ApiUser
from poise.training.drills import actions, queries
from poise.training.models import Drill, DrillAnswer
from poise.web.deps import SessionDep, SettingsDep
from poise.web.paging import PAGED, PageOf, page_headers
from poise.web.params import ApiPageQuery, Day, IdField, IdPath

router = APIRouter(prefix="/api/v1/training/drills", tags=["training"])
StatusName = Literal["collecting", "answering", "closed"]
# Generous bounds that only stop absurd bodies; the actions give the precise limits.
TEXT_BOUND = 20_000


class DrillCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product: str = Field(max_length=TEXT_BOUND)
    feature: str = Field("", max_length=TEXT_BOUND)
    changes: str = Field("", max_length=TEXT_BOUND, description="What changes for customers")
    launch_on: Day
    launch_until: Day | None = Field(None, description="The end of the launch window, if any")
    team_id: IdField | None = Field(None, description="Only this team (and leads) take part")

    def fields(self) -> actions.DrillFields:
        return actions.DrillFields(
            product=self.product,
            feature=self.feature,
            changes=self.changes,
            launch_on=self.launch_on,
            launch_until=self.launch_until,
            team_id=self.team_id,
        )


class DrillUpdate(DrillCreate):
    """The whole set of launch details (a PUT): what is left out goes back to its default."""


class DrillStatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: StatusName


class DrillSummary(BaseModel):
    id: int
    name: str
    product: str
    feature: str | None
    launch_on: date
    launch_until: date | None
    status: StatusName
    team: str | None
    questions: int
    endorsed: int


class DrillPage(PageOf[DrillSummary]):
    """One page of drills, open ones first."""


class AnswerPublic(BaseModel):
    id: int
    text: str
    author: str | None
    mine: bool
    endorsed: bool
    created_at: datetime

    @classmethod
    def of(cls, answer: DrillAnswer, viewer_id: int) -> AnswerPublic:
        return cls(
            id=answer.id,
            text=answer.text,
            author=answer.author.name if answer.author else None,
            mine=answer.author_id == viewer_id,
            endorsed=answer.endorsed_at is not None,
            created_at=answer.created_at,
        )


class QuestionPublic(BaseModel):
    id: int
    text: str
    anonymous: bool
    author: str | None = Field(description="Null for an anonymous question, whoever asks")
    mine: bool = Field(description="Whether the caller wrote it")
    votes: int
    voted: bool = Field(description="Whether the caller voted for it")
    answers: list[AnswerPublic]
    scenario_id: int | None
    article_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, line: queries.QuestionLine, viewer_id: int) -> QuestionPublic:
        question = line.question
        return cls(
            id=question.id,
            text=question.text,
            anonymous=question.anonymous,
            author=line.author_name,
            mine=line.mine,
            votes=line.votes,
            voted=line.voted,
            answers=[AnswerPublic.of(a, viewer_id) for a in line.answers],
            scenario_id=question.scenario_id,
            article_id=question.article_id,
            created_at=question.created_at,
        )


class DrillPublic(BaseModel):
    id: int
    name: str
    product: str
    feature: str | None
    changes: str
    launch_on: date
    launch_until: date | None
    status: StatusName
    team_id: int | None
    team: str | None
    opened_by: str | None
    lesson_id: int | None
    converted_at: datetime | None
    questions: list[QuestionPublic] = Field(description="Most votes first")

    @classmethod
    def of(cls, view: queries.DrillView, viewer_id: int) -> DrillPublic:
        drill = view.drill
        return cls(
            id=drill.id,
            name=drill.name,
            product=drill.product,
            feature=drill.feature,
            changes=drill.changes,
            launch_on=drill.launch_on,
            launch_until=drill.launch_until,
            status=_status(drill),
            team_id=drill.team_id,
            team=drill.team.name if drill.team else None,
            opened_by=drill.opened_by.name if drill.opened_by else None,
            lesson_id=drill.lesson_id,
            converted_at=drill.converted_at,
            questions=[QuestionPublic.of(line, viewer_id) for line in view.lines],
        )


class QuestionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=TEXT_BOUND)
    anonymous: bool = Field(False, description="Hide the author from everyone, leads included")


class QuestionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=TEXT_BOUND)


class AnswerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=TEXT_BOUND)


class VotePublic(BaseModel):
    question_id: int
    voted: bool
    votes: int


class ConvertedQuestion(BaseModel):
    question_id: int
    scenario_id: int | None
    article_id: int | None


class ConversionPublic(BaseModel):
    drill_id: int
    lesson_id: int
    lesson_version: int
    lesson_written: bool = Field(description="Whether this run wrote the lesson or a version")
    scenarios_made: int
    articles_made: int
    questions: list[ConvertedQuestion]


def _status(drill: Drill) -> StatusName:
    return cast(StatusName, drill.status)  # the actions only ever store DRILL_STATUSES


def _created(model: BaseModel) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="json"), status_code=201)


def _drill(session: SessionDep, user: ApiUser, drill_id: int) -> DrillPublic:
    view = queries.drill_view(session, actor=user, drill_id=drill_id)
    return DrillPublic.of(view, user.id)


@router.get("", summary="List drills", response_model=DrillPage, responses=PAGED)
def list_drills(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    user: ApiUser,
    status: StatusName | None = None,
    page: ApiPageQuery = 1,
    page_size: Annotated[
        int | None, Query(ge=1, le=200, description="Drills per page, 1 to 200.")
    ] = None,
) -> DrillPage:
    """The drills the caller takes part in (leads: all), open ones first."""
    page_size = settings.page_size if page_size is None else page_size
    listing = queries.list_drills(
        session, actor=user, status=status, page=page, page_size=page_size
    )
    items = [
        DrillSummary(
            id=line.drill.id,
            name=line.drill.name,
            product=line.drill.product,
            feature=line.drill.feature,
            launch_on=line.drill.launch_on,
            launch_until=line.drill.launch_until,
            status=_status(line.drill),
            team=line.drill.team.name if line.drill.team else None,
            questions=line.questions,
            endorsed=line.endorsed,
        )
        for line in listing.items
    ]
    response.headers.update(page_headers(listing, request.url))
    return DrillPage.of(listing, items)


@router.post("", summary="Open a drill", response_model=DrillPublic, status_code=201)
def open_drill(session: SessionDep, user: ApiUser, body: DrillCreate) -> JSONResponse:
    """Leads: open a drill for a launch; it starts collecting questions."""
    drill = actions.open_drill(session, actor=user, fields=body.fields())
    return _created(_drill(session, user, drill.id))


@router.get("/{drill_id}", summary="Get a drill", response_model=DrillPublic)
def get_drill(session: SessionDep, user: ApiUser, drill_id: IdPath) -> DrillPublic:
    """One drill with its questions (most votes first) and their answers."""
    return _drill(session, user, drill_id)


@router.put("/{drill_id}", summary="Change a drill", response_model=DrillPublic)
def update_drill(
    session: SessionDep, user: ApiUser, drill_id: IdPath, body: DrillUpdate
) -> DrillPublic:
    """Leads: correct the launch details."""
    actions.update_drill(session, actor=user, drill_id=drill_id, fields=body.fields())
    return _drill(session, user, drill_id)


@router.post(
    "/{drill_id}/status",
    summary="Move a drill (collecting, answering, closed)",
    response_model=DrillPublic,
)
def move_drill(
    session: SessionDep, user: ApiUser, drill_id: IdPath, body: DrillStatusChange
) -> DrillPublic:
    """Leads: collecting → answering → closed (or back a step)."""
    actions.move_drill(session, actor=user, drill_id=drill_id, status=body.status)
    return _drill(session, user, drill_id)


@router.post(
    "/{drill_id}/questions",
    summary="Ask a rude question in a drill",
    response_model=QuestionPublic,
    status_code=201,
)
def post_question(
    session: SessionDep, user: ApiUser, drill_id: IdPath, body: QuestionCreate
) -> JSONResponse:
    """Post a rude question while the drill collects them; exact repeats are refused."""
    question = actions.post_question(
        session, actor=user, drill_id=drill_id, text=body.text, anonymous=body.anonymous
    )
    line = queries.question_line(session, actor=user, drill_id=drill_id, question_id=question.id)
    return _created(QuestionPublic.of(line, user.id))


@router.patch(
    "/{drill_id}/questions/{question_id}",
    summary="Edit your question",
    response_model=QuestionPublic,
)
def edit_question(
    session: SessionDep, user: ApiUser, drill_id: IdPath, question_id: IdPath, body: QuestionUpdate
) -> QuestionPublic:
    """Its author rewords a question while the drill collects them."""
    actions.edit_question(
        session, actor=user, drill_id=drill_id, question_id=question_id, text=body.text
    )
    line = queries.question_line(session, actor=user, drill_id=drill_id, question_id=question_id)
    return QuestionPublic.of(line, user.id)


@router.delete("/{drill_id}/questions/{question_id}", summary="Delete a question", status_code=204)
def delete_question(
    session: SessionDep, user: ApiUser, drill_id: IdPath, question_id: IdPath
) -> Response:
    """Its author (while collecting) or a lead (until closing) removes a question."""
    actions.delete_question(session, actor=user, drill_id=drill_id, question_id=question_id)
    return Response(status_code=204)


def _vote(
    session: SessionDep, user: ApiUser, drill_id: int, question_id: int, voted: bool
) -> VotePublic:
    votes = actions.set_vote(
        session, actor=user, drill_id=drill_id, question_id=question_id, voted=voted
    )
    return VotePublic(question_id=question_id, voted=voted, votes=votes)


@router.put(
    "/{drill_id}/questions/{question_id}/vote",
    summary="Vote for a question",
    response_model=VotePublic,
)
def vote(session: SessionDep, user: ApiUser, drill_id: IdPath, question_id: IdPath) -> VotePublic:
    """Vote for a question (one vote a person; voting again changes nothing)."""
    return _vote(session, user, drill_id, question_id, True)


@router.delete(
    "/{drill_id}/questions/{question_id}/vote",
    summary="Take back your vote",
    response_model=VotePublic,
)
def unvote(session: SessionDep, user: ApiUser, drill_id: IdPath, question_id: IdPath) -> VotePublic:
    """Take the caller's vote back."""
    return _vote(session, user, drill_id, question_id, False)


@router.post(
    "/{drill_id}/questions/{question_id}/answers",
    summary="Answer a question",
    response_model=AnswerPublic,
    status_code=201,
)
def post_answer(
    session: SessionDep, user: ApiUser, drill_id: IdPath, question_id: IdPath, body: AnswerCreate
) -> JSONResponse:
    """Write a model answer while the drill is answering."""
    answer = actions.post_answer(
        session, actor=user, drill_id=drill_id, question_id=question_id, text=body.text
    )
    return _created(AnswerPublic.of(answer, user.id))


@router.delete("/{drill_id}/answers/{answer_id}", summary="Delete an answer", status_code=204)
def delete_answer(
    session: SessionDep, user: ApiUser, drill_id: IdPath, answer_id: IdPath
) -> Response:
    """Its author or a lead removes an answer while the drill is answering."""
    actions.delete_answer(session, actor=user, drill_id=drill_id, answer_id=answer_id)
    return Response(status_code=204)


@router.post(
    "/{drill_id}/answers/{answer_id}/endorse",
    summary="Endorse an answer",
    response_model=QuestionPublic,
)
def endorse(
    session: SessionDep, user: ApiUser, drill_id: IdPath, answer_id: IdPath
) -> QuestionPublic:
    """Leads: endorse the best answer to its question (replacing an earlier pick)."""
    answer = actions.endorse_answer(session, actor=user, drill_id=drill_id, answer_id=answer_id)
    line = queries.question_line(
        session, actor=user, drill_id=drill_id, question_id=answer.question_id
    )
    return QuestionPublic.of(line, user.id)


@router.post(
    "/{drill_id}/convert",
    summary="Turn a drill's endorsed answers into practice and a lesson",
    response_model=ConversionPublic,
)
def convert(session: SessionDep, user: ApiUser, drill_id: IdPath) -> ConversionPublic:
    """Leads: turn the endorsed pairs into scenarios, a lesson and draft articles, in one step.

    Idempotent: a second call makes nothing twice and reports zeros.
    """
    done = actions.convert_drill(session, actor=user, drill_id=drill_id)
    return ConversionPublic(
        drill_id=drill_id,
        lesson_id=done.lesson.id,
        lesson_version=done.lesson.current_number,
        lesson_written=done.lesson_written,
        scenarios_made=done.scenarios_made,
        articles_made=done.articles_made,
        questions=[
            ConvertedQuestion(question_id=q.id, scenario_id=q.scenario_id, article_id=q.article_id)
            for q in done.questions
        ],
    )
