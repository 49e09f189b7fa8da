"""Record which process runs a job

Revision ID: 0013
Revises: 0012

A job left ``running`` by a process that died showed its last progress forever. Each job now
names the process that owns it and when it last reported, so the next start can tell a dead
owner from a live one and resume the work.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("owner", sa.String(length=128), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_job_runs_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_runs_status"))
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("owner")
