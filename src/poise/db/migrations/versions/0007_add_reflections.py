"""Add reflections

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "training_reflections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("permanent", sa.Integer(), nullable=False),
        sa.Column("pervasive", sa.Integer(), nullable=False),
        sa.Column("personal", sa.Integer(), nullable=False),
        sa.Column("analysis", sa.JSON(), nullable=False),
        sa.Column("scorer_version", sa.String(length=64), nullable=False),
        sa.Column("reframe", sa.Text(), nullable=True),
        sa.Column("reframe_permanent", sa.Integer(), nullable=True),
        sa.Column("reframe_pervasive", sa.Integer(), nullable=True),
        sa.Column("reframe_personal", sa.Integer(), nullable=True),
        sa.Column("reframed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_training_reflections_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_training_reflections_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_reflections")),
    )
    with op.batch_alter_table("training_reflections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_reflections_author_id_created_at",
            ["author_id", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("training_reflections", schema=None) as batch_op:
        batch_op.drop_index("ix_training_reflections_author_id_created_at")

    op.drop_table("training_reflections")
