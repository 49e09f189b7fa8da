"""Conversation signals on hand-made conversations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest

from poise.signals import ConversationSignals, Turn, conversation_signals, get_scorer
from poise.signals import drift as drift_module
from poise.signals.conversation import SignalsRequest, escalation_risk, signals_batch
from poise.signals.drift import DriftCase


def _customer(*scores: float) -> list[Turn]:
    turns: list[Turn] = []
    for i, score in enumerate(scores):
        turns.append(Turn("customer", f"message {i}", negativity=score))
        turns.append(Turn("agent", "Thanks for your patience, let me check."))
    return turns


def test_early_warning_uses_the_first_customer_turns() -> None:
    signals = conversation_signals(
        [
            Turn("system", "Chat started"),
            Turn(
                "customer",
                "I've been charged twice and nobody answers my emails, this is ridiculous",
            ),
            Turn("agent", "Sorry about that, let me look."),
        ]
    )
    assert isinstance(signals, ConversationSignals)
    assert signals.early_warning
    assert signals.early_score >= 0.5
    assert len(signals.trend) == 1


def test_calm_opening_gives_no_warning() -> None:
    signals = conversation_signals(
        [Turn("customer", "Hi! How do I change the email on my account?")]
    )
    assert not signals.early_warning


def test_escalation_rises_with_a_worsening_trend() -> None:
    rising = conversation_signals(_customer(0.1, 0.4, 0.8))
    falling = conversation_signals(_customer(0.8, 0.4, 0.1))
    steady = conversation_signals(_customer(0.9, 0.9, 0.9))
    calm = conversation_signals(_customer(0.05, 0.05, 0.05))
    assert rising.trend == [0.1, 0.4, 0.8]
    assert rising.risk_by_turn == sorted(rising.risk_by_turn)
    assert len(rising.risk_by_turn) == 3
    assert steady.escalation_risk > rising.escalation_risk > falling.escalation_risk
    assert falling.escalation_risk > calm.escalation_risk


def test_escalation_risk_stays_in_range_and_does_not_saturate() -> None:
    assert escalation_risk([]) == 0.0
    assert 0.0 < escalation_risk([0.0, 0.0]) < escalation_risk([1.0, 1.0]) < 1.0
    assert escalation_risk([1.0, 1.0]) < 0.99


def test_ok_after_an_angry_complaint_stays_at_risk() -> None:
    """A short reply says nothing of the feeling: the last substantive turn still counts."""
    turns = [
        Turn("customer", "This is the third time I've called, I'm furious", negativity=0.97),
        Turn("agent", "I'm sorry, I'll escalate it."),
        Turn("customer", "OK.", negativity=0.1),
    ]
    signals = conversation_signals(turns)
    assert signals.escalation_risk >= 0.4
    assert signals.risk_by_turn[-1] > 0.3


def test_repeat_contact_raises_the_risk() -> None:
    plain = [Turn("customer", "My parcel has not arrived yet today", negativity=0.3)]
    repeated = [
        Turn("customer", "My parcel has still not arrived, third time asking", negativity=0.3)
    ]
    assert (
        conversation_signals(repeated).escalation_risk > conversation_signals(plain).escalation_risk
    )


def test_turnaround_means_negative_start_positive_end() -> None:
    assert conversation_signals(_customer(0.9, 0.5, 0.1)).turnaround
    assert not conversation_signals(_customer(0.1, 0.5, 0.1)).turnaround
    assert not conversation_signals(_customer(0.9, 0.8)).turnaround


def test_turnaround_from_scored_text() -> None:
    signals = conversation_signals(
        [
            Turn("customer", "My internet has been down for three days and I am fed up with you"),
            Turn("agent", "I've reset the line from our side, can you check now?"),
            Turn("customer", "It works now, thank you so much for your help!"),
        ]
    )
    assert signals.turnaround
    assert signals.trend[0] >= 0.5 > signals.trend[-1]


def test_drift_detects_a_new_topic() -> None:
    turns = [
        Turn("customer", "My credit card was declined at the supermarket today"),
        Turn("agent", "I'm sorry, let me check your card."),
        Turn("customer", "Why would my card be declined when I have money in the account?"),
        Turn("agent", "It looks fine now."),
        Turn("customer", "Also, can you recommend a good pasta recipe for dinner tonight?"),
    ]
    signals = conversation_signals(turns)
    assert signals.drift.purpose == turns[0].body
    assert signals.drift.drifted
    assert signals.drift.turn_index == 4


def test_on_topic_follow_ups_do_not_drift() -> None:
    turns = [
        Turn("customer", "My credit card was declined at the supermarket today"),
        Turn("agent", "Let me check."),
        Turn("customer", "Why would my card be declined when I have money in the account?"),
        Turn("customer", "ok thanks"),
    ]
    drift = conversation_signals(turns).drift
    assert not drift.drifted and drift.turn_index is None


def test_explicit_purpose_is_used_for_later_turns() -> None:
    drift = conversation_signals(
        [
            Turn("customer", "Hello, hope you're well! I need help with a booking."),
            Turn("agent", "Of course, what would you like to book?"),
            # A follow-up sharing only a place name with the purpose ("weather in Paris" vs
            # "a hotel room in Paris") reads on-topic since negativity-2026.11.2: see the
            # model card's limitations.
            Turn("customer", "Also, what's the weather going to be like this weekend?"),
        ],
        purpose="I want to book a hotel room in Paris",
    ).drift
    assert drift.purpose == "I want to book a hotel room in Paris"
    assert drift.drifted and drift.turn_index == 2


def test_the_first_customer_turn_never_counts_as_drift() -> None:
    """It states the purpose, even when a tagged purpose words it differently."""
    drift = conversation_signals(
        [Turn("customer", "Hope you're having a good day :) The app can't find my router.")],
        purpose="Setup app can't find the router",
    ).drift
    assert not drift.drifted and drift.turn_index is None


def test_a_new_topic_after_the_agents_question_is_drift() -> None:
    turns = [
        Turn("customer", "My wifi keeps dropping every evening, everything disconnects."),
        Turn("agent", "Sorry about that! What colour is the light on the front of the router?"),
        Turn(
            "customer",
            "Also, can I get a student discount on my phone plan and a new billing address?",
        ),
    ]
    drift = conversation_signals(turns).drift
    assert drift.drifted and drift.turn_index == 2


ROUTER = "My router drops the wifi connection every evening, can you help?"


def test_thanks_chasers_and_short_answers_carry_no_topic() -> None:
    for later in (
        "That worked, thank you so much!",
        "Hello? Is anyone there? Still waiting for an answer.",
        "No, not that I know of.",
    ):
        turns = [
            Turn("customer", ROUTER),
            Turn("agent", "Let's look at it."),
            Turn("customer", later),
        ]
        assert not conversation_signals(turns).drift.drifted, later


def test_a_new_topic_after_a_thank_you_drifts_in_its_own_sentence() -> None:
    later = (
        "Thanks, that fixed it! Also, can I get a student discount on my phone plan "
        "and change my billing address?"
    )
    turns = [Turn("customer", ROUTER), Turn("agent", "Try channel 6."), Turn("customer", later)]
    drift = conversation_signals(turns).drift
    assert drift.drifted and drift.turn_index == 2


def test_an_answer_to_something_said_before_is_on_topic() -> None:
    answer = "The light on the front of the box stays white."
    alone = [Turn("customer", ROUTER), Turn("agent", "Thanks."), Turn("customer", answer)]
    asked = [
        Turn("customer", ROUTER),
        Turn("agent", "Thanks. What colour is the light on the front of the router?"),
        Turn("customer", answer),
    ]
    # A detail raises no new matter, whether or not the agent asked for it.
    assert not conversation_signals(alone).drift.drifted
    assert not conversation_signals(asked).drift.drifted


def test_a_new_matter_in_a_router_conversation_drifts_and_says_which() -> None:
    turns = [
        Turn("customer", "This is the THIRD time my router dropped today."),
        Turn("agent", "Sorry, let me check the line."),
        Turn("customer", "It dropped again just now."),
        Turn("agent", "I have reset it."),
        Turn("customer", "Also, why was I charged twice last month??"),
    ]
    drift = conversation_signals(turns).drift
    assert drift.drifted and drift.turn_index == 4
    assert drift.sentence == "Also, why was I charged twice last month??"
    assert drift.purpose == "This is the THIRD time my router dropped today."


def test_answers_details_and_frustration_stay_on_purpose() -> None:
    turns = [
        Turn("customer", "Good day. I have a short question."),
        Turn("agent", "Of course, how can I help?"),
        Turn("customer", "My new tablet will not turn on."),
        Turn("agent", "Is the device new?"),
        Turn("customer", "No, I was offered it by a person who no longer wanted it"),
        Turn("customer", "How is it possible that nobody can tell me anything about this?"),
        Turn("customer", "I also tried charging it overnight with another cable."),
    ]
    drift = conversation_signals(turns).drift
    assert drift.purpose == "My new tablet will not turn on."
    assert not drift.drifted


# Bulk scoring asks drift about a whole chunk of conversations at once; the answers must be the
# ones each conversation gets alone (the webhook and the assist panel ask about one).
SWITCH = [
    Turn("customer", "This is the THIRD time my router dropped today."),
    Turn("agent", "Sorry, let me check the line. What colour is the light on the router?"),
    Turn("customer", "The light on the front of the box stays white."),
    Turn("agent", "I have reset it from here."),
    Turn("customer", "Thanks, that fixed it! Also, why was I charged twice last month??"),
]
ON_TASK = [
    Turn("customer", "Good day. I have a short question."),
    Turn("agent", "Of course, how can I help?"),
    Turn("customer", "My new tablet will not turn on."),
    Turn("agent", "Is the device new?"),
    Turn("customer", "No, I was offered it by a person who no longer wanted it"),
    Turn("customer", "How is it possible that nobody can tell me anything about this?"),
    Turn("customer", "I also tried charging it overnight with another cable."),
]
SINGLE = [
    Turn("customer", "My credit card was declined at the supermarket today"),
    Turn("agent", "I'm sorry, let me check your card."),
]
GIVEN = [
    Turn("customer", "Hello, hope you're well! I need help with a booking."),
    Turn("agent", "Of course, what would you like to book?"),
    Turn("customer", "Also, what's the weather going to be like this weekend?"),
]

FIXTURE_DRIFT = [
    Turn("customer", "My order arrived with a cracked screen. The box looked fine."),
    Turn("agent", "I'm sorry to hear that! Could you send a photo of the damage?"),
    Turn("customer", "Sent it just now. It was like that when I opened it."),
    Turn("agent", "Thanks, a replacement is on its way."),
    Turn("customer", "Great. By the way, can you update my billing address? I moved last week."),
]
FIXTURE_ON_TASK = [
    Turn("customer", "I was charged twice for my subscription this month."),
    Turn("agent", "Let me check. Can you tell me the last four digits of the card?"),
    Turn("customer", "It ends in 4821. I need to get a refund for the second charge please."),
    Turn("customer", "Any update? I would like this sorted today, the money is still gone."),
]


def _fresh_encoder() -> None:
    """Forget remembered encoder outputs, so each path runs its own encoder calls."""
    get_scorer("negativity").clear_cache()


def test_a_chunk_of_conversations_drifts_as_each_would_alone() -> None:
    scorer = get_scorer("drift")
    cases = [
        DriftCase(
            purpose or turns[0].body,
            [(i, t.body) for i, t in enumerate(turns) if t.author_role == "customer"][1:],
            [(i, t.body) for i, t in enumerate(turns)],
        )
        for turns, purpose in (
            (SWITCH, ""),
            (ON_TASK, "My new tablet will not turn on."),
            (SINGLE, ""),
            (GIVEN, "I want to book a hotel room in Paris"),
        )
    ]
    cases.append(DriftCase("   ", cases[0].turns, cases[0].conversation))  # no purpose
    _fresh_encoder()
    alone = [scorer.drift(*case) for case in cases]
    _fresh_encoder()
    together = scorer.drift_batch(cases)
    for one, batched in zip(alone, together, strict=True):
        assert (batched.drifted, batched.turn_index, batched.sentence, batched.purpose) == (
            one.drifted,
            one.turn_index,
            one.sentence,
            one.purpose,
        )
        assert batched.score == pytest.approx(one.score, abs=1e-5)
    assert [r.drifted for r in together] == [True, False, False, True, False]
    assert together[0].sentence == "Also, why was I charged twice last month??"
    assert together[1].score == 0.0, "none of the tablet conversation's sentences could drift"


def _cases(*conversations: list[Turn]) -> list[DriftCase]:
    """Each conversation's later customer turns against its first one."""
    return [
        DriftCase(
            turns[0].body,
            [(i, t.body) for i, t in enumerate(turns) if t.author_role == "customer"][1:],
            [(i, t.body) for i, t in enumerate(turns)],
        )
        for turns in conversations
    ]


