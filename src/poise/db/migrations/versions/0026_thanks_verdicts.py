"""Remember whether a satisfied customer turn is a thank-you; count praise again with it

Revision ID: 0026
Revises: 0025

The Happy File and the balance's "praise received" now take a satisfied turn only when it is
a thank-you that asks for nothing and reports no open problem (``praise.is_thanks``), which
runs the feeling model on its sentences. ``thanks_verdicts`` keeps each judgement, so a
collection does not judge a turn it turned down again on every scoring job. The insights
rollup's weekly praise counts were counted with the looser test: the rollup is marked as
never built, so the next rollup counts every week again with the new one (the exposure pages
say "not counted yet" until then, as after revision 0024).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WEEKS_BUILT = "insights.weeks_built"


def upgrade() -> None:
    op.create_table(
        "thanks_verdicts",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("signal_version", sa.String(length=64), nullable=False),
        sa.Column("thanks", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_thanks_verdicts_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_thanks_verdicts")),
    )
    op.execute(sa.text("DELETE FROM instance_facts WHERE key = :key").bindparams(key=WEEKS_BUILT))


def downgrade() -> None:
    op.drop_table("thanks_verdicts")
