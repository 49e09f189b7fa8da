"""A job of several steps moves one bar through each step's share, and never back."""

from __future__ import annotations

import pytest

from poise.jobs.steps import Step, Steps, counting

STEPS = (Step("reading", 20), Step("embedding", 50, counts="conversation"), Step("writing", 30))


def test_each_step_moves_through_its_share_and_a_skipped_one_is_passed_over() -> None:
    heard: list[tuple[int, int, str]] = []
    steps = Steps(lambda done, total, step="": heard.append((done, total, step)), STEPS)
    embedding = steps.step("embedding")  # reading had nothing to do: never reported
    embedding(0, 4)
    embedding(2, 4)
    embedding(4, 4)
    writing = steps.step("writing")
    list(counting(["a", "b", "c"], writing))
    assert heard == [
        (20, 100, "embedding: 0 of 4 conversations"),
        (45, 100, "embedding: 2 of 4 conversations"),
        (70, 100, "embedding: 4 of 4 conversations"),
        (70, 100, "writing"),
        (80, 100, "writing"),
        (90, 100, "writing"),
        (100, 100, "writing"),
    ]


def test_the_bar_never_goes_back() -> None:
    """A step reporting less than before, or an earlier step reported late, holds the bar."""
    heard: list[int] = []
    steps = Steps(lambda done, total, step="": heard.append(done), STEPS)
    steps.step("embedding")(3, 4)
    steps.step("embedding")(1, 4)
    steps.step("reading")(1, 1)
    steps.step("writing")(0, 0)  # nothing to write: its share is done
    assert heard == [57, 57, 57, 100]


def test_shares_must_fill_the_bar_and_nobody_watching_is_fine() -> None:
    with pytest.raises(ValueError, match="add up to 100"):
        Steps(None, (Step("one", 60), Step("two", 30)))
    steps = Steps(None, STEPS)
    steps.step("writing")(1, 2)
    assert steps.done == 85
