"""API tokens may expire

Revision ID: 0029
Revises: 0028

A token worked until it was revoked, so one copied into a forgotten script or a leaked log kept
its owner's access for ever. Each new token now carries the moment it stops working (30, 90 or
365 days after it is made, 90 by default), or none when its maker chooses one that never
expires. Tokens made before keep no expiry (NULL) and keep working.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
