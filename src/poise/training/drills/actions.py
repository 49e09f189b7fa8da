"""Every change to a drill: one function per change, each checking roles and owning its commit.

The lifecycle is ``collecting`` (post and vote on questions) → ``answering`` (vote, write model
answers, the lead endorses) → ``closed`` (read only). Leads move a drill along and back, and
turn it into training from ``answering`` or ``closed``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from poise.auth.models import Team, User
from poise.auth.permissions import require_lead
from poise.db.base import utcnow
from poise.errors import FieldChecks, InvalidInput, NotFound, PermissionDenied
from poise.knowledge.actions import ArticleFields, add_article
from poise.repeats import recent_repeat
from poise.training.actions import add_lesson, add_lesson_version
from poise.training.drills.lesson import Pair, lesson_text
from poise.training.drills.queries import access_drill, drill_view, vote_count
from poise.training.models import (
    Drill,
    DrillAnswer,
    DrillQuestion,
    DrillVote,
    Lesson,
    PracticeScenario,
)
from poise.training.writing import written

MAX_PRODUCT = 120
MAX_CHANGES = 5000
MAX_QUESTION = 500
# A drill prepares the team for a launch, so its dates lie ahead: a launch up to a week past
# is still accepted (a launch that came sooner than planned, or a drill opened in its first
# days, when the rude questions start arriving), and at most a year ahead (the product team's
# horizon; a typo such as 2062 for 2026 would otherwise sort the drill first for decades).
# A date a drill already has is kept on an edit, however old, so a past drill can be corrected.
LAUNCH_GRACE_DAYS = 7
LAUNCH_DAYS_AHEAD = 366
MAX_ANSWER = 2000
# Who may move a drill where: every move is a lead's; ``closed`` can be reopened for answers.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "collecting": ("answering", "closed"),
    "answering": ("collecting", "closed"),
    "closed": ("answering",),
}
STATUS_LABELS = {"collecting": "collecting questions", "answering": "answering", "closed": "closed"}
_SPACE = re.compile(r"\s+")


# --- Text -----------------------------------------------------------------------------------


def folded(text: str) -> str:
    """Text with case and runs of white space folded: what makes two questions the same."""
    return _SPACE.sub(" ", text).strip().casefold()


def fingerprint(text: str) -> str:
    """SHA-256 of the folded text: fixed-length, so the unique key holds for any question."""
    return hashlib.sha256(folded(text).encode("utf-8")).hexdigest()


# --- The drill itself -----------------------------------------------------------------------


@dataclass(frozen=True)
class DrillFields:
    """What a lead writes about a launch: product, feature, what changes and when."""

    product: str
    launch_on: date
    feature: str = ""
    changes: str = ""
    launch_until: date | None = None
    team_id: int | None = None

    def cleaned(self) -> DrillFields:
        """Trimmed values, or ``InvalidFields`` naming every field that is wrong at once."""
        checks = FieldChecks()
        product = checks.check(
            lambda: written(self.product, what="the product", limit=MAX_PRODUCT, field="product"),
            self.product,
        )
        feature = self.feature.strip()
        if feature:
            feature = checks.check(
                lambda: written(feature, what="the feature", limit=MAX_PRODUCT, field="feature"),
                feature,
            )
        changes = self.changes.strip()
        if changes:
            what = "the description of what changes"
            changes = checks.check(
                lambda: written(changes, what=what, limit=MAX_CHANGES, field="changes"), changes
            )
        if self.launch_until is not None and self.launch_until < self.launch_on:
            checks.refuse("launch_until", "the launch window cannot end before the launch")
        checks.done()
        return DrillFields(
            product, self.launch_on, feature, changes, self.launch_until, self.team_id
        )


def check_launch_dates(
    checks: FieldChecks, fields: DrillFields, drill: Drill, today: date | None = None
) -> None:
    """Refuse, beside its field, a launch date (or end of the window) more than
    LAUNCH_GRACE_DAYS past or more than LAUNCH_DAYS_AHEAD ahead; a date the drill already
    has is left alone."""
    today = today or utcnow().date()
    earliest = today - timedelta(days=LAUNCH_GRACE_DAYS)
    latest = today + timedelta(days=LAUNCH_DAYS_AHEAD)
    dates = (
        ("launch_on", "the launch date", fields.launch_on, drill.launch_on),
        ("launch_until", "the end of the launch window", fields.launch_until, drill.launch_until),
    )
    for field, what, day, had in dates:
        if day is None or day == had:
            continue
        if day < earliest:
            checks.refuse(
                field,
                f"{what} {day} is past: a drill prepares for a launch, so choose {earliest}"
                f" or later (up to {LAUNCH_GRACE_DAYS} days after the launch)",
            )
        elif day > latest:
            checks.refuse(
                field, f"{what} {day} is more than a year ahead: choose {latest} or earlier"
            )


def _apply(session: Session, drill: Drill, fields: DrillFields) -> None:
    checks = FieldChecks()
    clean = checks.check(fields.cleaned, fields)
    check_launch_dates(checks, fields, drill)
    if clean.team_id is not None and session.get(Team, clean.team_id) is None:
        checks.refuse("team_id", "no such team: choose one of the teams, or everyone")
    checks.done()
    drill.product = clean.product
    drill.feature = clean.feature or None
    drill.changes = clean.changes
    drill.launch_on = clean.launch_on
    drill.launch_until = clean.launch_until
    drill.team_id = clean.team_id


def open_drill(session: Session, *, actor: User, fields: DrillFields) -> Drill:
    """Leads open a drill for a launch; it starts collecting questions. The same drill sent
    again at once by the lead who opened it (Save clicked twice) is the one just opened."""
    require_lead(actor)
    drill = Drill(status="collecting", opened_by_id=actor.id)
    _apply(session, drill, fields)
    kept = recent_repeat(session, Drill, Drill.created_at, _drill_fields(drill))
    if kept is not None:
        return kept
    session.add(drill)
    session.commit()
    return drill


def _drill_fields(drill: Drill) -> dict[str, object]:
    """What makes an opened drill the same as another: who opened it, and its launch details."""
    return {
        "opened_by_id": drill.opened_by_id,
        "product": drill.product,
        "feature": drill.feature,
        "changes": drill.changes,
        "launch_on": drill.launch_on,
        "launch_until": drill.launch_until,
        "team_id": drill.team_id,
    }


def update_drill(session: Session, *, actor: User, drill_id: int, fields: DrillFields) -> Drill:
    """Leads correct a drill's launch details (the questions stay as they are)."""
    require_lead(actor)
    drill = access_drill(session, actor=actor, drill_id=drill_id)
    _apply(session, drill, fields)
    session.commit()
    return drill


