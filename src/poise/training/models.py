"""Training tables: lessons and their versions, assignments, quiz attempts, review cards.

A lesson never changes in place: each edit adds a ``LessonVersion``, and every attempt records
the version it answered, so a score always means what the agent actually saw.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from poise.auth.models import User
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
    """One agent's answers to one version's quiz, graded on submission."""

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

    scenario: Mapped[PracticeScenario] = relationship()
