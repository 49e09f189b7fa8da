"""Every change in training: one function per change, each checking roles and owning its commit.

``now`` is a parameter wherever time matters, so tests drive the schedule with a fixed clock.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from poise.auth.models import Team, User
from poise.auth.permissions import require_lead
from poise.conversations.models import Message
from poise.db.base import utcnow
from poise.errors import FieldChecks, InvalidInput, NotFound
from poise.redaction import StaffNames, redact
from poise.repeats import recent_repeat
from poise.training import schedule
from poise.training.feedback import label_reply
from poise.training.models import (
    PASS_MARK,
    Assignment,
    Lesson,
    LessonVersion,
    PracticeAttempt,
    PracticeComment,
    PracticeScenario,
    QuizAttempt,
    ReviewCard,
    may_assign_to,
    may_see_practice,
)
from poise.training.quiz import Graded, closeness, grade, parse_quiz
from poise.training.writing import written

COURSE_DIR = Path(__file__).parent / "course"
MAX_TITLE = 200
MAX_BODY = 20_000
MAX_QUIZ_ANSWER = 2000  # a free-text quiz answer: a few sentences, as the model answer is


# --- Authoring ------------------------------------------------------------------------------


def _checked(title: str, body: str, quiz: str) -> tuple[str, str, list[dict[str, Any]]]:
    """The lesson's title, body and questions, every refusal said at once (``InvalidFields``),
    each beside its own field: a lead fixed the title, saved, and only then heard of the quiz."""
    checks = FieldChecks()
    title = checks.check(lambda: _lesson_title(title), title)
    # each limit said for its own field, beside it: naming both beside the title misled
    if len(body) > MAX_BODY:
        checks.refuse(
            "body", f"keep the lesson under {MAX_BODY:,} characters (it has {len(body):,})"
        )
    questions: list[dict[str, Any]] = checks.check(partial(_lesson_quiz, quiz), [])
    checks.done()
    return title, body.strip(), questions


def _lesson_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise InvalidInput("a lesson needs a title", field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(
            f"keep the title under {MAX_TITLE:,} characters (it has {len(title):,})",
            field="title",
        )
    return title


def _lesson_quiz(quiz: str) -> list[dict[str, Any]]:
    questions = parse_quiz(quiz)
    if not questions:
        raise InvalidInput("a lesson needs at least one quiz question", field="quiz")
    return questions


def create_lesson(
    session: Session,
    *,
    actor: User | None,
    title: str,
    body: str,
    quiz: str,
    slug: str | None = None,
) -> Lesson:
    """Leads write a lesson: version 1 of its title, markdown body and quiz. The same lesson
    sent again at once by its author (Save clicked twice) is the one just written."""
    require_lead(actor)
    kept = _repeated_lesson(session, actor, title, body)
    if kept is not None:
        return kept
    lesson = add_lesson(session, actor=actor, title=title, body=body, quiz=quiz, slug=slug)
    session.commit()
    return lesson


def _repeated_lesson(session: Session, actor: User | None, title: str, body: str) -> Lesson | None:
    """The lesson ``actor`` wrote a moment ago with this title and body, still at version 1."""
    if actor is None:
        return None
    first = Lesson.versions.any(
        (LessonVersion.number == 1)
        & (LessonVersion.title == title.strip())
        & (LessonVersion.body == body.strip())
    )
    same = {"created_by_id": actor.id, "current_number": 1}
    return recent_repeat(session, Lesson, Lesson.created_at, same, where=(first,))


def add_lesson(
    session: Session,
    *,
    actor: User | None,
    title: str,
    body: str,
    quiz: str,
    slug: str | None = None,
) -> Lesson:
    """``create_lesson`` without the commit, for a caller whose larger change is one transaction.

    Turning a drill into training writes the lesson with scenarios and drafts of the manual;
    either all of it is kept or none. The lesson is flushed, so its id is known.
    """
    require_lead(actor)
    title, body, questions = _checked(title, body, quiz)
    author_id = actor.id if actor else None
    lesson = Lesson(slug=slug, current_number=1, created_by_id=author_id)
    lesson.versions.append(
        LessonVersion(number=1, title=title, body=body, quiz=questions, author_id=author_id)
    )
    session.add(lesson)
    session.flush()
    return lesson


def edit_lesson(
    session: Session, *, actor: User | None, lesson_id: int, title: str, body: str, quiz: str
) -> LessonVersion:
    """An edit never rewrites what agents answered: it adds a version and makes it current."""
    version = add_lesson_version(
        session, actor=actor, lesson_id=lesson_id, title=title, body=body, quiz=quiz
    )
    session.commit()
    return version


def add_lesson_version(
    session: Session, *, actor: User | None, lesson_id: int, title: str, body: str, quiz: str
) -> LessonVersion:
    """``edit_lesson`` without the commit (see ``add_lesson`` for why)."""
    require_lead(actor)
    lesson = session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound("no such lesson")
    title, body, questions = _checked(title, body, quiz)
    number = max(v.number for v in lesson.versions) + 1
    version = LessonVersion(
        number=number, title=title, body=body, quiz=questions, author_id=actor.id if actor else None
    )
    lesson.versions.append(version)
    lesson.current_number = number
    session.flush()
    return version


def load_starter_course(session: Session, *, actor: User | None) -> int:
    """Add the bundled starter lessons that are not here yet; returns how many were added."""
    require_lead(actor)
    course = tomllib.loads((COURSE_DIR / "course.toml").read_text(encoding="utf-8"))
    have = set(session.scalars(select(Lesson.slug).where(Lesson.slug.is_not(None))))
    added = 0
    for entry in course["lessons"]:
        if entry["slug"] in have:
            continue
        body = (COURSE_DIR / f"{entry['slug']}.md").read_text(encoding="utf-8")
        create_lesson(
            session,
            actor=actor,
            title=entry["title"],
            body=body,
            quiz=entry["quiz"],
            slug=entry["slug"],
        )
        added += 1
    return added


# --- Assignment -----------------------------------------------------------------------------


def assign_lesson(
    session: Session,
    *,
    actor: User | None,
    lesson_id: int,
    due_at: datetime,
    user_id: int | None = None,
    team_id: int | None = None,
) -> list[Assignment]:
    """Leads assign a lesson to one agent or every member of their own team (admins: anyone);
    re-assigning moves the due of an open assignment. One already completed stays as it was
    (done, with its due date and score): the caller tells the lead who had passed it rather
    than counting them as assigned. Returns every assignee's assignment."""
    require_lead(actor)
    if session.get(Lesson, lesson_id) is None:
        raise NotFound("no such lesson")
    members = _assignees(session, actor, user_id, team_id)
    made = []
    for member in members:
        assignment = session.scalars(
            select(Assignment).where(
                Assignment.lesson_id == lesson_id, Assignment.user_id == member.id
            )
        ).one_or_none()
        if assignment is None:
            assignment = Assignment(lesson_id=lesson_id, user_id=member.id)
            session.add(assignment)
        if assignment.completed_at is None:
            assignment.due_at = due_at
            assignment.assigned_by_id = actor.id if actor else None
        made.append(assignment)
    session.commit()
    return made