def move_drill(session: Session, *, actor: User, drill_id: int, status: str) -> Drill:
    """Leads move a drill along its lifecycle (or back a step)."""
    require_lead(actor)
    drill = access_drill(session, actor=actor, drill_id=drill_id, lock=True)
    if status not in TRANSITIONS.get(drill.status, ()):
        raise InvalidInput(f"a drill that is {STATUS_LABELS[drill.status]} cannot become {status}")
    drill.status = status
    session.commit()
    return drill


def _require_status(drill: Drill, allowed: tuple[str, ...], doing: str) -> None:
    if drill.status not in allowed:
        raise InvalidInput(
            f"this drill is {STATUS_LABELS[drill.status]}: {doing} is not possible now"
        )


# --- Questions and votes --------------------------------------------------------------------


def _question(session: Session, drill: Drill, question_id: int) -> DrillQuestion:
    question = session.get(DrillQuestion, question_id)
    if question is None or question.drill_id != drill.id:
        raise NotFound("no such question in this drill")
    return question


def _refuse_repeat(session: Session, drill: Drill, text: str, but: int | None = None) -> str:
    """The text's fingerprint, or InvalidInput quoting the question it repeats."""
    key = fingerprint(text)
    query = select(DrillQuestion).where(
        DrillQuestion.drill_id == drill.id, DrillQuestion.fingerprint == key
    )
    if but is not None:
        query = query.where(DrillQuestion.id != but)
    same = session.scalars(query).first()
    if same is not None:
        raise InvalidInput(f"this question is already in the drill (“{same.text}”): vote for it")
    return key