def test_drift_embeds_only_sentences_that_could_drift(monkeypatch: pytest.MonkeyPatch) -> None:
    """Leaving out the sentences that cannot drift changes no verdict, and embeds less."""
    scorer = get_scorer("drift")
    cases = _cases(SWITCH, ON_TASK, SINGLE, GIVEN, FIXTURE_DRIFT, FIXTURE_ON_TASK)
    asked: list[str] = []
    embed = scorer.embed

    def counting(texts: Sequence[str]) -> np.ndarray:
        asked.extend(texts)
        return embed(texts)

    monkeypatch.setattr(scorer, "embed", counting)
    _fresh_encoder()
    chosen = scorer.drift_batch(cases)
    chosen_asked = list(asked)
    monkeypatch.setattr(drift_module, "could_drift", lambda sentence: True)
    asked.clear()
    _fresh_encoder()
    every = scorer.drift_batch(cases)
    for few, all_ in zip(chosen, every, strict=True):
        assert (few.drifted, few.turn_index, few.sentence) == (
            all_.drifted,
            all_.turn_index,
            all_.sentence,
        )
        if all_.drifted:
            assert few.score == pytest.approx(all_.score, abs=1e-6)
        else:
            assert few.score <= all_.score + 1e-6
    assert sum(r.drifted for r in chosen) >= 2
    cannot = "I also tried charging it overnight with another cable."  # no new matter, no request
    assert cannot in asked
    assert cannot not in chosen_asked
    assert len(chosen_asked) < len(asked)


