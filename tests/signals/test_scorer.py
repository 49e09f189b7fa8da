"""The shipped negativity scorer on hand-written support messages."""

from __future__ import annotations

import pytest

from poise.signals import NegativityResult, get_scorer
from poise.signals.labels import EMOTIONS, NEGATIVE_EMOTIONS
from poise.signals.negativity import NegativityScorer


@pytest.fixture(scope="module")
def scorer() -> NegativityScorer:
    return get_scorer("negativity")


def test_result_shape(scorer: NegativityScorer) -> None:
    result = scorer.score("still no refund after three weeks")
    assert isinstance(result, NegativityResult)
    assert 0.0 <= result.score <= 1.0
    assert result.emotion in EMOTIONS
    assert result.evidence and all(isinstance(w, str) for w in result.evidence)


@pytest.mark.parametrize(
    "text",
    [
        "still no refund after three weeks",
        "I've been on hold for two hours and nobody picks up",
        "This is the worst service I have ever had, I'm furious",
        "Oh great, another delay. Thanks a lot.",
    ],
)
def test_unhappy_customers_read_negative(scorer: NegativityScorer, text: str) -> None:
    result = scorer.score(text)
    assert result.score >= 0.5, result
    assert result.level in ("negative", "very_negative")
    assert result.emotion in NEGATIVE_EMOTIONS


@pytest.mark.parametrize(
    "text",
    [
        "My package was marked delivered but it never arrived, can you check?",
        "Hi, my router reboots every hour. Can you help?",
        "I was charged twice for my subscription this month, could you look into it?",
    ],
)
def test_a_calm_problem_report_is_a_complaint_but_neutral(
    scorer: NegativityScorer, text: str
) -> None:
    """Two questions answered apart: it reports a problem, and the customer is not unhappy."""
    result = scorer.score(text)
    assert result.complaint >= 0.5, result
    assert result.score < 0.5, result
    assert result.level == "neutral"


@pytest.mark.parametrize(
    "text",
    [
        "Thanks so much, that fixed it!",
        "Can you tell me how to update my billing address?",
        "What time does the store open on Saturday?",
    ],
)
def test_requests_and_thanks_read_calm(scorer: NegativityScorer, text: str) -> None:
    result = scorer.score(text)
    assert result.score < 0.5, result
    assert result.emotion not in NEGATIVE_EMOTIONS


def test_evidence_names_the_complaint_words(scorer: NegativityScorer) -> None:
    evidence = " ".join(scorer.score("still no refund after three weeks").evidence)
    assert "refund" in evidence or "still" in evidence


def test_abuse_is_flagged_with_its_words(scorer: NegativityScorer) -> None:
    rude = scorer.score("you are a useless idiot")
    assert rude.abusive and "idiot" in rude.evidence
    assert not scorer.score("this policy is stupid").abusive


def test_batch_matches_single(scorer: NegativityScorer) -> None:
    texts = ["thanks a lot!", "my card was declined again", "thanks a lot!", ""]
    batch = scorer.score_batch(texts)
    assert len(batch) == 4
    assert batch[0] == batch[2]
    for text, result in zip(texts, batch, strict=True):
        assert result.score == pytest.approx(scorer.score(text).score, abs=1e-5)


def test_evidence_is_words_a_reader_can_read(scorer: NegativityScorer) -> None:
    """The scorer explained "Hello? Is anyone looking at this?" with "this ?" and "? is"."""
    for text in ("Hello? Is anyone looking at this?", "Still broken!! What is going on?!"):
        evidence = scorer.score(text).evidence
        assert evidence, text
        for term in evidence:
            assert all(any(ch.isalnum() for ch in w) for w in term.split()), (text, evidence)


def test_evidence_says_each_word_once(scorer: NegativityScorer) -> None:
    """The words behind "the third time … the third!! third time" read "third time, the
    third, third": each term a stronger one already showed is left out, other words stay."""
    text = "This is the third time I have called, the third!! third time this week"
    evidence = scorer.score(text).evidence
    assert sum("third" in term.split() for term in evidence) == 1, evidence
    assert "week" in evidence or "called" in evidence, evidence
    assert "i am" not in scorer.score("useless support, I am cancelling").evidence
