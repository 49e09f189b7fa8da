"""Database objects the migrations make that the models do not describe.

The conversation list's search index (revision 0030): on SQLite two FTS5 tables with the
trigram tokenizer (and the shadow tables FTS5 keeps beside each), on PostgreSQL ``pg_trgm``
GIN indexes. Alembic's model comparison can describe neither a virtual table nor an operator
class's index, so :func:`compared` leaves exactly these out of it (the migrations' env and
the test that compares migrations with the models use it); everything else stays compared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # hints only: the search's queries import the names below, not Alembic
    from alembic.runtime.environment import NameFilterParentNames, NameFilterType

# The FTS5 tables over each table's searched columns (SQLite).
CONVERSATIONS_SEARCH = "conversations_search"
CUSTOMERS_SEARCH = "customers_search"
SEARCH_TABLES = (CONVERSATIONS_SEARCH, CUSTOMERS_SEARCH)
FTS5_SHADOWS = ("data", "idx", "content", "docsize", "config")
# The trigram indexes over the same columns (PostgreSQL); the search looks for the first to
# tell whether the role could create them.
CUSTOMERS_NAME_TRIGRAMS = "ix_customers_name_trgm"
TRIGRAM_INDEXES = (
    CUSTOMERS_NAME_TRIGRAMS,
    "ix_customers_external_id_trgm",
    "ix_conversations_subject_trgm",
    "ix_conversations_purpose_trgm",
    "ix_conversations_external_id_trgm",
)
DERIVED_TABLES = frozenset(
    [*SEARCH_TABLES, *(f"{t}_{shadow}" for t in SEARCH_TABLES for shadow in FTS5_SHADOWS)]
)


def compared(name: str | None, type_: NameFilterType, _parents: NameFilterParentNames) -> bool:
    """Alembic's ``include_name``: whether the comparison reads this object of the database."""
    if type_ == "table":
        return name not in DERIVED_TABLES
    if type_ == "index":
        return name not in TRIGRAM_INDEXES
    return True