def _commit_unique(session: Session, text: str) -> None:
    """Commit; a repeat posted at the same moment by someone else becomes the same message."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise InvalidInput(
            f"this question is already in the drill (“{text}”): vote for it"
        ) from None


def post_question(
    session: Session, *, actor: User, drill_id: int, text: str, anonymous: bool = False
) -> DrillQuestion:
    """Anyone taking part adds a rude question while the drill collects them.

    Exact repeats (ignoring case and spacing) are refused with the question they repeat, so
    the team votes for it instead of splitting the votes; but the very same words sent again
    by their author a moment later (Post clicked twice) are the question just posted, not a
    refusal to vote for their own question.
    """
    drill = access_drill(session, actor=actor, drill_id=drill_id)
    _require_status(drill, ("collecting",), "posting a question")
    text = written(text, what="the question", limit=MAX_QUESTION)
    same = {"drill_id": drill.id, "author_id": actor.id, "text": text}
    kept = recent_repeat(session, DrillQuestion, DrillQuestion.created_at, same)
    if kept is not None:
        return kept
    question = DrillQuestion(
        drill_id=drill.id,
        text=text,
        fingerprint=_refuse_repeat(session, drill, text),
        anonymous=anonymous,
        author_id=actor.id,
    )
    session.add(question)
    _commit_unique(session, text)
    return question


def edit_question(
    session: Session, *, actor: User, drill_id: int, question_id: int, text: str
) -> DrillQuestion:
    """Its author rewords a question while the drill still collects them (anonymous or not)."""
    drill = access_drill(session, actor=actor, drill_id=drill_id)
    question = _question(session, drill, question_id)
    if question.author_id != actor.id:
        raise PermissionDenied("only its author can edit a question")
    _require_status(drill, ("collecting",), "editing a question")
    text = written(text, what="the question", limit=MAX_QUESTION)
    question.fingerprint = _refuse_repeat(session, drill, text, but=question.id)
    question.text = text
    question.updated_at = utcnow()
    _commit_unique(session, text)
    return question


def delete_question(session: Session, *, actor: User, drill_id: int, question_id: int) -> None:
    """Its author withdraws a question while collecting; a lead removes one until closing.

    A question already turned into training stays: the scenario and article point back at it.
    """
    drill = access_drill(session, actor=actor, drill_id=drill_id)
    question = _question(session, drill, question_id)
    if actor.is_lead:
        _require_status(drill, ("collecting", "answering"), "removing a question")
    elif question.author_id == actor.id:
        _require_status(drill, ("collecting",), "withdrawing a question")
    else:
        raise PermissionDenied("only its author or a lead can remove a question")
    if question.converted_at is not None:
        raise InvalidInput("this question is already part of the drill's training")
    session.delete(question)
    session.commit()


def set_vote(session: Session, *, actor: User, drill_id: int, question_id: int, voted: bool) -> int:
    """Vote for a question or take the vote back; one vote a person. Returns the new count.

    Setting (not toggling) keeps a double-submitted form or a retried API call harmless.
    """
    drill = access_drill(session, actor=actor, drill_id=drill_id)
    question = _question(session, drill, question_id)
    _require_status(drill, ("collecting", "answering"), "voting")
    vote = session.scalars(
        select(DrillVote).where(DrillVote.question_id == question.id, DrillVote.user_id == actor.id)
    ).one_or_none()
    if voted and vote is None:
        session.add(DrillVote(question_id=question.id, user_id=actor.id))
    elif not voted and vote is not None:
        session.delete(vote)
    try:
        session.commit()
    except IntegrityError:  # the same person's vote arrived twice at once: it counts once
        session.rollback()
    return vote_count(session, question.id)


# --- Answers and endorsement ----------------------------------------------------------------


def post_answer(
    session: Session, *, actor: User, drill_id: int, question_id: int, text: str
) -> DrillAnswer:
    """Anyone taking part writes a model answer to a question while the drill is answering
    (the same answer sent again at once by its author is the one already added)."""
    drill = access_drill(session, actor=actor, drill_id=drill_id)
    question = _question(session, drill, question_id)
    _require_status(drill, ("answering",), "answering")
    answer = DrillAnswer(
        question_id=question.id,
        text=written(text, what="the answer", limit=MAX_ANSWER),
        author_id=actor.id,
    )
    same = {"question_id": question.id, "author_id": actor.id, "text": answer.text}
    kept = recent_repeat(session, DrillAnswer, DrillAnswer.created_at, same)
    if kept is not None:
        return kept
    session.add(answer)
    session.commit()
    return answer


def _answer(session: Session, drill: Drill, answer_id: int) -> DrillAnswer:
    answer = session.get(DrillAnswer, answer_id)
    if answer is None or answer.question.drill_id != drill.id:
        raise NotFound("no such answer in this drill")
    return answer


def delete_answer(session: Session, *, actor: User, drill_id: int, answer_id: int) -> None:
    """Its author or a lead removes an answer while the drill is answering."""
    drill = access_drill(session, actor=actor, drill_id=drill_id)
    answer = _answer(session, drill, answer_id)
    if not actor.is_lead and answer.author_id != actor.id:
        raise PermissionDenied("only its author or a lead can remove an answer")
    _require_status(drill, ("answering",), "removing an answer")
    session.delete(answer)
    session.commit()


def endorse_answer(session: Session, *, actor: User, drill_id: int, answer_id: int) -> DrillAnswer:
    """The lead picks the best answer to a question; endorsing another replaces the pick."""
    require_lead(actor)
    drill = access_drill(session, actor=actor, drill_id=drill_id, lock=True)
    answer = _answer(session, drill, answer_id)
    _require_status(drill, ("answering",), "endorsing")
    now = utcnow()
    for other in answer.question.answers:
        if other.id != answer.id:
            other.endorsed_at = None
            other.endorsed_by_id = None
    if answer.endorsed_at is None:
        answer.endorsed_at = now
        answer.endorsed_by_id = actor.id
    session.commit()
    return answer


# --- Turning a drill into training ----------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    """What turning a drill into training made this time (zeros when it had all been made)."""

    drill: Drill
    lesson: Lesson
    questions: list[DrillQuestion]
    scenarios_made: int
    articles_made: int
    lesson_written: bool


def convert_drill(session: Session, *, actor: User, drill_id: int) -> Conversion:
    """Turn every endorsed pair into a practice scenario and a draft article, plus one lesson.

    One transaction: all of it is made or none. Running it again makes nothing twice: each
    question keeps links to its scenario and article, the drill to its lesson. Pairs endorsed
    since the last run are added, and the lesson then gets a new version listing every pair.
    """
    require_lead(actor)
    drill = access_drill(session, actor=actor, drill_id=drill_id, lock=True)
    _require_status(drill, ("answering", "closed"), "turning it into training")
    questions = [
        line.question
        for line in drill_view(session, actor=actor, drill_id=drill.id).lines
        if line.question.endorsed is not None
    ]
    if not questions:
        raise InvalidInput("endorse at least one answer before turning the drill into training")
    now = utcnow()
    fresh = [q for q in questions if q.converted_at is None]
    scenarios = articles = 0
    for question in questions:
        scenarios += _ensure_scenario(session, actor, drill, question)
        articles += _ensure_article(session, actor, drill, question)
        question.converted_at = question.converted_at or now
    lesson, written = _ensure_lesson(session, actor, drill, questions, rewrite=bool(fresh))
    drill.converted_at = now
    session.commit()
    return Conversion(drill, lesson, questions, scenarios, articles, written)


def _title(drill: Drill, question: DrillQuestion) -> str:
    text = f"{drill.name}: {' '.join(question.text.split())}"
    return text if len(text) <= 200 else text[:199].rstrip() + "…"


def _ensure_scenario(session: Session, actor: User, drill: Drill, question: DrillQuestion) -> int:
    """1 when a scenario was made for the question now, 0 when it already had one."""
    if question.scenario_id is not None:
        return 0
    endorsed = question.endorsed
    assert endorsed is not None
    scenario = PracticeScenario(
        title=_title(drill, question),
        customer_text=question.text,
        model_answer=endorsed.text,
        created_by_id=actor.id,
    )
    session.add(scenario)
    session.flush()
    question.scenario_id = scenario.id
    return 1


def _ensure_article(session: Session, actor: User, drill: Drill, question: DrillQuestion) -> int:
    """1 when a draft article was made for the question now, 0 when it already had one."""
    if question.article_id is not None:
        return 0
    endorsed = question.endorsed
    assert endorsed is not None
    article = add_article(
        session,
        actor=actor,
        fields=ArticleFields(
            title=_title(drill, question),
            issue=question.text,
            resolution=endorsed.text,
            product=drill.product,
            feature=drill.feature,
            tags=["drill"],
        ),
    )
    question.article_id = article.id
    return 1


def _ensure_lesson(
    session: Session, actor: User, drill: Drill, questions: list[DrillQuestion], *, rewrite: bool
) -> tuple[Lesson, bool]:
    """The drill's lesson, written now when missing or (``rewrite``) when pairs were added."""
    lesson = session.get(Lesson, drill.lesson_id) if drill.lesson_id else None
    if lesson is not None and not rewrite:
        return lesson, False
    pairs = [Pair(q.text, q.endorsed.text) for q in questions if q.endorsed is not None]
    title, body, quiz = lesson_text(drill, pairs)
    if lesson is None:
        lesson = add_lesson(session, actor=actor, title=title, body=body, quiz=quiz)
        drill.lesson_id = lesson.id
    else:
        add_lesson_version(
            session, actor=actor, lesson_id=lesson.id, title=title, body=body, quiz=quiz
        )
    return lesson, True
