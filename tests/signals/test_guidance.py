"""Guidance a senior agent would sign: every kind, on real-looking conversations."""

from __future__ import annotations

import pytest

from poise.signals import Turn, conversation_signals, get_scorer
from poise.signals.guidance import (
    ABUSE_NOTE,
    AT_RISK_TIP,
    CLIMBING_TIP,
    EARLY_TIP,
    LEAVING_NOTE,
    OPENINGS,
    Guidance,
    climbing,
    guidance_for,
)
from poise.signals.types import DriftResult


def _guide(*turns: tuple[str, str], purpose: str | None = None) -> Guidance:
    """Guidance as the assist panel builds it: signals, then the latest turn's reading."""
    convo = [Turn(role, body) for role, body in turns]
    signals = conversation_signals(convo, purpose=purpose)
    customer = [body for role, body in turns if role == "customer"]
    scored = get_scorer("negativity").score_batch(customer)
    latest = scored[-1]
    return guidance_for(
        latest.emotion,
        abusive=any(r.abusive for r in scored[-3:]),
        leaving=any(r.leaving for r in scored[-3:]),
        drift=signals.drift,
        escalation_risk=signals.escalation_risk,
        early_warning=signals.early_warning,
        trend=signals.trend,
        replied="agent" in [role for role, _ in turns][1:],
    )


CASES = [
    pytest.param(
        [("customer", "Hi, how do I change the e-mail address on my account?")],
        {"abuse": False, "leaving": False, "reminder": False, "tips": set()},
        id="calm request",
    ),
    pytest.param(
        [("customer", "Good day. I have a short question. My invoice shows the wrong VAT number.")],
        {"abuse": False, "leaving": False, "reminder": False, "tips": set()},
        id="calm problem report",
    ),
    pytest.param(
        [("customer", "Useless support. Fix it now or I'm cancelling and telling everyone")],
        {"abuse": False, "leaving": True, "reminder": False, "tips": {EARLY_TIP}},
        id="threat to cancel is not abuse",
    ),
    pytest.param(
        [("customer", "You are a useless idiot, put me through to someone with a brain")],
        {"abuse": True, "leaving": False, "reminder": False, "tips": {EARLY_TIP}},
        id="insult aimed at the agent",
    ),
    pytest.param(
        [
            ("customer", "My router drops the connection every evening around 8pm."),
            ("agent", "Thanks, I've reset the line. Does it still drop?"),
            ("customer", "Yes it dropped again last night."),
            ("agent", "I've booked an engineer for Friday."),
            ("customer", "Also, why was I charged twice last month??"),
        ],
        {"abuse": False, "leaving": False, "reminder": True},
        id="a new matter drifts",
    ),
    pytest.param(
        [
            ("customer", "Could you tell me when my replacement card will arrive?"),
            ("agent", "It was posted on Monday."),
            ("customer", "It still hasn't come. This is ridiculous, I've asked three times now!"),
            ("agent", "I'm sorry, let me check with the courier."),
            ("customer", "Unbelievable. Still nothing, nobody ever calls back, I'm furious."),
        ],
        {"abuse": False, "reminder": False, "tips_include": CLIMBING_TIP},
        id="climbing frustration",
    ),
]


@pytest.mark.parametrize(("turns", "expected"), CASES)
def test_guidance_kinds(turns: list[tuple[str, str]], expected: dict[str, object]) -> None:
    guidance = _guide(*turns)
    assert (guidance.abuse_note == ABUSE_NOTE) is expected["abuse"]
    if "leaving" in expected:
        assert (guidance.leaving_note == LEAVING_NOTE) is expected["leaving"]
    assert (guidance.purpose_reminder is not None) is expected["reminder"]
    if "tips" in expected:
        assert set(guidance.tips) == expected["tips"]
    if "tips_include" in expected:
        assert expected["tips_include"] in guidance.tips
    assert guidance.opening in OPENINGS.values()
    assert guidance.purpose  # built on a stated purpose


def test_the_purpose_is_a_short_statement_not_a_greeting_or_the_whole_message() -> None:
    guidance = _guide(
        (
            "customer",
            "This is the THIRD time my router dropped today. I've wasted hours on the phone "
            "with you people and nobody can tell me why.",
        )
    )
    assert guidance.purpose == "This is the THIRD time my router dropped today."
    greeting = _guide(
        ("customer", "Good day. I have a short question."),
        ("agent", "Sure!"),
        ("customer", "Can I pay my bill by bank transfer?"),
    )
    assert greeting.purpose == "Can I pay my bill by bank transfer?"


