"""The learned reply-feedback heads: the shipped artifact loads, stays small, and separates
clear replies written in styles unlike its training sentences (long formal letters, texting,
non-native English, sarcasm), explaining each verdict by the sentence behind it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from poise.training.feedback import LABELS, label_replies, label_reply
from poise.training.feedback_model import (
    ARTIFACT,
    REAL_ARTIFACT,
    FeedbackHeads,
    score_reply,
    sentences,
)

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


@pytest.mark.parametrize("artifact", [ARTIFACT, REAL_ARTIFACT])
def test_the_shipped_heads_load_and_are_small(artifact: Path) -> None:
    assert artifact.is_file() and artifact.stat().st_size < 2_000_000
    heads = FeedbackHeads.load(artifact)
    assert heads.weights.shape == (len(LABELS), 384)
    assert all(0.0 < t < 1.0 for t in heads.thresholds)


def test_autoqa_still_names_a_brush_off_in_an_ordinary_turn() -> None:
    for reply in ("That's our policy, there's nothing more I can do.", "Calm down, it's one day."):
        assert label_reply(reply, real=True)["dismissive"].present, reply


# Measured misses of the heads shipped on 2026-12-04 (the reply layer): it weighs the rules'
# verdicts heavily, so an apology no rule knows ("heartfelt apologies") stays under its bar,
# and a formal condolence letter reads as blame. The heads before them missed one (ownership).
KNOWN_MISSES = {CLEAR[0][0], CLEAR[6][0]}


@pytest.mark.parametrize(
    ("reply", "has", "lacks"),
    [
        pytest.param(*case, marks=pytest.mark.xfail(strict=True, reason="a measured miss"))
        if case[0] in KNOWN_MISSES
        else case
        for case in CLEAR
    ],
)
def test_the_heads_separate_clear_replies_in_other_styles(reply: str, has: str, lacks: str) -> None:
    verdicts = label_reply(reply)
    assert verdicts[has].present, has
    assert not verdicts[lacks].present, (lacks, verdicts[lacks].phrases)
    scores = score_reply(reply)
    assert scores is not None
    assert scores[has].span in sentences(reply)


def test_the_verdicts_on_clear_replies_are_right_but_for_at_most_two() -> None:
    right = 0
    for reply, has, lacks in CLEAR:
        verdicts = label_reply(reply)
        right += verdicts[has].present and not verdicts[lacks].present
    assert right >= len(CLEAR) - len(KNOWN_MISSES)


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


def test_a_policy_line_alone_is_a_brush_off_and_beside_a_fix_it_is_information() -> None:
    # The reply layer reads each label beside the others: the same sentence is the whole answer
    # in one reply and an explanation after an apology and a refund in the other.
    line = "Refunds take up to 30 days."
    assert label_reply(line)["dismissive"].present
    helped = label_reply(f"I'm so sorry for the wait. I've refunded you myself just now. {line}")
    assert not helped["dismissive"].present
    assert helped["ownership"].present


def test_a_contradiction_without_checking_is_a_brush_off_named_by_its_sentence() -> None:
    reply = "Thanks for your message. Our records show only one charge on this order."
    verdict = label_reply(reply)["dismissive"]
    assert verdict.present
    assert verdict.phrases == ["Our records show only one charge on this order."]


def test_the_shipped_heads_read_whole_replies_and_survive_a_save(tmp_path: Path) -> None:
    heads = FeedbackHeads.load()
    assert heads.reply is not None
    assert heads.reply.weights.shape == (len(LABELS), 384)
    assert heads.reply.stack_weights.shape == (len(LABELS), 18)
    heads.save(tmp_path / "heads.npz")
    again = FeedbackHeads.load(tmp_path / "heads.npz")
    reply = "Calm down, it's only a short delay. You should have ordered earlier."
    assert score_reply(reply, again) == score_reply(reply, heads)


def test_a_sentence_holding_a_named_span_is_a_positive_and_the_rest_say_nothing() -> None:
    from poise.training.feedback_training import UNKNOWN, labelled_units

    row: dict[str, object] = dict.fromkeys(LABELS, 0) | {
        "reply": "Thanks for the photos. Wheels count as wear and tear. Kindly check our terms.",
        "dismissive": 1,
        "spans": {"dismissive": "Wheels count as wear and tear"},
    }
    whole, *parts = labelled_units([row], "replies/part01")
    dismissive = LABELS.index("dismissive")
    assert whole.targets[dismissive] == 1
    assert [u.targets[dismissive] for u in parts] == [UNKNOWN, 1, UNKNOWN]
    assert all(u.targets[j] == 0 for u in parts for j in range(len(LABELS)) if j != dismissive)
    assert {u.group for u in parts} == {row["reply"]}


def test_replies_read_together_get_the_verdicts_each_gets_alone() -> None:
    """AutoQA reads a team's replies in one batch; padding them together changes nothing."""
    replies = [
        "Sorry!",
        "I understand how frustrating that is. I've refunded the charge and you'll see it "
        "within 3 days. Anything else I can help with?",
        "You should have read the terms. Policy is policy.",
        "Please DM us your order number and we'll take a look.",
        "That's not something we can change.",
    ]
    assert label_replies(replies) == [label_reply(r) for r in replies]


