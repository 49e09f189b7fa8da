"""Split jobs into chunks

Revision ID: 0015
Revises: 0014

Bulk scoring on Celery workers is split into chunks that several workers share. Each chunk is
a row, marked done in the same transaction as its results, so a chunk whose worker was killed
is redone by another with nothing lost or written twice, and the job's progress is the sum of
its done chunks.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_chunks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("keys", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["job_runs.id"],
            name=op.f("fk_job_chunks_job_id_job_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_chunks")),
        sa.UniqueConstraint("job_id", "seq", name="uq_job_chunks_job_seq"),
    )
    op.create_index("ix_job_chunks_job_status", "job_chunks", ["job_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_job_chunks_job_status", table_name="job_chunks")
    op.drop_table("job_chunks")
