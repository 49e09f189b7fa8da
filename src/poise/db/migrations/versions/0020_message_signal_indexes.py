"""Partial indexes for the customer turns still to score and the recent emotion mix

Revision ID: 0020
Revises: 0019

At a million messages the signals overview took most of a second: counting unscored customer
turns read every message (agents' turns are never scored, so the planner expected a quarter
of the table to match), and the emotion mix of the last 30 days read the table too. Both are
now answered from small partial indexes over customer turns only.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNSCORED = "author_role = 'customer' AND signal_version IS NULL"
CUSTOMER = "author_role = 'customer'"


def upgrade() -> None:
    op.create_index(
        "ix_messages_unscored",
        "messages",
        ["conversation_id"],
        sqlite_where=sa.text(UNSCORED),
        postgresql_where=sa.text(UNSCORED),
    )
    op.create_index(
        "ix_messages_customer_sent_at",
        "messages",
        ["sent_at", "emotion", "conversation_id"],
        sqlite_where=sa.text(CUSTOMER),
        postgresql_where=sa.text(CUSTOMER),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_customer_sent_at", table_name="messages")
    op.drop_index("ix_messages_unscored", table_name="messages")