def test_signals_of_a_chunk_are_each_conversations_own() -> None:
    requests = [
        SignalsRequest(SWITCH),
        SignalsRequest(ON_TASK, early_level="very_negative"),
        SignalsRequest(SINGLE),
        SignalsRequest(GIVEN, purpose="I want to book a hotel room in Paris"),
    ]
    _fresh_encoder()
    alone = [conversation_signals(r.turns, r.purpose, early_level=r.early_level) for r in requests]
    _fresh_encoder()
    together = signals_batch(requests)
    for one, batched in zip(alone, together, strict=True):
        assert replace(batched, drift=one.drift) == one
        assert batched.drift.score == pytest.approx(one.drift.score, abs=1e-5)
        assert replace(batched.drift, score=one.drift.score) == one.drift
    assert [s.drift.drifted for s in together] == [True, False, False, True]
    drift_version = get_scorer("drift").version
    assert [drift_version in s.versions for s in together] == [True, True, False, True]


def test_risk_by_turn_is_risk_after_over_the_turns_so_far() -> None:
    """The running totals give, turn by turn, what reading every earlier turn again gives."""
    from poise.signals.conversation import risk_after, risk_by_turn

    turns = [
        Turn("customer", "Where is my order? It has been two weeks now."),
        Turn("customer", "?"),
        Turn("agent", "Let me check."),
        Turn("customer", "This is the third time I write, I will cancel if it is not fixed."),
        Turn("customer", "ok"),
        Turn("agent", "It ships today."),
        Turn("customer", "thanks"),
    ]
    feelings = [0.7, 0.2, 0.95, 0.1, 0.05]
    expected, agents, unanswered, customer = [], 0, 0, 0
    for turn in turns:
        if turn.author_role == "agent":
            agents, unanswered = agents + 1, 0
            continue
        customer += 1
        texts = [t.body for t in turns if t.author_role == "customer"][:customer]
        expected.append(risk_after(feelings[:customer], texts, agents, unanswered))
        unanswered += 1
    assert risk_by_turn(turns, feelings) == expected
    assert expected[-1] >= 0.4  # "thanks" after a furious turn: the last substantive one counts


