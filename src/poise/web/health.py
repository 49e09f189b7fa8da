"""``/healthz``: the database answers, it accepts writes, and the data directory has room.

Every check is write-free (a GET never writes): the database is pinged and asked whether it
is read-only, and the data directory's permissions and free space are read.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import Engine, text

LOW_SPACE_BYTES = 64 * 1024 * 1024  # below this an import or upload is likely to fail


def database_health(engine: Engine) -> str:
    """``ok``, ``read-only`` or ``error: <kind>``, without writing anything."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            if engine.dialect.name == "postgresql":
                read_only = connection.execute(text("SHOW transaction_read_only")).scalar()
                return "read-only" if read_only == "on" else "ok"
            if connection.execute(text("PRAGMA query_only")).scalar():
                return "read-only"
            return _sqlite_file_health(engine)
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def _sqlite_file_health(engine: Engine) -> str:
    """A SQLite file opened read-only, or on a read-only or unwritable place, cannot save."""
    query = engine.url.query
    if query.get("mode") == "ro" or query.get("immutable") == "1":
        return "read-only"
    path = (engine.url.database or "").removeprefix("file:")
    if not path or path == ":memory:":
        return "ok"
    folder = Path(path).parent
    if not os.access(path, os.W_OK) or not os.access(folder, os.W_OK):
        return "read-only"
    if os.statvfs(folder).f_flag & os.ST_RDONLY:
        return "read-only"
    return "ok"


def disk_health(data_dir: Path) -> str:
    """``ok``, ``read-only`` or ``low: N MB free`` for the data directory.

    A directory not created yet is judged by the nearest folder that exists (it will be
    created there on the first upload).
    """
    while not data_dir.exists() and data_dir != data_dir.parent:
        data_dir = data_dir.parent
    if not os.access(data_dir, os.W_OK):
        return "read-only"
    if os.statvfs(data_dir).f_flag & os.ST_RDONLY:
        return "read-only"
    free = shutil.disk_usage(data_dir).free
    if free < LOW_SPACE_BYTES:
        return f"low: {free // (1024 * 1024)} MB free"
    return "ok"
