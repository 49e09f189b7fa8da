"""The gap report's grouping on hand-made vectors: greedy, in the order the gaps come, each
joining the nearest running centre (the sum of its group's vectors) at cosine >= SAME_GAP.

It guards behaviour through a change of how the centres are kept (passes before and after)."""

from __future__ import annotations

import math

import numpy as np

from poise.knowledge.gaps import SAME_GAP, _group
from poise.knowledge.models import Gap

# Unit vectors in a plane (angles in degrees), padded to three dimensions as float32, the
# stored embeddings' type. cos 45.57° = 0.7 = SAME_GAP.
ANGLES = {"a": 0, "b": 40, "c": 62, "d": 150, "e": 110, "f": 300, "g": 35}


def _vector(degrees: float) -> np.ndarray:
    r = math.radians(degrees)
    return np.array([math.cos(r), math.sin(r), 0.0], dtype=np.float32)


def _grouped(order: str) -> list[tuple[int, list[str]]]:
    gaps = [Gap(query=q, best_score=0.1, product="Router") for q in order]
    groups = _group(gaps, [_vector(ANGLES[q]) for q in order])
    return [(g.count, g.queries) for g in groups]


def test_a_gap_joins_the_nearest_running_centre_in_the_order_gaps_come() -> None:
    assert math.isclose(math.cos(math.radians(45.573)), SAME_GAP, abs_tol=1e-4)
    # a starts a group; b is 40° from it; c is 62° from a alone but 42° from the running
    # centre of a and b (20°), so it joins; d starts a group; e is 40° from d and 76° from
    # the first centre; f (300°) is near nothing.
    assert _grouped("abcdef") == [(3, ["a", "b", "c"]), (2, ["d", "e"]), (1, ["f"])]


def test_the_order_of_the_gaps_decides_the_groups() -> None:
    # e starts, d joins it (centre 130°); c is 68° from that; b joins c (22°; centre 51°);
    # a is 51° from c and b's centre, 130° from e and d's: alone.
    assert _grouped("edcba") == [(2, ["c", "b"]), (2, ["e", "d"]), (1, ["a"])]


def test_the_nearest_centre_wins_not_the_first_one_near_enough() -> None:
    # a and c (62° apart) are two groups; g (35°) is near both, 35° from a (cos 0.82) and 27°
    # from c (cos 0.89): it joins c, the nearer, though a's group came first.
    assert _grouped("acg") == [(2, ["c", "g"]), (1, ["a"])]


def test_no_gaps_no_groups() -> None:
    assert _group([], []) == []
