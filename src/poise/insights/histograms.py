"""Time histograms: how the day aggregate keeps first-response and resolution times so that
a median over any days and groups is a few array sums, not a sort of every conversation.

Buckets (:func:`bucket_of`): whole seconds below 90 s, above that each bucket 0.5% wide. Each
bucket keeps how many times fell in it and their seconds summed. A median is the mean of the
seconds in the bucket of the middle value (the two middle values' average for an even count),
so it is exact when that bucket holds one distinct value and otherwise off by less than one
bucket: under a second below 90 s, under 0.5% above. The page shows whole seconds, whole
minutes, tenths of hours and days, so the shown figure moves at most by one last digit, and
only when the exact median sits by a rounding edge.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

FINE_UNTIL = 90  # seconds: whole-second buckets below, as the page shows seconds
STEP = 1.005  # each bucket above FINE_UNTIL is 0.5% wide
CELL = np.dtype([("bucket", "<i4"), ("n", "<i4"), ("seconds", "<f8")])
Histogram = dict[int, list[float]]  # bucket -> [how many, seconds summed]


def bucket_of(seconds: float) -> int:
    """The histogram bucket of a duration: ``floor(s)`` below 90 s, then 0.5% steps."""
    if seconds < FINE_UNTIL:
        return math.floor(seconds)
    return FINE_UNTIL + math.floor(math.log(seconds / FINE_UNTIL) / math.log(STEP))


def add(histogram: Histogram, seconds: float) -> None:
    cell = histogram.setdefault(bucket_of(seconds), [0, 0.0])
    cell[0] += 1
    cell[1] += seconds


def merge(into: Histogram, other: Histogram) -> None:
    for bucket, (n, seconds) in other.items():
        cell = into.get(bucket)  # not setdefault: its new default list cost on every call
        if cell is None:
            into[bucket] = [0 + n, 0.0 + seconds]  # as a new cell adds them: the same floats
        else:
            cell[0] += n
            cell[1] += seconds


def pack(histogram: Histogram) -> bytes:
    """The histogram as stored: little-endian (bucket, count, seconds) cells by bucket."""
    cells = [(b, int(n), s) for b, (n, s) in sorted(histogram.items())]
    return np.array(cells, dtype=CELL).tobytes()


def unpack(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=CELL)


def median_of(packed: Sequence[bytes]) -> float | None:
    """The median of the times in these stored histograms (of several days or groups)."""
    cells = np.concatenate([unpack(b) for b in packed]) if packed else np.empty(0, CELL)
    total = int(cells["n"].sum())
    if not total:
        return None
    cells = cells[np.argsort(cells["bucket"], kind="stable")]
    starts = np.flatnonzero(np.r_[True, cells["bucket"][1:] != cells["bucket"][:-1]])
    n = np.add.reduceat(cells["n"].astype(np.int64), starts)
    seconds = np.add.reduceat(cells["seconds"], starts)
    upto = np.cumsum(n)
    low, high = np.searchsorted(upto, [(total - 1) // 2, total // 2], side="right")
    return float((seconds[low] / n[low] + seconds[high] / n[high]) / 2)
