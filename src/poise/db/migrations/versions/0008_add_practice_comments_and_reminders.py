"""Add practice comments and reminders

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "training_practice_attempts",
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "training_practice_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["training_practice_attempts.id"],
            name=op.f("fk_training_practice_comments_attempt_id_training_practice_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_training_practice_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_practice_comments")),
    )
    op.create_index(
        "ix_training_practice_comments_attempt_id_created_at",
        "training_practice_comments",
        ["attempt_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "training_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_training_reminders_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_reminders")),
        sa.UniqueConstraint("user_id", "day", name=op.f("uq_training_reminders_user_id_day")),
    )


def downgrade() -> None:
    op.drop_table("training_reminders")
    op.drop_index(
        "ix_training_practice_comments_attempt_id_created_at",
        table_name="training_practice_comments",
    )
    op.drop_table("training_practice_comments")
    with op.batch_alter_table("training_practice_attempts") as batch:
        batch.drop_column("shared_at")
