"""Remember the team an import came in for

Revision ID: 0027
Revises: 0026

Every lead could list every import and download its rejected rows, customer text included. A
lead now reads only the imports they uploaded and those of their own team, so a run keeps the
uploader's team as it was when the file came in (a lead who later moves team takes none of
their old team's imports along). Runs already recorded get their uploader's present team, the
best that is known of them; a run with no uploader (the command line) stays for admins only.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_import_runs_team_id_teams"),
            "teams",
            ["team_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute(
        sa.text(
            "UPDATE import_runs SET team_id = "
            "(SELECT users.team_id FROM users WHERE users.id = import_runs.created_by_id)"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_import_runs_team_id_teams"), type_="foreignkey")
        batch_op.drop_column("team_id")
