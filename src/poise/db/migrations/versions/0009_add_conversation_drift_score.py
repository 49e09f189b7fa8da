"""Add the conversation's drift score

Revision ID: 0009
Revises: 0008

The assist panel reads a stored conversation's signals instead of recomputing them on every
request; the drift score is the one figure it shows that was not stored yet.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("drift_score", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("drift_score")
