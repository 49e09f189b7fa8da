"""Add exposure's weekly counts to the insights rollup: per conversation, and per person and week

Revision ID: 0024
Revises: 0023

Team exposure and the weekly digest counted each member's negative turns and praise from every
customer turn of the team's twelve weeks: about a second for a team of twenty at a million
messages. The rollup now keeps them: ``insight_weeks`` holds each conversation's share of a
person's week (replaced whole when the conversation is counted again, so a reassignment moves
it), ``insight_agent_weeks`` their sums, a few hundred rows a team. Both start empty: the next
rollup (``poise insights rollup``, or the queued one) counts them, and until then the exposure
pages say they are not counted yet.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "insight_weeks",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("praise", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_insight_weeks_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "conversation_id", "agent_id", "week", name=op.f("pk_insight_weeks")
        ),
    )
    op.create_index("ix_insight_weeks_agent_id_week", "insight_weeks", ["agent_id", "week"])
    op.create_table(
        "insight_agent_weeks",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("praise", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agent_id", "week", name=op.f("pk_insight_agent_weeks")),
    )


def downgrade() -> None:
    op.drop_table("insight_agent_weeks")
    op.drop_index("ix_insight_weeks_agent_id_week", table_name="insight_weeks")
    op.drop_table("insight_weeks")