def _assignees(
    session: Session, actor: User | None, user_id: int | None, team_id: int | None
) -> list[User]:
    """Who gets the lesson. Someone the actor may not assign to (another team's agent, another
    team) is refused in the very words of an id nothing has, beside the form's field: a lead
    of Billing could hand Care's agents work, and a different answer would tell them which ids
    exist."""
    if (user_id is None) == (team_id is None):
        raise InvalidInput("assign to one agent or to one team", field="target")
    if user_id is not None:
        user = session.get(User, user_id)
        if user is None or not user.is_active or not may_assign_to(actor, user.team_id):
            raise InvalidInput("no such agent", field="target")
        return [user]
    team = session.get(Team, team_id)
    if team is None or not may_assign_to(actor, team.id):
        raise InvalidInput("no such team", field="target")
    members = [m for m in team.members if m.is_active]
    if not members:
        raise InvalidInput(f"team {team.name} has no members yet", field="target")
    return members


# --- Taking a quiz --------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptResult:
    """A graded attempt, each question's explanation, and when the lesson comes back."""

    attempt: QuizAttempt
    graded: list[Graded]
    next_review: datetime


def submit_quiz(
    session: Session,
    *,
    actor: User,
    lesson_id: int,
    answers: list[str | list[int]],
    version_number: int | None = None,
    now: datetime | None = None,
) -> AttemptResult:
    """Grade the current version's quiz, record it, complete any assignment, reschedule review."""
    now = now or utcnow()
    lesson = session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound("no such lesson")
    version = lesson.current
    if version_number is not None and version_number != version.number:
        raise InvalidInput(
            "the lesson was edited while you answered: check your answers against this version"
            " and send them again"
        )
    if len(answers) != len(version.quiz):
        raise InvalidInput(f"answer all {len(version.quiz)} questions")
    if not any(a.strip() if isinstance(a, str) else a for a in answers):
        # A stray click on "send" would record a 0 % attempt and pull the next review forward.
        raise InvalidInput("answer the questions first: nothing was chosen or written")
    _check_answers(version.quiz, answers)
    resent = _resent_attempt(session, actor.id, version.id, answers, now)
    if resent is not None:
        return resent
    graded = [grade(q, a) for q, a in zip(version.quiz, answers, strict=True)]
    score = round(sum(g.score for g in graded) / len(graded), 2)
    attempt = QuizAttempt(
        user_id=actor.id,
        lesson_id=lesson.id,
        version_id=version.id,
        score=score,
        passed=score >= PASS_MARK,
        answers=list(answers),
        marks=[{"score": g.score, "explanation": g.explanation} for g in graded],
        created_at=now,
    )
    session.add(attempt)
    _complete_assignment(session, actor.id, lesson.id, score, now)
    next_review = _reschedule(session, actor.id, lesson.id, score, now)
    session.commit()
    return AttemptResult(attempt, graded, next_review)