@pytest.mark.parametrize(
    "opening",
    [
        "Fix it now or I am cancelling my contract",
        "Sort this out by Friday or I'm going to the ombudsman",
        "If this isn't resolved today I will switch to another provider",
    ],
)
def test_a_threat_to_leave_in_the_opening_raises_early_warning(opening: str) -> None:
    """Threats to leave are negative (the issue's rule), but the feeling head read "Fix it now
    or I am cancelling my contract" as neutral, so the opening raised no early warning. A
    threat in the first customer turns now opens unhappy at the "negative" level; a team that
    chose "very negative" is warned only by the words' own score."""
    turns = [Turn("customer", opening), Turn("agent", "I'm sorry, let me look at this now.")]
    warned = conversation_signals(turns)
    assert warned.early_warning, warned
    strict = signals_batch([SignalsRequest(turns, None, "very_negative")])[0]
    assert strict.early_warning == (strict.trend[0] >= 0.9364), strict


def test_a_threat_after_the_opening_raises_no_early_warning() -> None:
    turns = [
        Turn("customer", "Hi, how do I change the email address on my account?"),
        Turn("agent", "Go to Settings, then Profile."),
        Turn("customer", "Thanks, found it."),
        Turn("agent", "Anything else?"),
        Turn("customer", "Actually I'm going to cancel my contract, the price went up again"),
    ]
    assert not conversation_signals(turns).early_warning


@pytest.mark.parametrize(
    "opening",
    ["How do I cancel my subscription?", "Please close my account, I am moving abroad."],
)
def test_a_calm_request_to_cancel_raises_no_early_warning(opening: str) -> None:
    """Asking to cancel is not threatening to: it opens no warning (the panel's "may leave"
    still says it, for the retention path)."""
    signals = conversation_signals([Turn("customer", opening)])
    assert not signals.early_warning, signals