def test_climbing_needs_two_customer_turns_that_rise() -> None:
    assert not climbing([0.95])
    assert not climbing([0.9, 0.85])
    assert not climbing([0.2, 0.9, 0.4])
    assert climbing([0.3, 0.8])
    assert climbing([0.3, 0.9, 0.9])
    one_turn = guidance_for(
        "angry",
        abusive=False,
        drift=DriftResult(False, 0.0, "refund", None),
        escalation_risk=0.9,
        early_warning=True,
        trend=[0.97],
    )
    assert one_turn.tips == [EARLY_TIP]
    two_turns = guidance_for(
        "angry",
        abusive=False,
        drift=DriftResult(False, 0.0, "refund", None),
        escalation_risk=0.9,
        early_warning=True,
        trend=[0.97, 0.95],
    )
    assert two_turns.tips == [AT_RISK_TIP, EARLY_TIP]


def test_guidance_quotes_the_customer_instead_of_splicing_their_words() -> None:
    drift = DriftResult(True, 0.9, "My router keeps dropping", 4, "Also, why was I charged twice?")
    guidance = guidance_for(
        "neutral", abusive=False, drift=drift, escalation_risk=0.1, early_warning=False
    )
    assert guidance.purpose_reminder is not None
    assert "“My router keeps dropping”" in guidance.purpose_reminder
    assert "“Also, why was I charged twice?”" in guidance.purpose_reminder
    for text in OPENINGS.values():
        assert "{" not in text and text.strip()[-1] in ".”"


def test_the_reminder_quotes_the_new_matter_not_the_words_announcing_it() -> None:
    """A demo thread drifted on "One more thing, actually.", which the reminder quoted as what
    "their last message raised" (the last message was "That seems to have worked."), and
    each quote that ended a sentence was followed by a second full stop."""
    guidance = _guide(
        (
            "customer",
            "@PoiseHelp Aiko joined our team and I can't add her: the Invite button is grey. "
            "Really not impressed.",
        ),
        ("agent", "Sorry about that. Are you the account owner or a manager?"),
        ("customer", "Again: I'm not sure. I'm the manager."),
        ("agent", "Thanks, I've given you the rights. Try again?"),
        (
            "customer",
            "Ok, thanks. One more thing, actually. The invoice for PX-250001 has my personal "
            "name on it instead of the company.",
        ),
        ("agent", "I've corrected the invoice."),
        ("customer", "That seems to have worked."),
    )
    reminder = guidance.purpose_reminder
    assert reminder is not None
    assert "“The invoice for PX-250001 has my personal name on it instead of the company.”" in (
        reminder
    )
    assert "One more thing" not in reminder
    assert "last message" not in reminder
    assert ".”." not in reminder


def test_a_thank_you_in_the_middle_of_a_problem_is_not_read_as_settled() -> None:
    """A customer answering the agent's question with "Thanks!" reads as satisfied; the panel
    told the agent to "confirm that everything is settled" while the router was still broken."""
    guidance = _guide(
        (
            "customer",
            "Good morning, first of all, love the product! The automatic update to 2.6.0 broke "
            "everything. Nothing connects to the 5 GHz network. Thanks a million in advance.",
        ),
        ("agent", "Thanks so much! Which devices are affected? Older devices are the most likely."),
        ("customer", "Thanks! The printer, the TV and an older laptop."),
    )
    assert guidance.opening == OPENINGS["satisfied"]
    assert "everything is settled" not in guidance.opening
    assert "once it is solved" in guidance.opening


def test_the_tip_for_the_first_reply_ends_with_the_first_reply() -> None:
    """ "Give a clear plan in your first reply" stayed on the panel after the agent had sent it
    (119 of the demo's 124 early warnings); the tip for a risky conversation takes over."""
    drift = DriftResult(False, 0.0, "refund", None)
    signs = {"abusive": False, "drift": drift, "escalation_risk": 0.9, "early_warning": True}
    assert guidance_for("angry", trend=[0.97], **signs).tips == [EARLY_TIP]
    assert guidance_for("angry", trend=[0.97], replied=True, **signs).tips == [AT_RISK_TIP]
    assert guidance_for("angry", trend=[0.97, 0.95], replied=True, **signs).tips == [AT_RISK_TIP]
    answered = _guide(
        ("customer", "Useless. Third time I'm asking for my refund and nobody answers!"),
        ("agent", "I'm sorry, I'm checking the refund now."),
        ("customer", "Still nothing. This is ridiculous."),
    )
    assert EARLY_TIP not in answered.tips
