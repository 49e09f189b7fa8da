"""Separate how the customer feels from whether they report a problem

Revision ID: 0011
Revises: 0010

``messages.negativity`` now holds the support-calibrated feeling (P negative), and the new
``complaint`` column the old "reports a problem" score; ``feeling_level`` is the five-level
reading and ``leaving`` a threat to cancel or complain elsewhere. Conversations keep the
purpose stated from the customer's words, the sentence that drifted, and whether the customer
threatened to leave. Teams choose how unhappy an opening must be to raise early warning.
Existing scores are re-scored with ``poise signals rescore``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("complaint", sa.Float(), nullable=True))
        batch.add_column(sa.Column("feeling_level", sa.String(16), nullable=True))
        batch.add_column(sa.Column("leaving", sa.Boolean(), nullable=True))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(
            sa.Column("leaving", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("stated_purpose", sa.Text(), nullable=True))
        batch.add_column(sa.Column("drift_sentence", sa.Text(), nullable=True))
    with op.batch_alter_table("teams") as batch:
        batch.add_column(
            sa.Column(
                "early_warning_level", sa.String(16), nullable=False, server_default="negative"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("early_warning_level")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("drift_sentence")
        batch.drop_column("stated_purpose")
        batch.drop_column("leaving")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("leaving")
        batch.drop_column("feeling_level")
        batch.drop_column("complaint")
