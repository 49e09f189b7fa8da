"""Files Poise keeps under its data directory, written so a failure leaves nothing behind."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` completely or not at all.

    The bytes go to a hidden temporary file beside ``path``, which is renamed into place
    only once written and flushed: a full disk raises, and leaves no 0-byte or partial file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        with partial.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file, or None when it can be opened.

    A folder given where a file belongs was reported as "no such file", which sent people
    looking for a file that was right there; it is named as a folder instead.
    """
    if path.is_dir():
        return f"{path} is a folder, not a file: name a file in it"
    if not path.is_file():
        return f"no such file: {path}"
    return None


def inside_a_file(path: Path) -> str | None:
    """Why nothing can be written at ``path`` because a folder above it is a file, or None.

    The system said only "[Errno 20] Not a directory" or "[Errno 17] File exists", naming a
    hidden temporary file beside ``path`` or the file but not why it was in the way."""
    blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocking is None:
        return None
    return f"{blocking} is a file, so it cannot hold {path}: name a path in a folder"
