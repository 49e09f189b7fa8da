"""Training tables: lessons and their versions, assignments, quiz attempts, review cards.

A lesson never changes in place: each edit adds a ``LessonVersion``, and every attempt records
the version it answered, so a score always means what the agent actually saw.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from poise.auth.models import Team, User
from poise.auth.permissions import leads_team
from poise.db.base import Base, UTCDateTime, utcnow

PASS_MARK = 0.7


class Lesson(Base):
    """A lesson's identity; its title, body and quiz live in versions.

    ``slug`` is set for the starter course, so loading it again finds what is already there.
    """

    __tablename__ = "training_lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)
    current_number: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[LessonVersion]] = relationship(
        back_populates="lesson", order_by="LessonVersion.number", cascade="all, delete-orphan"
    )

    @property
    def current(self) -> LessonVersion:
        return next(v for v in self.versions if v.number == self.current_number)


class LessonVersion(Base):
    """One authored text of a lesson: title, markdown body and quiz questions (JSON)."""

    __tablename__ = "training_lesson_versions"
    __table_args__ = (UniqueConstraint("lesson_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("training_lessons.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    quiz: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lesson: Mapped[Lesson] = relationship(back_populates="versions")
    author: Mapped[User | None] = relationship()


class Assignment(Base):
    """A lesson an agent must complete by a date; assigning to a team makes one per member."""

    __tablename__ = "training_assignments"
    __table_args__ = (
        UniqueConstraint("lesson_id", "user_id"),
        Index("ix_training_assignments_user_id_due_at", "user_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("training_lessons.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    best_score: Mapped[float | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lesson: Mapped[Lesson] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class QuizAttempt(Base):
    """One agent's answers to one version's quiz, graded on submission.

    ``marks`` keeps each answer's score and explanation as given then (``{"score": 0.5,
    "explanation": "..."}`` per question), so the attempt's page never grades again with later
    rules: its marks always add up to ``score``. Attempts sent before marks were kept (before
    revision 0031) have none (NULL).
    """

    __tablename__ = "training_quiz_attempts"
    __table_args__ = (Index("ix_training_quiz_attempts_user_id_lesson_id", "user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("training_lessons.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(
        ForeignKey("training_lesson_versions.id", ondelete="CASCADE")
    )
    score: Mapped[float] = mapped_column()
    passed: Mapped[bool] = mapped_column(Boolean)
    answers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    marks: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[LessonVersion] = relationship()


class ReviewCard(Base):
    """The spaced-review state of one lesson for one agent: an FSRS card as JSON, plus its due."""

    __tablename__ = "training_review_cards"
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id"),
        Index("ix_training_review_cards_user_id_due_at", "user_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("training_lessons.id", ondelete="CASCADE"))
    card: Mapped[dict[str, Any]] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviews: Mapped[int] = mapped_column(Integer, default=0)

    lesson: Mapped[Lesson] = relationship()


class PracticeScenario(Base):
    """A hard customer message to practise on: from the archive (redacted) or written by a lead.

    ``source_message_id`` makes drawing from the archive idempotent: a message becomes one
    scenario however often the archive is drawn from.
    """

    __tablename__ = "training_scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    customer_text: Mapped[str] = mapped_column(Text)
    model_answer: Mapped[str | None] = mapped_column(Text)
    source_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), unique=True
    )
    negativity: Mapped[float | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PracticeAttempt(Base):
    """An agent's reply to a scenario with the feedback it got (labels and phrases as JSON)."""

    __tablename__ = "training_practice_attempts"
    __table_args__ = (
        Index("ix_training_practice_attempts_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("training_scenarios.id", ondelete="CASCADE")
    )
    reply: Mapped[str] = mapped_column(Text)
    feedback: Mapped[dict[str, Any]] = mapped_column(JSON)
    closeness: Mapped[float | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    scenario: Mapped[PracticeScenario] = relationship()
    user: Mapped[User] = relationship()
    comments: Mapped[list[PracticeComment]] = relationship(
        back_populates="attempt",
        order_by="PracticeComment.created_at",
        cascade="all, delete-orphan",
    )


def may_see_practice(actor: User, attempt: PracticeAttempt) -> bool:
    """Who may read (and comment on) a practice reply: its author, the lead of the author's
    team (or an admin), or a teammate once the author shared it. A lead of another team may
    not: practice is personal feedback. Actions and queries both ask this one rule.
    """
    if actor.id == attempt.user_id or leads_team(actor, attempt.user.team_id):
        return True
    return (
        attempt.shared_at is not None
        and actor.team_id is not None
        and actor.team_id == attempt.user.team_id
    )


def may_assign_to(actor: User | None, team_id: int | None) -> bool:
    """Whether ``actor`` may assign lessons to a member of team ``team_id`` (or the team): an
    admin anyone, a lead their own team's people only (``None`` is the trusted CLI). The
    assign action and the picker on the lesson page ask this one rule, so the picker never
    offers what the action refuses."""
    return actor is None or leads_team(actor, team_id)


# --- Rude-question drills -------------------------------------------------------------------

DRILL_STATUSES = ("collecting", "answering", "closed")


class Drill(Base):
    """A rude-questions exercise before a launch: questions, votes, answers, then training.

    ``team_id`` narrows who takes part (that team's members plus leads); without it everyone
    does. ``lesson_id`` links the one lesson the drill was turned into, so turning it into
    training again updates that lesson instead of making another.
    """

    __tablename__ = "training_drills"
    __table_args__ = (Index("ix_training_drills_status_launch_on", "status", "launch_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product: Mapped[str] = mapped_column(String(120))
    feature: Mapped[str | None] = mapped_column(String(120))
    changes: Mapped[str] = mapped_column(Text, default="")
    launch_on: Mapped[date] = mapped_column(Date)
    launch_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="collecting")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_lessons.id", ondelete="SET NULL")
    )
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team | None] = relationship()
    opened_by: Mapped[User | None] = relationship()
    questions: Mapped[list[DrillQuestion]] = relationship(
        back_populates="drill", order_by="DrillQuestion.id", cascade="all, delete-orphan"
    )

    @property
    def name(self) -> str:
        """What people call the drill: the product, and the feature when there is one."""
        return f"{self.product} · {self.feature}" if self.feature else self.product


class DrillQuestion(Base):
    """A rude question someone imagines a customer asking.

    ``fingerprint`` (SHA-256 of the case- and space-folded text) makes an exact repeat in the
    same drill impossible, even when two people post it at once. ``author_id`` is kept even
    for an anonymous question so its author can edit or delete it; no page or API shows it.
    ``scenario_id`` and ``article_id`` link what turning the drill into training made, and
    ``converted_at`` says when the question first went into the drill's lesson.
    """

    __tablename__ = "training_drill_questions"
    __table_args__ = (UniqueConstraint("drill_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("training_drills.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    scenario_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_scenarios.id", ondelete="SET NULL")
    )
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="SET NULL")
    )
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    drill: Mapped[Drill] = relationship(back_populates="questions")
    author: Mapped[User | None] = relationship()
    votes: Mapped[list[DrillVote]] = relationship(cascade="all, delete-orphan")
    answers: Mapped[list[DrillAnswer]] = relationship(
        back_populates="question", order_by="DrillAnswer.id", cascade="all, delete-orphan"
    )

    @property
    def endorsed(self) -> DrillAnswer | None:
        """The answer the lead endorsed, if any (the actions keep it to one)."""
        return next((a for a in self.answers if a.endorsed_at is not None), None)


