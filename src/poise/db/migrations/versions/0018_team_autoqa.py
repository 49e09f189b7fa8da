"""Let a team opt in to AutoQA

Revision ID: 0018
Revises: 0017

AutoQA gives the six-label reply feedback on agents' real replies. It is off until a lead or
an admin turns it on for the team, so the flag defaults to false for every existing team.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(
            sa.Column("autoqa", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("autoqa")
