"""Reframes read as English: the rewrite changes the criticised words and keeps the grammar."""

from __future__ import annotations

import pytest

from poise.signals.reframing import reframe

GOOD = [
    (
        "personal",
        "It was all my fault the report problem dragged on.",
        "It was partly my fault that the report problem dragged on.",
    ),
    ("personal", "It's all my fault.", "It's partly down to me."),
    ("personal", "It's me, I'm off my game.", "It isn't only me, I'm off my game."),
    ("permanent", "It never changes.", "It doesn't always change."),
    ("permanent", "She never watches the queue.", "She doesn't always watch the queue."),
    ("permanent", "I never know what to say.", "I don't always know what to say."),
    ("permanent", "I always freeze when they shout.", "I sometimes freeze when they shout."),
    (
        "permanent",
        "Every time someone raises their voice I freeze up.",
        "Sometimes when someone raises their voice I freeze up.",
    ),
    ("permanent", "It was never going to go well.", "It was unlikely to go well."),
    ("permanent", "I'm never going to be good at this.", "I'm not yet good at this."),
    ("permanent", "I am never going to be good at this job.", "I'm not yet good at this job."),
    ("permanent", "It has been slow since forever.", "It has been slow for a while."),
    ("permanent", "I'm never any good with APIs.", "I'm not always good with APIs."),
    ("permanent", "I'm slow and always will be.", "I'm slow and won't always be."),
    ("permanent", "It is hard and always has been.", "It is hard and has been for a while."),
    ("permanent", "I over-promised again today.", "I over-promised today."),
    ("pervasive", "I'm a disaster at this.", "I struggled with this one."),
    ("pervasive", "I'm useless at refunds.", "I struggled with refunds."),
    ("pervasive", "I was short with everyone today.", "I was short with some people today."),
    ("pervasive", "Everyone is stressed this week.", "Some people are stressed this week."),
    ("pervasive", "The outage made everybody angry.", "The outage made some people angry."),
    ("pervasive", "So every customer was furious.", "So many customers were furious."),
    ("pervasive", "Every chat is the same.", "Many chats are the same."),
    ("pervasive", "I took it into every single call.", "I took it into many calls."),
    ("pervasive", "Today everything broke at once.", "Today a lot broke at once."),
    ("pervasive", "I keep getting everything wrong.", "I keep getting a lot of things wrong."),
    ("personal", "Is it my fault he was late?", "Is it partly my fault that he was late?"),
    ("personal", "I'm hopeless at refunds.", "I struggled with refunds."),
]  # fmt: skip


@pytest.mark.parametrize(("dimension", "before", "after"), GOOD)
def test_a_reframe_is_good_english(dimension: str, before: str, after: str) -> None:
    assert reframe(before, dimension) == after


def test_no_reframe_rather_than_a_broken_one() -> None:
    assert reframe("I never got it right.", "permanent") is None  # not "I don't always got"
    assert reframe("Same as always, I froze.", "permanent") is None
    assert reframe("I made mistakes on almost every ticket.", "pervasive") is None
    # The verb would have to change with the subject ("many calls I take go"): leave it.
    assert reframe("Every call I take goes wrong.", "pervasive") is None
    # A list item has no narrower form that reads well.
    assert reframe("New role, training, everything, so no headspace.", "pervasive") is None
    assert reframe("I'm not smart enough and I never will be.", "permanent") is None
    assert reframe("Nobody knows anything this week.", "pervasive") is None
