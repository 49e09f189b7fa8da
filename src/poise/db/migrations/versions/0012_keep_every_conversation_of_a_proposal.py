"""Keep every conversation of a mined proposal

Revision ID: 0012
Revises: 0011

A proposal kept only its five best examples, so accepting it recorded five sources and the
next run offered the rest again. Every conversation of its group is now a member row.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_proposal_members",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["kb_proposals.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("proposal_id", "conversation_id"),
    )
    op.create_index(
        "ix_kb_proposal_members_conversation", "kb_proposal_members", ["conversation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_kb_proposal_members_conversation", table_name="kb_proposal_members")
    op.drop_table("kb_proposal_members")
