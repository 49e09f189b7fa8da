"""Hold a name for the rest of a transaction, on SQLite and PostgreSQL alike, storing nothing."""

from __future__ import annotations

import hashlib

from sqlalchemy import false, text, update
from sqlalchemy.orm import Session

from poise.db.meta import InstanceFact


def hold_name(session: Session, space: str, name: str) -> None:
    """Wait until no other transaction holds ``name`` in ``space``, then hold it until this
    transaction ends (commit or rollback). A check made after this call sees what an earlier
    holder committed, and no later holder gets past this call before this transaction ends.

    Two writers that each check that a name is free, then take it, both pass their checks
    when they run at once: neither sees what the other has not committed yet. Each holds the
    name first, then checks, then writes, in one transaction.

    PostgreSQL: a transaction-level advisory lock on the pair (``space``, ``name``), so only
    holders of the same name wait for each other; two names that hash alike (one in four
    billion) only wait needlessly. SQLite lets one transaction write at a time: a write that
    changes nothing takes the database's write lock, and what this transaction reads after
    it is the newest committed state (the driver opens a transaction at its first write, so
    this write opens it, or one before it holds the lock already).
    """
    if session.get_bind().dialect.name == "postgresql":
        held = text("SELECT pg_advisory_xact_lock(CAST(:space AS integer), CAST(:name AS integer))")
        session.execute(held, {"space": _key(space), "name": _key(name)})
        return
    unchanged = update(InstanceFact).where(false()).values(value=InstanceFact.value)
    session.execute(unchanged, execution_options={"synchronize_session": False})


def _key(word: str) -> int:
    """A stable signed 32-bit number for ``word`` (the same in every process and version)."""
    digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)
