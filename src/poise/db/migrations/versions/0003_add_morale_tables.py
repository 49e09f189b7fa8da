"""Add morale tables: happy items and nudges, scorecards and peer reviews, kudos, the wall

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hugs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("original_text", sa.Text(), nullable=False),
        sa.Column("redacted_text", sa.Text(), nullable=False),
        sa.Column("redactions", sa.Integer(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_hugs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hugs")),
    )
    with op.batch_alter_table("hugs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_hugs_status_published_at", ["status", "published_at"], unique=False
        )

    op.create_table(
        "kudos_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("collector_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["collector_id"],
            ["users.id"],
            name=op.f("fk_kudos_rounds_collector_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_kudos_rounds_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kudos_rounds")),
        sa.UniqueConstraint("team_id", "month", name=op.f("uq_kudos_rounds_team_id_month")),
    )
    op.create_table(
        "scorecards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_scorecards_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_scorecards_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecards")),
    )
    op.create_table(
        "happy_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_key", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link_url", sa.String(length=2000), nullable=True),
        sa.Column("image_path", sa.String(length=255), nullable=True),
        sa.Column("image_type", sa.String(length=32), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("starred", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_happy_items_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_happy_items_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_happy_items")),
        sa.UniqueConstraint(
            "owner_id", "source_key", name=op.f("uq_happy_items_owner_id_source_key")
        ),
    )
    with op.batch_alter_table("happy_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_happy_items_owner_id_received_at", ["owner_id", "received_at"], unique=False
        )

    op.create_table(
        "hug_tags",
        sa.Column("hug_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["hug_id"], ["hugs.id"], name=op.f("fk_hug_tags_hug_id_hugs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("hug_id", "tag", name=op.f("pk_hug_tags")),
    )
    with op.batch_alter_table("hug_tags", schema=None) as batch_op:
        batch_op.create_index("ix_hug_tags_tag", ["tag"], unique=False)

    op.create_table(
        "kudos_picks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source_key", sa.String(length=64), nullable=True),
        sa.Column("green_robots", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_kudos_picks_member_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["kudos_rounds.id"],
            name=op.f("fk_kudos_picks_round_id_kudos_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kudos_picks")),
        sa.UniqueConstraint(
            "round_id", "member_id", name=op.f("uq_kudos_picks_round_id_member_id")
        ),
    )
    op.create_table(
        "morale_nudges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("peak_negativity", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_morale_nudges_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_morale_nudges_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_morale_nudges")),
        sa.UniqueConstraint(
            "user_id", "conversation_id", name=op.f("uq_morale_nudges_user_id_conversation_id")
        ),
    )
    op.create_table(
        "peer_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("reviewee_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("strengths", sa.Text(), nullable=False),
        sa.Column("try_next", sa.Text(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["users.id"],
            name=op.f("fk_peer_reviews_assigned_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_peer_reviews_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewee_id"],
            ["users.id"],
            name=op.f("fk_peer_reviews_reviewee_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_peer_reviews_reviewer_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scorecard_id"],
            ["scorecards.id"],
            name=op.f("fk_peer_reviews_scorecard_id_scorecards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_reviews")),
        sa.UniqueConstraint(
            "conversation_id",
            "reviewer_id",
            name=op.f("uq_peer_reviews_conversation_id_reviewer_id"),
        ),
    )
    with op.batch_alter_table("peer_reviews", schema=None) as batch_op:
        batch_op.create_index(
            "ix_peer_reviews_reviewee_id_status", ["reviewee_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_peer_reviews_reviewer_id_status", ["reviewer_id", "status"], unique=False
        )

    op.create_table(
        "scorecard_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("scale_max", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scorecard_id"],
            ["scorecards.id"],
            name=op.f("fk_scorecard_categories_scorecard_id_scorecards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecard_categories")),
    )
    with op.batch_alter_table("scorecard_categories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scorecard_categories_scorecard_id"), ["scorecard_id"], unique=False
        )

    op.create_table(
        "peer_review_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["scorecard_categories.id"],
            name=op.f("fk_peer_review_scores_category_id_scorecard_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["peer_reviews.id"],
            name=op.f("fk_peer_review_scores_review_id_peer_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_review_scores")),
        sa.UniqueConstraint(
            "review_id", "category_id", name=op.f("uq_peer_review_scores_review_id_category_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("peer_review_scores")
    with op.batch_alter_table("scorecard_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scorecard_categories_scorecard_id"))

    op.drop_table("scorecard_categories")
    with op.batch_alter_table("peer_reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_peer_reviews_reviewer_id_status")
        batch_op.drop_index("ix_peer_reviews_reviewee_id_status")

    op.drop_table("peer_reviews")
    op.drop_table("morale_nudges")
    op.drop_table("kudos_picks")
    with op.batch_alter_table("hug_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_hug_tags_tag")

    op.drop_table("hug_tags")
    with op.batch_alter_table("happy_items", schema=None) as batch_op:
        batch_op.drop_index("ix_happy_items_owner_id_received_at")

    op.drop_table("happy_items")
    op.drop_table("scorecards")
    op.drop_table("kudos_rounds")
    with op.batch_alter_table("hugs", schema=None) as batch_op:
        batch_op.drop_index("ix_hugs_status_published_at")

    op.drop_table("hugs")