class DrillVote(Base):
    """One person's vote for one question; voting again changes nothing."""

    __tablename__ = "training_drill_votes"
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("training_drill_questions.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DrillAnswer(Base):
    """A model answer to a question; ``endorsed_at`` is set on the lead's pick (one a question)."""

    __tablename__ = "training_drill_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("training_drill_questions.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    endorsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    endorsed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[DrillQuestion] = relationship(back_populates="answers")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


# --- Reflections (explanatory style) --------------------------------------------------------


class Reflection(Base):
    """An agent's private explanation of a hard interaction, rated on the three CAVE
    dimensions (1–7, 7 = permanent / pervasive / personal), with a coached reframe.

    Only its author ever reads it: the queries and actions filter on ``author_id``, so a lead
    or an admin gets the same "not found" as a stranger. ``analysis`` keeps the evidence and
    coaching shown (and the reframe's, once written) so the page shows what the agent saw;
    ``scorer_version`` says which rules rated it.
    """

    __tablename__ = "training_reflections"
    __table_args__ = (
        Index("ix_training_reflections_author_id_created_at", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)
    permanent: Mapped[int] = mapped_column(Integer)
    pervasive: Mapped[int] = mapped_column(Integer)
    personal: Mapped[int] = mapped_column(Integer)
    analysis: Mapped[dict[str, Any]] = mapped_column(JSON)
    scorer_version: Mapped[str] = mapped_column(String(64))
    reframe: Mapped[str | None] = mapped_column(Text)
    reframe_permanent: Mapped[int | None] = mapped_column(Integer)
    reframe_pervasive: Mapped[int | None] = mapped_column(Integer)
    reframe_personal: Mapped[int | None] = mapped_column(Integer)
    reframed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- Practice comments and reminders --------------------------------------------------------


class PracticeComment(Base):
    """A lead's or teammate's comment on a practice reply: what a person sees that rules miss.

    ``read_at`` is set when the reply's author marks the comments read (a button on the
    reply, never by opening it: a read writes nothing), so Today can say what is new.
    """

    __tablename__ = "training_practice_comments"
    __table_args__ = (
        Index("ix_training_practice_comments_attempt_id_created_at", "attempt_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("training_practice_attempts.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attempt: Mapped[PracticeAttempt] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()


class ReminderSent(Base):
    """One reminder e-mail per person per day: the row is claimed before the mail goes out.

    The unique key makes the claim atomic, so two workers (or a rerun of ``poise training
    remind``) never send the same person two reminders on one day.
    """

    __tablename__ = "training_reminders"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    items: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
