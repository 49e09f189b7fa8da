"""The rows an import set aside, kept as a file under the data directory for a while.

An import with bad rows set aside keeps them (``rejected/import-N-rejected.txt``) so that its
report offers them for download, to fix and import again. They are customers' words, so they
are kept only ``POISE_REJECTED_ROWS_DAYS`` days after the import: from then on the report
says they were removed and the download answers 410, and the periodic ``rejected-rows`` work
(``poise serve`` hourly, and ``poise scheduler``'s workers) deletes the file. A file whose
import is no longer recorded (a database restored from an older backup, a run deleted by hand)
can never be offered again, so it goes at the next turn too.

Every answer here is worked out from the run, the clock and the setting, so the report, the
download and the deletion agree on the minute, whichever process runs them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from poise.conversations.models import ImportRun

FOLDER = "rejected"
# The kept file, or the hidden partial file it is written through (poise.files).
FILE_NAME = re.compile(r"\.?import-(\d+)-rejected\.txt(?:\.[0-9a-f]+\.part)?")
LOOKUP_BATCH = 500  # run ids asked of the database at once


def rejected_rows_path(data_dir: Path, run_id: int) -> Path:
    """Where the rows an import set aside are kept, for its report's download link."""
    return data_dir / FOLDER / f"import-{run_id}-rejected.txt"


def removal_time(created_at: datetime, keep_days: int) -> datetime:
    """When the rows an import made at ``created_at`` set aside stop being kept."""
    return created_at + timedelta(days=keep_days)


@dataclass(frozen=True)
class KeptRows:
    """What an import's report says of the rows it set aside.

    ``kept``: the file is there until ``until``; ``removed``: the keeping time ended at
    ``until``; ``missing``: still within it, but this server has no file (it was written to
    another host's data directory, or the directory was lost or replaced).
    """

    state: Literal["kept", "removed", "missing"]
    until: datetime
    days: int


def kept_rows(run: ImportRun, *, data_dir: Path, keep_days: int, now: datetime) -> KeptRows | None:
    """The state of an import's set-aside rows; None when it set none aside. Reads only."""
    if run.status != "partial":
        return None
    until = removal_time(run.created_at, keep_days)
    if now >= until:
        return KeptRows("removed", until, keep_days)
    there = rejected_rows_path(data_dir, run.id).is_file()
    return KeptRows("kept" if there else "missing", until, keep_days)


def files_past_keeping(
    session: Session, data_dir: Path, *, keep_days: int, now: datetime
) -> list[Path]:
    """The files of set-aside rows due for deletion: their import is ``keep_days`` old or more,
    or no longer recorded. Reads only (the folder and the runs)."""
    found: dict[int, list[Path]] = {}
    for path in _files(data_dir):
        match = FILE_NAME.fullmatch(path.name)
        if match:
            found.setdefault(int(match[1]), []).append(path)
    cutoff = now - timedelta(days=keep_days)
    ids = sorted(found)
    still_kept: set[int] = set()
    for start in range(0, len(ids), LOOKUP_BATCH):
        batch = ids[start : start + LOOKUP_BATCH]
        recent = select(ImportRun.id).where(ImportRun.id.in_(batch), ImportRun.created_at > cutoff)
        still_kept.update(session.scalars(recent))
    return [path for run_id in ids if run_id not in still_kept for path in found[run_id]]


def _files(data_dir: Path) -> Iterator[Path]:
    folder = data_dir / FOLDER
    if folder.is_dir():
        yield from (path for path in folder.iterdir() if path.is_file())
