"""Add the issue and resolution manual

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("issue", sa.Text(), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("product", sa.String(length=120), nullable=True),
        sa.Column("feature", sa.String(length=120), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("open_flags", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_kb_articles_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_kb_articles_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_articles")),
    )
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_kb_articles_product_feature", ["product", "feature"], unique=False
        )
        batch_op.create_index(
            "ix_kb_articles_status_updated_at", ["status", "updated_at"], unique=False
        )

    op.create_table(
        "kb_article_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_article_sources_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_kb_article_sources_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_article_sources")),
        sa.UniqueConstraint(
            "article_id",
            "conversation_id",
            name=op.f("uq_kb_article_sources_article_id_conversation_id"),
        ),
    )
    with op.batch_alter_table("kb_article_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kb_article_sources_conversation_id"), ["conversation_id"], unique=False
        )

    op.create_table(
        "kb_article_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("how", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("picked_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_article_uses_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_kb_article_uses_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["picked_by_id"],
            ["users.id"],
            name=op.f("fk_kb_article_uses_picked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_article_uses")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_kb_article_uses_conversation_id")),
    )
    with op.batch_alter_table("kb_article_uses", schema=None) as batch_op:
        batch_op.create_index("ix_kb_article_uses_article_id", ["article_id"], unique=False)

    op.create_table(
        "kb_conversation_vectors",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("issue", sa.Text(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_kb_conversation_vectors_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_kb_conversation_vectors")),
    )
    op.create_table(
        "kb_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_flags_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_kb_flags_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_kb_flags_reporter_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_flags")),
    )
    with op.batch_alter_table("kb_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_flags_article_id"), ["article_id"], unique=False)

    op.create_table(
        "kb_gaps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("best_score", sa.Float(), nullable=False),
        sa.Column("best_article_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("product", sa.String(length=120), nullable=True),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_kb_gaps_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["best_article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_gaps_best_article_id_kb_articles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_kb_gaps_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_gaps")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_kb_gaps_conversation_id")),
    )
    with op.batch_alter_table("kb_gaps", schema=None) as batch_op:
        batch_op.create_index("ix_kb_gaps_created_at", ["created_at"], unique=False)

    op.create_table(
        "kb_phrasings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_phrasings_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_kb_phrasings_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_phrasings")),
    )
    with op.batch_alter_table("kb_phrasings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kb_phrasings_article_id"), ["article_id"], unique=False
        )

    op.create_table(
        "kb_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue", sa.Text(), nullable=False),
        sa.Column("phrasings", sa.JSON(), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("product", sa.String(length=120), nullable=True),
        sa.Column("feature", sa.String(length=120), nullable=True),
        sa.Column("group_size", sa.Integer(), nullable=False),
        sa.Column("fcr", sa.Float(), nullable=True),
        sa.Column("conversation_ids", sa.JSON(), nullable=False),
        sa.Column("matched_article_id", sa.Integer(), nullable=True),
        sa.Column("match_score", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_proposals_article_id_kb_articles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["matched_article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_proposals_matched_article_id_kb_articles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_proposals")),
    )
    with op.batch_alter_table("kb_proposals", schema=None) as batch_op:
        batch_op.create_index("ix_kb_proposals_status_size", ["status", "group_size"], unique=False)

    op.create_table(
        "kb_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("changed", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_kb_revisions_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_revisions_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_revisions")),
    )
    with op.batch_alter_table("kb_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kb_revisions_article_id"), ["article_id"], unique=False
        )

    op.create_table(
        "kb_search_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "tsv", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_search_entries_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_search_entries")),
    )
    with op.batch_alter_table("kb_search_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kb_search_entries_article_id"), ["article_id"], unique=False
        )
        batch_op.create_index(
            "ix_kb_search_entries_tsv", ["tsv"], unique=False, postgresql_using="gin"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        # The FTS5 mirror of kb_search_entries is created at first use (see knowledge.search).
        op.execute("DROP TABLE IF EXISTS kb_fts")
    with op.batch_alter_table("kb_search_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_search_entries_tsv", postgresql_using="gin")
        batch_op.drop_index(batch_op.f("ix_kb_search_entries_article_id"))

    op.drop_table("kb_search_entries")
    with op.batch_alter_table("kb_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_revisions_article_id"))

    op.drop_table("kb_revisions")
    with op.batch_alter_table("kb_proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_proposals_status_size")

    op.drop_table("kb_proposals")
    with op.batch_alter_table("kb_phrasings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_phrasings_article_id"))

    op.drop_table("kb_phrasings")
    with op.batch_alter_table("kb_gaps", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_gaps_created_at")

    op.drop_table("kb_gaps")
    with op.batch_alter_table("kb_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_flags_article_id"))

    op.drop_table("kb_flags")
    op.drop_table("kb_conversation_vectors")
    with op.batch_alter_table("kb_article_uses", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_article_uses_article_id")

    op.drop_table("kb_article_uses")
    with op.batch_alter_table("kb_article_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_article_sources_conversation_id"))

    op.drop_table("kb_article_sources")
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_articles_status_updated_at")
        batch_op.drop_index("ix_kb_articles_product_feature")

    op.drop_table("kb_articles")
