"""Add signals and background jobs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 14:43:57.572045
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_runs_subject"), ["subject"], unique=False)

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("early_warning", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("escalation_risk", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("peak_negativity", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("drifted", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("drift_turn", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("turnaround", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("abusive", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("signal_trend", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("signals_version", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_conversations_early_warning_opened_at", ["early_warning", "opened_at"], unique=False
        )
        batch_op.create_index("ix_conversations_escalation_risk", ["escalation_risk"], unique=False)

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("negativity", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("emotion", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("abusive", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("signal_evidence", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("signal_version", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_messages_author_role_signal_version",
            ["author_role", "signal_version"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_author_role_signal_version")
        batch_op.drop_column("signal_version")
        batch_op.drop_column("signal_evidence")
        batch_op.drop_column("abusive")
        batch_op.drop_column("emotion")
        batch_op.drop_column("negativity")

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_escalation_risk")
        batch_op.drop_index("ix_conversations_early_warning_opened_at")
        batch_op.drop_column("signals_version")
        batch_op.drop_column("signal_trend")
        batch_op.drop_column("abusive")
        batch_op.drop_column("turnaround")
        batch_op.drop_column("drift_turn")
        batch_op.drop_column("drifted")
        batch_op.drop_column("peak_negativity")
        batch_op.drop_column("escalation_risk")
        batch_op.drop_column("early_warning")

    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_runs_subject"))

    op.drop_table("job_runs")
