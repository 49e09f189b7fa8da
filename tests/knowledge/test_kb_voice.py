"""A mined step says what the next agent does, not what one agent told one customer."""

from __future__ import annotations

import pytest

from poise.knowledge.drafting import as_instruction
from poise.knowledge.voice import as_agent_step

REWRITTEN = [
    ("I've issued a full refund to your card.", "Issue a full refund to the customer's card."),
    ("I'm sending you a replacement at no cost.", "Send the customer a replacement at no cost."),
    ("We have escalated this to our engineers.", "Escalate this to our engineers."),
    ("I've processed your return.", "Process the customer's return."),
    ("I've applied a credit to your account.", "Apply a credit to the customer's account."),
    ("I've cancelled the order and refunded the fee.", "Cancel the order and refund the fee."),
    ("I've gone ahead and reset your password.", "Reset the customer's password."),
    ("I'm setting up a callback for you.", "Set up a callback for the customer."),
    ("I've re-issued the refund.", "Re-issue the refund."),
    ("I’ve rebooked you on the 6pm flight.", "Rebook the customer on the 6pm flight."),
    ("Let me escalate this for you.", "Escalate this for the customer."),
    (
        "I've also made sure we won't charge you again.",
        "Make sure we won't charge the customer again.",
    ),
    (
        "I've re-sent it by transfer, and you'll have it in two days.",
        "Re-send it by transfer, and they'll have it in two days.",
    ),
    (
        "I've made you the admin; you can now manage users.",
        "Make the customer the admin; they can now manage users.",
    ),
    (
        "I've verified your identity and sent a link to your email.",
        "Verify the customer's identity and send a link to their email.",
    ),
    (  # after the first clause it is no longer the agent's doing
        "I've run the clean-up: it removed the copies and kept the newest.",
        "Run the clean-up: it removed the copies and kept the newest.",
    ),
]
KEPT = [
    "I've found the problem: the card was replaced.",  # a finding, not a step
    "I can see the second charge.",
    "We're showing an estimated departure time of 8:25pm.",
    "I'll be in touch.",
    "I'm afraid that's not possible.",
    "I have a question about the order.",
    "We'll need your order number.",
    "Your router was switching channels.",
]


@pytest.mark.parametrize(("said", "step"), REWRITTEN)
def test_the_agents_own_action_reads_as_a_step(said: str, step: str) -> None:
    assert as_instruction(said) == step


@pytest.mark.parametrize("said", KEPT)
def test_findings_and_other_sentences_stay_as_written(said: str) -> None:
    assert as_agent_step(said) is None
    assert as_instruction(said).rstrip(".") == said.rstrip(".")


INSTRUCTIONS = [
    "Unplug the modem for thirty seconds.",
    "DM us the tracking number.",
    "Reinstall it from the store.",
    "Under Account > Privacy, turn on two-step sign-in.",
    "To keep the discount, renew before the 14th.",
    "Don't delete the old profile yet.",
    "Let's check the sound settings first.",
    "Ask the customer: which browser are you using?",
    "Tap Restore purchases at the bottom of the page.",
    "Send the customer a prepaid label.",
]
STATEMENTS = [
    "The battery was below the level updates need.",
    "Your card issuer declined the payment.",
    "It started working after the restart.",
    "Older tablets can't run the new version.",
    "Nothing was charged twice.",
    "Only the account owner can change the plan.",
    "Once the parcel is scanned, the refund goes out.",
    "Expired coupons stay in the wallet for a month.",
    "Spreadsheets exported before March lack the new column.",
    "Safari blocks the pop-up by default.",
    "We can't see card details here.",
    "Done, your address is updated.",
]


@pytest.mark.parametrize("said", INSTRUCTIONS)
def test_an_instruction_opens_with_its_verb(said: str) -> None:
    from poise.knowledge.voice import is_instruction

    assert is_instruction(said)


@pytest.mark.parametrize("said", STATEMENTS)
def test_a_cause_a_finding_or_an_outcome_is_no_instruction(said: str) -> None:
    from poise.knowledge.voice import is_instruction

    assert not is_instruction(said)
