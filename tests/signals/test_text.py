"""Normalisation removes source artefacts that a model would learn as shortcuts."""

from __future__ import annotations

from poise.signals import text as text_module
from poise.signals.abuse import abuse_evidence
from poise.signals.text import normalize, sentences


def test_cfpb_redactions_are_stripped() -> None:
    text = "On XX/XX/XXXX they took {$1,250.00} from account XXXX XXXX ."
    assert normalize(text) == "On they took $1,250 from account."


def test_handles_links_and_placeholders_go() -> None:
    assert normalize("@united [NAME] lost my bag http://t.co/x") == "lost my bag"


def test_placeholders_written_in_words_go_and_bracketed_words_stay() -> None:
    assert normalize("order {{Order Number}} for [Account Number] <customer name>") == "order for"
    assert normalize("{{ phone }} and [CARD_NUMBER] and <Person_Name>") == "and and"
    # Real text brackets words too; only a word that names personal data marks a placeholder.
    assert normalize("[Serious] this is bad [Ha Ha] [No]") == "[Serious] this is bad [Ha Ha] [No]"
    assert normalize("see [my order](x)") == "see [my order](x)"


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


def test_only_short_texts_are_remembered() -> None:
    """Scoring asks for a message's normalised text several times; a long e-mail is not kept."""
    text_module._remembered.cache_clear()
    short = "@acme my order 4411 is late https://t.co/x"
    assert normalize(short) == normalize(short) == text_module._normalize(short)
    assert text_module._remembered.cache_info().currsize == 1
    long = "My order is late again. " * 50
    assert normalize(long) == text_module._normalize(long)
    assert text_module._remembered.cache_info().currsize == 1
