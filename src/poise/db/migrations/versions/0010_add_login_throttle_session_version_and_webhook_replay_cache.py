"""Add the login throttle, the session version and the webhook replay cache

Revision ID: 0010
Revises: 0009

Refused sign-ins and received webhook messages are kept in the database, not in memory, so
every server process shares the throttle and the replay cache. The user's session version,
copied into each session cookie, lets sign-out and a password change end every session.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), server_default="1", nullable=False)
        )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_email_failed_at", "login_failures", ["email", "failed_at"])
    op.create_index("ix_login_failures_ip_failed_at", "login_failures", ["ip", "failed_at"])
    op.create_index("ix_login_failures_failed_at", "login_failures", ["failed_at"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("conversation_key", sa.String(length=128), nullable=False),
        sa.Column("message_key", sa.String(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_webhook_deliveries_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "integration_id",
            "conversation_key",
            "message_key",
            name=op.f("uq_webhook_deliveries_integration_id_conversation_key_message_key"),
        ),
    )
    op.create_index("ix_webhook_deliveries_received_at", "webhook_deliveries", ["received_at"])


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("login_failures")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