def _resent_attempt(
    session: Session,
    user_id: int,
    version_id: int,
    answers: list[str | list[int]],
    now: datetime,
) -> AttemptResult | None:
    """The attempt these very answers recorded a moment ago ("Check my answers" clicked twice,
    or Back and Resend), or None. A second attempt would review the card again at once, and
    full marks twice pushed the next review days further out than one pass earns."""
    same = {"user_id": user_id, "version_id": version_id}
    kept = recent_repeat(session, QuizAttempt, QuizAttempt.created_at, same, now=now)
    if kept is None or kept.answers != list(answers):
        return None
    graded = [Graded(m["score"], m["explanation"]) for m in kept.marks or []]
    card = _review_card(session, user_id, kept.lesson_id)
    return AttemptResult(kept, graded, card.due_at if card is not None else kept.created_at)


def _review_card(session: Session, user_id: int, lesson_id: int) -> ReviewCard | None:
    return session.scalars(
        select(ReviewCard).where(ReviewCard.user_id == user_id, ReviewCard.lesson_id == lesson_id)
    ).one_or_none()


def _check_answers(quiz: list[dict[str, Any]], answers: list[str | list[int]]) -> None:
    """Refuse, beside its question, a written answer longer than anyone writes in a quiz or a
    choice the question does not have: every attempt is kept, and its page shows the answers
    again (a pasted megabyte was stored and sent back whole; the API took choice 99)."""
    for index, (question, answer) in enumerate(zip(quiz, answers, strict=True)):
        field = f"q{index}"
        if isinstance(answer, str):
            if len(answer.strip()) > MAX_QUIZ_ANSWER:
                raise InvalidInput(
                    f"keep answer {index + 1} under {MAX_QUIZ_ANSWER} characters "
                    f"(it has {len(answer.strip())})",
                    field=field,
                )
            continue
        unknown = [i for i in answer if not 0 <= i < len(question.get("choices", []))]
        if unknown:
            raise unknown_choice(question, index, unknown[0])


def unknown_choice(question: dict[str, Any], index: int, given: object) -> InvalidInput:
    """The refusal of a choice question ``index`` does not have, beside that question: one
    wording for a number out of range (``7``) and for text that is no choice at all (``-1``,
    ``abc``), which the form used to drop silently and grade as no answer."""
    offered = len(question.get("choices", []))
    return InvalidInput(
        f"question {index + 1} has choices 0 to {offered - 1}, not {given}", field=f"q{index}"
    )


def _complete_assignment(
    session: Session, user_id: int, lesson_id: int, score: float, now: datetime
) -> None:
    assignment = session.scalars(
        select(Assignment).where(Assignment.lesson_id == lesson_id, Assignment.user_id == user_id)
    ).one_or_none()
    if assignment is None:
        return
    assignment.best_score = max(score, assignment.best_score or 0.0)
    if score >= PASS_MARK and assignment.completed_at is None:
        assignment.completed_at = now