# Ordinary turns of real support conversations, in the shapes real agents write them (none is
# in the training data): AutoQA reads every reply an agent sent, and practice's heads, trained
# on answers to hard messages, called 58% of real agents' tweets brush-offs.
ORDINARY = [
    "Hi Sakura, thanks for waiting.",
    "Hello Tom, let me check that for you.",
    "Which version of the app are you on at the moment? ^LK",
    "One moment please while I pull up the booking.",
    "Great to hear it arrived in time for the party! Enjoy :) -Priya",
    pytest.param(
        "Yes, under-12s can travel on a family ticket.",
        marks=pytest.mark.xfail(strict=True, reason="a measured miss: a bare rule reads as one"),
    ),
]


@pytest.mark.parametrize("reply", ORDINARY)
def test_autoqa_reads_an_ordinary_turn_as_neither_a_brush_off_nor_blame(reply: str) -> None:
    verdicts = label_reply(reply, real=True)
    assert not verdicts["dismissive"].present, verdicts["dismissive"].phrases
    assert not verdicts["blames_customer"].present, verdicts["blames_customer"].phrases


def test_whole_real_tweets_are_weak_negatives_for_blame_and_brush_offs(tmp_path: Path) -> None:
    from poise.training.feedback_training import _row_targets, twcs_replies

    folder = tmp_path / "twcs-sample"
    folder.mkdir()
    rows = [
        ("1", "False", "Hi Ana, which store was it? We'll look into it. ^JB"),
        ("2", "True", "@shop my order never came"),
        ("3", "False", "Hi Ana, which store was it? We'll look into it. ^JB"),
        ("4", "False", "Thanks for waiting! Your parcel left the depot today."),
        ("5", "False", "Please DM us your order number and we can check."),
    ]
    with (folder / "twcs_first5000.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("tweet_id", "inbound", "text"), *rows])
    # Two sentences each (the repeat counts, as in twcs_units): six take the first four tweets.
    found = twcs_replies(tmp_path, limit=6)
    assert [r["reply"] for r in found] == [rows[0][2], rows[3][2]]
    targets = dict(zip(LABELS, _row_targets(found[0]), strict=True))
    assert targets.pop("dismissive") == 0  # a brush-off: no; the five others unknown
    assert set(targets.values()) == {-1}


def test_the_bars_for_real_replies_take_real_tweets_as_blameless() -> None:
    import numpy as np

    from poise.training.feedback_training import UNKNOWN, _real_targets

    blame, ack = LABELS.index("blames_customer"), LABELS.index("acknowledges")
    y = np.full((3, len(LABELS)), UNKNOWN)
    y[0, :] = 1  # a labelled reply keeps its labels
    real = np.array([False, True, False])
    chosen = _real_targets(y, real)
    assert chosen[1, blame] == 0 and chosen[1, ack] == UNKNOWN
    assert chosen[2, blame] == UNKNOWN and (chosen[0] == 1).all()
    assert y[1, blame] == UNKNOWN  # the layer's targets are left as they were


def test_a_label_unknown_for_some_replies_is_fitted_on_the_others_only() -> None:
    import numpy as np

    from poise.training.feedback_training import UNKNOWN, fit_layer

    rng = np.random.default_rng(3)
    features = rng.normal(size=(40, 18))
    y = np.zeros((40, len(LABELS)), dtype=int)
    y[:20, :] = 1
    y[30:, 0] = UNKNOWN  # the last ten do not know label 0
    share = np.ones(40)
    weights, bias = fit_layer(features, y, share)
    alone, alone_bias = fit_layer(features[:30], y[:30], share[:30])
    assert np.allclose(weights[0], alone[0]) and bias[0] == pytest.approx(alone_bias[0])
    assert not np.allclose(weights[1], alone[1])  # label 1 knows all forty
