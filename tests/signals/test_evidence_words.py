"""The words shown behind an unhappy message ("why: …") are the customer's unhappy words.

The lexical model weighs "hi", "hello" and "regards" toward negative (complaint letters open
and close with them), so "why: sent, app, useless, time i, hi" stood under "Hi [NAME] here,
the app crashes every single time I open it. Useless. Sent from my iPhone". Greetings,
courtesy, forms of address, sign-offs, signatures, placeholders and handles are never shown
under an unhappy message; the scores themselves do not move.
"""

from __future__ import annotations

import pytest

from poise.conversations.feeling import readable_evidence
from poise.signals import get_scorer
from poise.signals.feeling import level_of
from poise.signals.lexical import said_words, shown_evidence
from poise.signals.negativity import NegativityScorer

# (message, words that must not be shown, words that must be): written for this test in the
# ways support messages arrive (an e-mail with a greeting and a signature, chat, a tweet with a
# handle, a helpdesk export with placeholders), not taken from any data set.
UNHAPPY = [
    (
        "Hello team,\n\nThis is the third time I am writing about the same broken heater. "
        "Nobody has called me back and it is still not fixed. Unacceptable.\n\n"
        "Kind regards,\nMargaret Okafor",
        {"hello", "team", "kind", "regards", "margaret", "okafor"},
        {"unacceptable", "third time"},
    ),
    (
        "Hi [NAME] here, the app crashes every single time I open it. Useless. Sent from my iPhone",
        {"hi", "name", "sent", "iphone"},
        {"useless"},
    ),
    (
        "hello?? hello?? is anyone there? been waiting 40 mins on chat, awful",
        {"hello"},
        {"awful"},
    ),
    (
        "Dear Sir or Madam, I have been overcharged again on my bill and I am furious that no "
        "one replies.",
        {"dear", "sir", "madam"},
        {"overcharged", "furious"},
    ),
    (
        "hey @shopfast_help still waiting on my refund after 3 weeks, this is ridiculous",
        {"hey", "shopfast", "help"},
        {"ridiculous"},
    ),
    (
        "Hi, my account at #EMAIL# was locked for the second time this week and support keeps "
        "ignoring me. Cheers",
        {"hi", "email", "cheers"},
        {"locked"},
    ),
    (
        "Morning all - the wifi has been dropping all day and the engineer never showed up. "
        "Terrible service.\n\nRegards,\nDev",
        {"morning", "regards", "dev"},
        {"terrible"},
    ),
    (
        "Hi there, you cancelled my booking without telling me and now the price has doubled. "
        "Not happy at all. Thank you",
        {"hi", "there", "thank"},
        {"not happy"},
    ),
]


@pytest.fixture(scope="module")
def scorer() -> NegativityScorer:
    return get_scorer("negativity")


@pytest.mark.parametrize(("text", "never", "shown"), UNHAPPY)
def test_the_words_behind_an_unhappy_message_are_never_a_greeting(
    scorer: NegativityScorer, text: str, never: set[str], shown: set[str]
) -> None:
    result = scorer.score(text)
    assert result.level in ("negative", "very_negative"), (text, result)
    said = {w for term in result.evidence for w in term.split()}
    assert not said & never, result.evidence
    assert shown <= set(result.evidence), result.evidence


def test_thanks_still_explain_a_warm_message(scorer: NegativityScorer) -> None:
    """Only the unhappy side leaves courtesy out: "thanks" is why a thank-you reads warm."""
    result = scorer.score("Thanks so much, that fixed it!")
    assert result.level in ("positive", "very_positive")
    assert any("thanks" in term.split() for term in result.evidence), result.evidence


def test_stored_evidence_is_read_against_its_message() -> None:
    """Messages scored before this stored "hello" and placeholder words; the pages read them
    through ``readable_evidence`` with the message's body, which leaves both out. Without a
    body, only what the terms alone show to be empty goes."""
    body = "Hello? Still no refund, my card is __credit_card__ and nobody answers"
    stored = ["hello", "refund", "credit", "card", "nobody", "0", "as 0"]
    assert readable_evidence(stored, body) == ["refund", "card", "nobody"]
    assert readable_evidence(stored) == ["refund", "credit", "card", "nobody"]


def test_the_message_says_its_words_outside_its_signature() -> None:
    """A sign-off on its own line, a mail app's signature and lower-case placeholders are
    not the customer's words; "thanks" inside a sentence is."""
    said = said_words("Still broken.\n\nThanks,\nPriya\nSent from my iPhone")
    assert said == {"still", "broken"}
    assert said_words("Thanks, still broken") is None  # every word is the customer's own
    assert said_words("ok __email__") == {"ok"}
    assert shown_evidence(["hi there", "good morning", "still broken"]) == ["still broken"]


def test_scores_do_not_depend_on_the_evidence(scorer: NegativityScorer) -> None:
    """Choosing the words moves no score: the feeling and level of each message equal, bit for
    bit, what the feeling head gives on the scorer's parts, computed apart from the evidence."""
    texts = [text for text, _, _ in UNHAPPY] + [
        "Thanks so much, that fixed it!",
        "My router reboots every hour, can you help?",
    ]
    scorer.clear_cache()
    results = scorer.score_batch(texts)
    parts = scorer.parts(texts)
    assert scorer.feeling is not None
    probs = scorer.feeling.probabilities(parts.feeling_features())
    for i, result in enumerate(results):
        assert result.score == float(probs[i][0])
        assert result.positive == float(probs[i][2])
        assert result.level == level_of(result.score, result.positive)


@pytest.mark.parametrize(
    ("message", "first"),
    [
        (
            "Hello team, I am absolutely fuming. I can't log in and the reset email never came.",
            "fuming",
        ),
        ("Honestly the worst courier I have ever dealt with, parcel still missing", "worst"),
        ("Chat for an hour and I'm losing the will to live with this billing page", "losing"),
    ],
)
def test_the_feeling_words_come_before_what_is_reported(message: str, first: str) -> None:
    """ "why: customer, can't, email, you treat, log in" stood under "I am absolutely fuming":
    the lexical model's terms carry the complaint too. The words that make the message read
    unhappy (VADER's, an input of the feeling head) are shown first."""
    result = get_scorer("negativity").score(message)
    assert result.level in ("negative", "very_negative"), result
    assert result.evidence[0] == first, result.evidence


def test_a_negated_unhappy_word_is_not_shown() -> None:
    from poise.signals.vader import negative_words

    shown = negative_words("the wait was not terrible, but the refund is awful")
    assert "awful" in shown and "terrible" not in shown
    shown = negative_words("I was never rude to them, and now I'm disappointed and fuming")
    assert shown == ["fuming", "disappointed"]