def _reschedule(
    session: Session, user_id: int, lesson_id: int, score: float, now: datetime
) -> datetime:
    card = _review_card(session, user_id, lesson_id)
    if card is None:
        if score < PASS_MARK:
            return now  # not learnt yet: the lesson stays on the list, no review is scheduled
        card = ReviewCard(user_id=user_id, lesson_id=lesson_id, reviews=0)
        session.add(card)
        state, due = schedule.review(None, score, now)
    else:
        state, due = schedule.review(card.card, score, now)
    card.card = state
    card.due_at = due
    card.reviews = (card.reviews or 0) + 1
    return due


# --- Practice -------------------------------------------------------------------------------

HARD_MESSAGE = 0.7
MAX_REPLY = 4000
MAX_CUSTOMER_TEXT = 8000  # a lead's scenario: one customer message, however long-winded


def draw_scenarios(
    session: Session, *, actor: User | None, threshold: float = HARD_MESSAGE, limit: int = 20
) -> int:
    """Turn the hardest customer messages of the archive into scenarios, redacted.

    Only messages scored at or above ``threshold`` qualify; each becomes one scenario however
    often this runs. Customer details go through the wall's redaction; agents' names stay.
    """
    require_lead(actor)
    taken = select(PracticeScenario.source_message_id).where(
        PracticeScenario.source_message_id.is_not(None)
    )
    messages = session.scalars(
        select(Message)
        .where(Message.author_role == "customer")
        .where(Message.negativity >= threshold)
        .where(Message.id.not_in(taken))
        .options(selectinload(Message.conversation))
        .order_by(Message.negativity.desc(), Message.id)
        .limit(limit)
    ).all()
    staff = StaffNames.of(session.scalars(select(User.name)).all())
    for message in messages:
        subject = redact(message.conversation.subject or "", staff=staff).text.strip()
        session.add(
            PracticeScenario(
                title=(subject or f"A hard {message.conversation.channel} message")[:200],
                customer_text=_unaddressed(redact(message.body, staff=staff).text),
                source_message_id=message.id,
                negativity=message.negativity,
                created_by_id=actor.id if actor else None,
            )
        )
    session.commit()
    return len(messages)


# The handles a tweet opens or ends with, once redacted: whom it is addressed to, not words
# the customer said ("[handle] Following up…" read as if the customer typed the placeholder).
_ADDRESSED = re.compile(r"^(?:\s*\[handle\])+\s*|(?:\s*\[handle\])+\s*$")


def _unaddressed(text: str) -> str:
    """A scenario's customer text without the redacted handles it was addressed with."""
    return _ADDRESSED.sub("", text).strip() or text


SCENARIO_NEEDS = "a scenario needs a title and the customer's message"


