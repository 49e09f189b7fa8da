"""An index over conversations by product and assignee, for a lead's Product menu

Revision ID: 0028
Revises: 0027

The conversation list's Product menu offers a lead only the products of conversations they may
open. Read as a DISTINCT over their visible rows, it read every one of them on each list page:
140-185 ms on PostgreSQL at a million conversations, 21-29 ms at 100,000. With this index each
product is kept or dropped by a few seeks (whether one of its conversations is unassigned, the
lead's own or their team's): 1.6 ms at a million, as an admin's menu. Writing 200,000
conversations took no measurably longer on SQLite (within the noise of a shared machine).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_conversations_product_assignee_id", "conversations", ["product", "assignee_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_conversations_product_assignee_id", table_name="conversations")
