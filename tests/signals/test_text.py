"""Normalisation removes source artefacts that a model would learn as shortcuts."""

from __future__ import annotations

from poise.signals.abuse import abuse_evidence
from poise.signals.text import normalize, sentences


def test_cfpb_redactions_are_stripped() -> None:
    text = "On XX/XX/XXXX they took {$1,250.00} from account XXXX XXXX ."
    assert normalize(text) == "On they took $1,250 from account."


def test_handles_links_and_placeholders_go() -> None:
    assert normalize("@united [NAME] lost my bag http://t.co/x") == "lost my bag"


def test_sentences_split_on_terminal_punctuation_and_newlines() -> None:
    assert sentences("I called. Nobody answered!\nStill waiting") == [
        "I called.",
        "Nobody answered!",
        "Still waiting",
    ]


def test_abuse_needs_a_target_for_mild_insults() -> None:
    assert abuse_evidence("this policy is stupid") == []
    assert abuse_evidence("you are stupid") == ["stupid"]
    assert abuse_evidence("I will find you") == ["i will find you"]
    assert abuse_evidence("still no refund after three weeks") == []
