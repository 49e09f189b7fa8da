"""Add the insights day aggregate: counts, time histograms and emotion turns per day group

Revision ID: 0021
Revises: 0020

At a million messages the all-teams dashboard read about 155,000 ``insight_facts`` rows per
request. The day aggregate holds the same counts per day × team × product × feature × channel,
for the views without an assignee or tag filter, at eight levels (which of team, product and
feature a row keeps), so a view reads only its own level's rows. It starts empty and unbuilt:
those views read ``insight_facts`` until the next rollup (``poise insights rollup``, or the
queued one) builds it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = (
    "conversations", "rated", "good", "low", "rated_five", "five_total", "unhappy",
    "escalating", "turnarounds", "resolved", "first_contact", "repeats", "first_responses",
    "resolutions",
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "insight_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("product", sa.String(length=120), nullable=True),
        sa.Column("feature", sa.String(length=120), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.Column("emotions", sa.Text(), nullable=False),
        sa.Column("first_response_times", sa.LargeBinary(), nullable=False),
        sa.Column("resolution_times", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_days")),
    )
    with op.batch_alter_table("insight_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_insight_days_day"), ["day"], unique=False)
        batch_op.create_index("ix_insight_days_level_day", ["level", "day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("insight_days", schema=None) as batch_op:
        batch_op.drop_index("ix_insight_days_level_day")
        batch_op.drop_index(batch_op.f("ix_insight_days_day"))
    op.drop_table("insight_days")
