"""Quiz attempts keep each answer's mark

Revision ID: 0031
Revises: 0030

An attempt kept its total and its answers, and its page graded the answers again with the
rules of the day (stop words, stems and negations change between releases): an attempt could
read 75 % at the top over marks of 100 % and 25 %, and a learner's history moved with each
release.
Each attempt now keeps each answer's score and explanation as given when it was sent.

Attempts sent before keep none (NULL): grading them here would only freeze today's rules
under yesterday's totals. Their page shows the total given then, the answers and the key,
and says that marks per answer were not kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("training_quiz_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("marks", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("training_quiz_attempts", schema=None) as batch_op:
        batch_op.drop_column("marks")
