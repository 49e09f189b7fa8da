"""A partial index over agents' replies by author and time, for AutoQA

Revision ID: 0025
Revises: 0024

AutoQA reads an agent's latest replies (their own page, and every member's at start-up to
warm the verdicts). Without an index on the author, each read went through the role index
and sorted every agent reply: 170 ms on SQLite with the demo's database grown to a million
messages, 6 ms with this index. Inserting messages in bulk took 6-11 % longer in raw SQL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AGENT = "author_role = 'agent'"


def upgrade() -> None:
    op.create_index(
        "ix_messages_agent_sent_at",
        "messages",
        ["author_user_id", "sent_at"],
        sqlite_where=sa.text(AGENT),
        postgresql_where=sa.text(AGENT),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_agent_sent_at", table_name="messages")
