"""Alembic, configured in code: ``poise db upgrade`` and the tests call these."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and ``url`` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` up to ``revision``."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision this code knows."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return script.get_current_head()


def behind(current: str | None, revision: str) -> bool:
    """Whether ``revision`` is a migration the database at ``current`` has already passed:
    upgrading to it does nothing (Alembic goes only forward on an upgrade)."""
    if current is None:
        return False
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        target = script.get_revision(revision)
        passed = [r.revision for r in script.walk_revisions("base", current)]
    except CommandError:  # "head", "+1" or a name it does not know: the upgrade itself says
        return False
    return target is not None and target.revision != current and target.revision in passed
