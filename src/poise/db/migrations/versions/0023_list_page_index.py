"""The conversation list's order, with the assignee, in one index: deep pages skip index entries

Revision ID: 0023
Revises: 0022

A list page is OFFSET rows into "newest first". Reading whole rows to skip them made page
1,000 of a million messages 2.5-5x slower than page 100 of 100,000. The list now finds its
page's ids first, and this index answers that alone: (opened_at, id) is the list's order and
assignee_id is what the visibility rule reads. It replaces ``ix_conversations_opened_at``,
whose one column is its prefix.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_conversations_opened_at_id", "conversations", ["opened_at", "id", "assignee_id"]
    )
    op.drop_index("ix_conversations_opened_at", table_name="conversations")


def downgrade() -> None:
    op.create_index("ix_conversations_opened_at", "conversations", ["opened_at"])
    op.drop_index("ix_conversations_opened_at_id", table_name="conversations")
