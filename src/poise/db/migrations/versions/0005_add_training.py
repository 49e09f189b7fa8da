"""Add training

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "training_lessons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=True),
        sa.Column("current_number", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_training_lessons_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_lessons")),
        sa.UniqueConstraint("slug", name=op.f("uq_training_lessons_slug")),
    )
    op.create_table(
        "training_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("best_score", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["users.id"],
            name=op.f("fk_training_assignments_assigned_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["training_lessons.id"],
            name=op.f("fk_training_assignments_lesson_id_training_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_training_assignments_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_assignments")),
        sa.UniqueConstraint(
            "lesson_id", "user_id", name=op.f("uq_training_assignments_lesson_id_user_id")
        ),
    )
    with op.batch_alter_table("training_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_assignments_user_id_due_at", ["user_id", "due_at"], unique=False
        )

    op.create_table(
        "training_lesson_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("quiz", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_training_lesson_versions_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["training_lessons.id"],
            name=op.f("fk_training_lesson_versions_lesson_id_training_lessons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_lesson_versions")),
        sa.UniqueConstraint(
            "lesson_id", "number", name=op.f("uq_training_lesson_versions_lesson_id_number")
        ),
    )
    op.create_table(
        "training_review_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["training_lessons.id"],
            name=op.f("fk_training_review_cards_lesson_id_training_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_training_review_cards_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_review_cards")),
        sa.UniqueConstraint(
            "user_id", "lesson_id", name=op.f("uq_training_review_cards_user_id_lesson_id")
        ),
    )
    with op.batch_alter_table("training_review_cards", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_review_cards_user_id_due_at", ["user_id", "due_at"], unique=False
        )

    op.create_table(
        "training_quiz_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["training_lessons.id"],
            name=op.f("fk_training_quiz_attempts_lesson_id_training_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_training_quiz_attempts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["training_lesson_versions.id"],
            name=op.f("fk_training_quiz_attempts_version_id_training_lesson_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_quiz_attempts")),
    )
    with op.batch_alter_table("training_quiz_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_quiz_attempts_user_id_lesson_id", ["user_id", "lesson_id"], unique=False
        )

    op.create_table(
        "training_scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("customer_text", sa.Text(), nullable=False),
        sa.Column("model_answer", sa.Text(), nullable=True),
        sa.Column("source_message_id", sa.Integer(), nullable=True),
        sa.Column("negativity", sa.Float(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_training_scenarios_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_message_id"],
            ["messages.id"],
            name=op.f("fk_training_scenarios_source_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_scenarios")),
        sa.UniqueConstraint(
            "source_message_id", name=op.f("uq_training_scenarios_source_message_id")
        ),
    )
    op.create_table(
        "training_practice_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("feedback", sa.JSON(), nullable=False),
        sa.Column("closeness", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["training_scenarios.id"],
            name=op.f("fk_training_practice_attempts_scenario_id_training_scenarios"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_training_practice_attempts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_practice_attempts")),
    )
    with op.batch_alter_table("training_practice_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_practice_attempts_user_id_created_at",
            ["user_id", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("training_practice_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_training_practice_attempts_user_id_created_at")

    op.drop_table("training_practice_attempts")
    op.drop_table("training_scenarios")
    with op.batch_alter_table("training_quiz_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_training_quiz_attempts_user_id_lesson_id")

    op.drop_table("training_quiz_attempts")
    with op.batch_alter_table("training_review_cards", schema=None) as batch_op:
        batch_op.drop_index("ix_training_review_cards_user_id_due_at")

    op.drop_table("training_review_cards")
    op.drop_table("training_lesson_versions")
    with op.batch_alter_table("training_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_training_assignments_user_id_due_at")

    op.drop_table("training_assignments")
    op.drop_table("training_lessons")
