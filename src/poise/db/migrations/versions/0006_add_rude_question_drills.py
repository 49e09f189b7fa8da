"""Add rude-question drills

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "training_drills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=120), nullable=False),
        sa.Column("feature", sa.String(length=120), nullable=True),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("launch_on", sa.Date(), nullable=False),
        sa.Column("launch_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("lesson_id", sa.Integer(), nullable=True),
        sa.Column("converted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["training_lessons.id"],
            name=op.f("fk_training_drills_lesson_id_training_lessons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["users.id"],
            name=op.f("fk_training_drills_opened_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_training_drills_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_drills")),
    )
    with op.batch_alter_table("training_drills", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_drills_status_launch_on", ["status", "launch_on"], unique=False
        )

    op.create_table(
        "training_drill_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drill_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("scenario_id", sa.Integer(), nullable=True),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("converted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_training_drill_questions_article_id_kb_articles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_training_drill_questions_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["drill_id"],
            ["training_drills.id"],
            name=op.f("fk_training_drill_questions_drill_id_training_drills"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["training_scenarios.id"],
            name=op.f("fk_training_drill_questions_scenario_id_training_scenarios"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_drill_questions")),
        sa.UniqueConstraint(
            "drill_id",
            "fingerprint",
            name=op.f("uq_training_drill_questions_drill_id_fingerprint"),
        ),
    )
    op.create_table(
        "training_drill_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("endorsed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("endorsed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_training_drill_answers_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["endorsed_by_id"],
            ["users.id"],
            name=op.f("fk_training_drill_answers_endorsed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["training_drill_questions.id"],
            name=op.f("fk_training_drill_answers_question_id_training_drill_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_drill_answers")),
    )
    with op.batch_alter_table("training_drill_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_drill_answers_question_id"), ["question_id"], unique=False
        )

    op.create_table(
        "training_drill_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["training_drill_questions.id"],
            name=op.f("fk_training_drill_votes_question_id_training_drill_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_training_drill_votes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_drill_votes")),
        sa.UniqueConstraint(
            "question_id", "user_id", name=op.f("uq_training_drill_votes_question_id_user_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("training_drill_votes")
    with op.batch_alter_table("training_drill_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_drill_answers_question_id"))

    op.drop_table("training_drill_answers")
    op.drop_table("training_drill_questions")
    with op.batch_alter_table("training_drills", schema=None) as batch_op:
        batch_op.drop_index("ix_training_drills_status_launch_on")

    op.drop_table("training_drills")
