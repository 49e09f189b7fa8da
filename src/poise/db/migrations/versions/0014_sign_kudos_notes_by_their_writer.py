"""Sign kudos notes by their writer

Revision ID: 0014
Revises: 0013

A round's note was signed with the collector's name even when a lead wrote it. The round now
remembers who wrote its note.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kudos_rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note_author_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_kudos_rounds_note_author_id_users"),
            "users",
            ["note_author_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("kudos_rounds", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_kudos_rounds_note_author_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("note_author_id")
