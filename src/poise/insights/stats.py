"""Two-proportion tests and the Benjamini-Hochberg correction, in plain Python.

Small and exact enough for the few hundred comparisons a hotspot report makes; no SciPy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import median


def one_sided_p(hits: int, n: int, rest_hits: int, rest_n: int) -> float:
    """P-value that the first proportion is *above* the second (pooled z-test).

    1.0 when either side is empty or nothing happened at all: no evidence, no alarm.
    """
    if n == 0 or rest_n == 0:
        return 1.0
    pooled = (hits + rest_hits) / (n + rest_n)
    if pooled in (0.0, 1.0):
        return 1.0
    se = math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / rest_n))
    z = (hits / n - rest_hits / rest_n) / se
    return 0.5 * math.erfc(z / math.sqrt(2))


def benjamini_hochberg(p_values: Sequence[float], q: float) -> list[bool]:
    """Which hypotheses to reject, keeping the false discovery rate at ``q``."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    m = len(p_values)
    cutoff = 0
    for rank, i in enumerate(order, start=1):
        if p_values[i] <= q * rank / m:
            cutoff = rank
    rejected = [False] * m
    for i in order[:cutoff]:
        rejected[i] = True
    return rejected


def median_or_none(values: Sequence[float]) -> float | None:
    return float(median(values)) if values else None


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide (shown as a dash, not 0%)."""
    return part / whole if whole else None