def _scenario_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise InvalidInput(SCENARIO_NEEDS, field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(
            f"a scenario title is at most {MAX_TITLE} characters (this one has {len(title)})",
            field="title",
        )
    return title


def create_scenario(
    session: Session, *, actor: User | None, title: str, customer_text: str, model_answer: str = ""
) -> PracticeScenario:
    """Leads write a scenario: a hard message, and optionally a model answer to compare with.

    The message and the model answer are bounded like the replies they stand beside: every
    agent who opens the scenario reads the message, and each reply's feedback reads both, so
    a pasted megabyte would slow every one of those pages for good."""
    require_lead(actor)
    checks = FieldChecks()  # every refusal at once, each beside its field
    checks.check(partial(_scenario_title, title), "")
    if customer_text.strip():
        what, limit = "the customer's message", MAX_CUSTOMER_TEXT
        customer_text = checks.check(
            partial(written, customer_text, what=what, limit=limit, field="customer_text"), ""
        )
    else:
        checks.refuse("customer_text", SCENARIO_NEEDS)
    answer = model_answer.strip()
    if answer:
        what = "the model answer"
        answer = checks.check(
            partial(written, answer, what=what, limit=MAX_REPLY, field="model_answer"), ""
        )
    checks.done()
    same = {
        "title": title.strip(),
        "customer_text": customer_text,
        "model_answer": answer or None,
        "created_by_id": actor.id if actor else None,
    }
    if actor is not None:  # the same scenario sent again at once by its author is this one
        kept = recent_repeat(session, PracticeScenario, PracticeScenario.created_at, same)
        if kept is not None:
            return kept
    scenario = PracticeScenario(**same)
    session.add(scenario)
    session.commit()
    return scenario


def practise(
    session: Session, *, actor: User, scenario_id: int, reply: str, now: datetime | None = None
) -> PracticeAttempt:
    """Label the agent's reply at once and keep it, so progress shows over time.

    The same reply sent again at once ("Get feedback" clicked twice) is the one already kept:
    a second would stand in the history and the progress chart as another reply."""
    scenario = session.get(PracticeScenario, scenario_id)
    if scenario is None:
        raise NotFound("no such scenario")
    reply = written(reply, what="a reply", limit=MAX_REPLY)
    now = now or utcnow()
    same = {"user_id": actor.id, "scenario_id": scenario.id, "reply": reply}
    kept = recent_repeat(session, PracticeAttempt, PracticeAttempt.created_at, same, now=now)
    if kept is not None:
        return kept
    verdicts = label_reply(reply)
    attempt = PracticeAttempt(
        user_id=actor.id,
        scenario_id=scenario.id,
        reply=reply,
        feedback={k: {"present": v.present, "phrases": v.phrases} for k, v in verdicts.items()},
        closeness=closeness(reply, scenario.model_answer) if scenario.model_answer else None,
        created_at=now,
    )
    session.add(attempt)
    session.commit()
    return attempt


# --- Comments on practice -------------------------------------------------------------------

MAX_COMMENT = 2000


def share_practice(
    session: Session, *, actor: User, attempt_id: int, shared: bool = True
) -> PracticeAttempt:
    """The author asks teammates for comments on a reply (leads may comment on any reply)."""
    attempt = session.get(PracticeAttempt, attempt_id)
    if attempt is None or attempt.user_id != actor.id:
        raise NotFound("no such practice reply")
    if shared and attempt.shared_at is None:
        attempt.shared_at = utcnow()
    elif not shared:
        attempt.shared_at = None
    session.commit()
    return attempt


def comment_on_practice(
    session: Session, *, actor: User, attempt_id: int, body: str, now: datetime | None = None
) -> PracticeComment:
    """A lead, a teammate the reply was shared with, or its author adds a comment (the same
    comment sent again at once by its writer is the one already added)."""
    attempt = session.get(PracticeAttempt, attempt_id)
    if attempt is None or not may_see_practice(actor, attempt):
        raise NotFound("no such practice reply")
    body = written(body, what="a comment", limit=MAX_COMMENT, field="body")
    now = now or utcnow()
    same = {"attempt_id": attempt.id, "author_id": actor.id, "body": body}
    kept = recent_repeat(session, PracticeComment, PracticeComment.created_at, same, now=now)
    if kept is not None:
        return kept
    comment = PracticeComment(
        attempt_id=attempt.id,
        author_id=actor.id,
        body=body,
        created_at=now,
        read_at=now if actor.id == attempt.user_id else None,
    )
    session.add(comment)
    session.commit()
    return comment


def mark_comments_read(session: Session, *, actor: User, attempt_id: int) -> int:
    """The author says the reply's comments are read, so Today stops listing them as new.
    Returns how many were new.

    An explicit request (a button), never a side effect of opening the reply: a page view
    writes nothing. Only the author's comments-read state exists, so anyone else answers
    "not found", as for sharing.
    """
    attempt = session.get(PracticeAttempt, attempt_id)
    if attempt is None or attempt.user_id != actor.id:
        raise NotFound("no such practice reply")
    comments = session.scalars(
        select(PracticeComment)
        .join(PracticeComment.attempt)
        .where(PracticeComment.attempt_id == attempt_id)
        .where(PracticeAttempt.user_id == actor.id)
        .where(PracticeComment.read_at.is_(None))
    ).all()
    now = utcnow()
    for comment in comments:
        comment.read_at = now
    if comments:
        session.commit()
    return len(comments)


def set_autoqa(session: Session, *, actor: User, team_id: int, enabled: bool) -> Team:
    """Turn AutoQA on or off for a team: its lead or an admin decides (opt-in per team)."""
    from poise.training.autoqa import may_see_team_shares

    require_lead(actor)
    team = session.get(Team, team_id)
    # Another team is answered as a missing one: a lead learns nothing of other teams' ids.
    if team is None or not may_see_team_shares(actor, team_id):
        raise NotFound("no such team")
    team.autoqa = enabled
    session.commit()
    return team
