"""The learned reply-feedback heads: the shipped artifact loads, stays small, and separates
clear replies written in styles unlike its training sentences (long formal letters, texting,
non-native English, sarcasm), explaining each verdict by the sentence behind it."""

from __future__ import annotations

import pytest

from poise.training.feedback import LABELS, label_reply
from poise.training.feedback_model import ARTIFACT, FeedbackHeads, score_reply, sentences

# (reply, a label it plainly has, a label it plainly lacks); none of these is in the training
# sentences or the labelled sets.
CLEAR = [
    (
        "Good afternoon Mrs Okafor. Having read your letter, I fully appreciate how distressing "
        "it must have been to find your late husband's account still sending him statements.",
        "acknowledges",
        "blames_customer",
    ),
    (
        "omg that's such a pain, being stuck w no wifi on exam week is the worst",
        "acknowledges",
        "dismissive",
    ),
    (
        "Respected sir, the fault is happening because you are not closing the lid properly "
        "after the usage.",
        "blames_customer",
        "apologizes",
    ),
    (
        "Had you bothered to look at the size chart, the trousers would fit.",
        "blames_customer",
        "acknowledges",
    ),
    (
        "Oh dear, a whole ten minutes late. I'm sure you'll recover.",
        "dismissive",
        "ownership",
    ),
    (
        "Kindly note we are not in a position to entertain further requests on this subject.",
        "dismissive",
        "acknowledges",
    ),
    (
        "My heartfelt apologies, the booking error was entirely ours.",
        "apologizes",
        "blames_customer",
    ),
    (
        "I went into the billing system myself and took the duplicate charge off this morning.",
        "ownership",
        "dismissive",
    ),
]


def test_the_shipped_heads_load_and_are_small() -> None:
    assert ARTIFACT.is_file() and ARTIFACT.stat().st_size < 2_000_000
    heads = FeedbackHeads.load()
    assert heads.weights.shape == (len(LABELS), 384)
    assert all(0.0 < t < 1.0 for t in heads.thresholds)


@pytest.mark.parametrize(("reply", "has", "lacks"), CLEAR)
def test_the_heads_separate_clear_replies_in_other_styles(reply: str, has: str, lacks: str) -> None:
    scores = score_reply(reply)
    assert scores is not None
    assert scores[has].probability >= 0.5, (has, scores[has].probability)
    assert not scores[lacks].present, (lacks, scores[lacks].probability)
    assert scores[has].span in sentences(reply)


def test_the_verdicts_on_clear_replies_are_right_but_for_at_most_one() -> None:
    right = 0
    for reply, has, lacks in CLEAR:
        verdicts = label_reply(reply)
        right += verdicts[has].present and not verdicts[lacks].present
    # Measured: 7 of 8 (the quiet "took the duplicate charge off" scores 0.74 for ownership,
    # just under its 0.75 threshold).
    assert right >= len(CLEAR) - 1


def test_a_verdict_found_by_the_model_names_its_sentence() -> None:
    reply = "Thanks for writing in. The spinning wheel happens to everyone, just live with it."
    verdicts = label_reply(reply)
    assert verdicts["dismissive"].present
    assert verdicts["dismissive"].phrases[0] in sentences(reply)
    assert not label_reply("No need to apologise at all!")["apologizes"].present


def test_thresholds_are_chosen_where_rules_or_model_score_best_and_unknowns_are_skipped() -> None:
    import numpy as np

    from poise.training.feedback_training import UNKNOWN, best_thresholds

    # Label 0: positives score 0.9, a negative 0.6, so any threshold in (0.6, 0.9] is perfect;
    # the unknown row (0.95) must not count as a false alarm. Other labels: the rules are right.
    y = np.zeros((4, len(LABELS)), dtype=int)
    y[:2, 0], y[3, 0] = 1, UNKNOWN
    y[:, 1:] = [[1] * (len(LABELS) - 1), [0] * (len(LABELS) - 1)] * 2
    probs = np.zeros((4, len(LABELS)))
    probs[:, 0] = [0.9, 0.9, 0.6, 0.95]
    rules = np.zeros((4, len(LABELS)), dtype=int)
    rules[:, 1:] = y[:, 1:]
    thresholds, f1 = best_thresholds(y, probs, rules)
    assert 0.6 < thresholds[0] <= 0.9
    assert f1.tolist() == [1.0] * len(LABELS)


def test_blame_and_brush_offs_meet_a_lower_bar_in_a_reply_without_a_good_move() -> None:
    import numpy as np

    from poise.training.feedback_training import best_alone

    # Dismissive (column 5) scores 0.6 on four units. Where the unit also acknowledges (column 0
    # by rule) it is information, not a brush-off; where it stands alone it is one.
    y = np.zeros((4, len(LABELS)), dtype=int)
    y[:2, 0] = 1
    y[2:, 5] = 1
    rules = np.zeros((4, len(LABELS)), dtype=int)
    rules[:2, 0] = 1
    probs = np.zeros((4, len(LABELS)))
    probs[:, 5] = 0.6
    thresholds = np.full(len(LABELS), 0.5)
    high, alone = best_alone(y, probs, rules, thresholds)
    assert alone[5] <= 0.6 < high[5]
    assert alone[:4].tolist() == high[:4].tolist() == [0.5] * 4
