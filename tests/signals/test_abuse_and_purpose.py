"""Abuse is aimed at people; a threat to leave is not abuse; purposes; redaction placeholders."""

from __future__ import annotations

import pytest

from poise.signals import Turn, conversation_signals, get_scorer
from poise.signals.abuse import abuse_evidence, leaving_evidence
from poise.signals.purpose import candidates, state_purpose


@pytest.mark.parametrize(
    ("text", "abusive", "leaving"),
    [
        ("Useless support. Fix it now or I'm cancelling and telling everyone", False, True),
        ("your support is useless", False, False),
        ("your service is garbage", False, False),
        ("this policy is stupid", False, False),
        ("you are useless", True, False),
        ("your staff are incompetent", True, False),
        ("you guys are a bunch of thieves", True, False),
        ("I'll kill you", True, False),
        ("I will report you to the FCC", False, True),
        ("Never flying with you again", False, True),
        ("I'm going to leave a bad review", False, True),
        ("How do I cancel my subscription?", False, True),  # a retention moment too
        ("I want to cancel my order please", False, False),
    ],
)
def test_abuse_and_leaving_are_told_apart(text: str, abusive: bool, leaving: bool) -> None:
    assert bool(abuse_evidence(text)) is abusive
    assert bool(leaving_evidence(text)) is leaving


def test_the_scorer_reports_leaving_words() -> None:
    result = get_scorer("negativity").score("Sort this out or I'm switching to another bank")
    assert not result.abusive
    assert result.leaving


@pytest.mark.parametrize(
    ("turns", "purpose"),
    [
        (
            ["Good day. I have a short question.", "My parcel never arrived."],
            "My parcel never arrived.",
        ),
        (
            ["Hello! Hope you're well. My card was declined at the shop."],
            "My card was declined at the shop.",
        ),
        (
            ["hi, my iphone wont charge after the update, help!"],
            "My iphone wont charge after the update, help!",
        ),
        (["Hi there!"], ""),
        (  # the customer's emoji stay as written: the models read them as words, people not
            ["@ShopCo my package is late 😡😡 where is it https://t.co/x"],
            "My package is late 😡😡 where is it",
        ),
    ],
)
def test_the_purpose_is_the_sentence_that_states_the_problem(
    turns: list[str], purpose: str
) -> None:
    assert state_purpose(turns) == purpose


def test_candidates_offer_the_customer_sentences_to_pick() -> None:
    found = candidates(["Hi. My router drops every hour. Also my bill is wrong this month."])
    assert found == ["My router drops every hour.", "Also my bill is wrong this month."]


def test_candidates_list_the_stated_problem_before_a_feeling() -> None:
    found = candidates(["I am so fed up with you people. My router drops every hour."])
    assert found == ["My router drops every hour.", "I am so fed up with you people."]


def test_a_given_purpose_wins_over_the_stated_one() -> None:
    turns = [Turn("customer", "Hi! My wifi keeps dropping.")]
    assert conversation_signals(turns).drift.purpose == "My wifi keeps dropping."
    assert conversation_signals(turns, purpose="Wi-Fi drops").drift.purpose == "Wi-Fi drops"


BASES = [
    "Please send the invoice to {p} today.",
    "My order still hasn't arrived and nobody answers, contact me at {p}",
    "Thanks so much for the help, {p}!",
    "my name is {p} and I want to cancel my policy",
    "{p}",
]
PLACEHOLDERS = [
    "#EMAIL#",
    "[NAME]",
    "XXXX",
    "{{phone}}",
    "<redacted>",
    "#ADDRESS#, #EMAIL#, #PHONENUMBER#",
    # Templated sets and helpdesk macros write them in words (moved 0.31 before 2026-12-06).
    "{{Person Name}}",
    "{{Order Number}}",
    "[Account Number]",
    "<customer name>",
    # The Customer Support on Twitter set writes them in lower case (moved 0.11 before).
    "__email__",
    "__credit_card__",
]
# Contact details, real or redacted, say nothing of feeling either.
CONTACTS = [
    "sam.lee@example.com",
    "020 7946 0018",
    "+44 (0)20 7946-0018",
    "s.lee+orders@mail.example.co.uk",
]


@pytest.mark.parametrize("placeholder", PLACEHOLDERS + CONTACTS)
def test_redaction_placeholders_move_no_score_by_more_than_005(placeholder: str) -> None:
    """A redacted message (or one with a contact detail) reads as the message without it."""
    scorer = get_scorer("negativity")
    for base in BASES:
        redacted = scorer.score(base.format(p=placeholder))
        without = scorer.score(base.format(p=""))
        assert abs(redacted.score - without.score) <= 0.05, (base, placeholder, redacted, without)


@pytest.mark.parametrize(
    "typed",
    [
        "Don't bother, it's useless",
        "I can't believe you haven't fixed this yet",
        "I didn't get my refund and nobody's answering",
        "That's great, thanks! You've been a star",
    ],
)
def test_a_phones_curly_apostrophes_read_as_a_keyboards(typed: str) -> None:
    """A phone types "don’t" where a keyboard types "don't": the first read 0.27 more
    negative ("don t" and "bother" apart), so the same words scored by the device."""
    scorer = get_scorer("negativity")
    straight, curly = scorer.score_batch([typed, typed.replace("'", "’")])
    assert abs(straight.score - curly.score) <= 0.01, (straight, curly)
    assert straight.evidence == curly.evidence
