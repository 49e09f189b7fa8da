"""Add the insights rollup: one row of figures per conversation, and a queue of changes

Revision ID: 0019
Revises: 0018

At a million messages the dashboard took seconds because it aggregated the raw conversations
and messages on every request. ``insight_facts`` holds what the figures need per conversation;
``insight_rollup_queue`` holds the conversations waiting to be counted again. Every existing
conversation is queued, so the first rollup (``poise insights rollup``) counts them all.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _flag(name: str) -> sa.Column[bool]:
    return sa.Column(name, sa.Boolean(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "insight_facts",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("opened_day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("product", sa.String(length=120), nullable=True),
        sa.Column("feature", sa.String(length=120), nullable=True),
        sa.Column("tags", sa.String(length=1000), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        _flag("rated"),
        _flag("good"),
        _flag("low"),
        sa.Column("five_score", sa.Integer(), nullable=True),
        sa.Column("first_response_s", sa.Float(), nullable=True),
        sa.Column("resolution_s", sa.Float(), nullable=True),
        _flag("unhappy"),
        _flag("escalating"),
        _flag("turnaround"),
        _flag("fcr_resolved"),
        _flag("first_contact"),
        _flag("repeat"),
        sa.Column("emotions", sa.String(length=1000), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_insight_facts_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_insight_facts")),
    )
    with op.batch_alter_table("insight_facts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_insight_facts_opened_day",
            ["opened_day"],
            unique=False,
            postgresql_include=["first_response_s", "resolution_s"],
        )
        batch_op.create_index(
            "ix_insight_facts_product_opened_day", ["product", "opened_day"], unique=False
        )
        batch_op.create_index(
            "ix_insight_facts_feature_opened_day", ["feature", "opened_day"], unique=False
        )
        batch_op.create_index(
            "ix_insight_facts_assignee_id_opened_day", ["assignee_id", "opened_day"], unique=False
        )
        batch_op.create_index(
            "ix_insight_facts_channel_opened_day", ["channel", "opened_day"], unique=False
        )
    op.create_table(
        "insight_rollup_queue",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_insight_rollup_queue_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_insight_rollup_queue")),
    )
    op.execute(
        "INSERT INTO insight_rollup_queue (conversation_id, queued_at) "
        "SELECT id, created_at FROM conversations"
    )


def downgrade() -> None:
    op.drop_table("insight_rollup_queue")
    with op.batch_alter_table("insight_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_insight_facts_channel_opened_day")
        batch_op.drop_index("ix_insight_facts_assignee_id_opened_day")
        batch_op.drop_index("ix_insight_facts_feature_opened_day")
        batch_op.drop_index("ix_insight_facts_product_opened_day")
        batch_op.drop_index("ix_insight_facts_opened_day")
    op.drop_table("insight_facts")
