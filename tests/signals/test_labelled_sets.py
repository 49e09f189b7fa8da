"""The hand-labelled development sets: label files well-formed, and joined with ../shared/data.

The label files hold ids and labels only (the text has no licence); ``benchmarks/labelled_sets.py``
joins them with the shared data into files the ``poise eval`` commands read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from poise.signals.cli import read_labelled
from poise.signals.evaluation import read_conversations
from support import benchmark_module, shared_data

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "tests" / "fixtures" / "labels"
FEELINGS = {"very_negative", "negative", "neutral", "positive", "very_positive"}


def _rows(name: str) -> list[dict[str, Any]]:
    lines = (LABELS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_feeling_labels_are_well_formed() -> None:
    rows = _rows("twcs_feeling")
    assert len(rows) == 300
    assert [r["position"] for r in rows] == list(range(300))
    assert all(set(r) == {"position", "row", "tweet_id", "feeling"} for r in rows)
    assert {r["feeling"] for r in rows} == FEELINGS
    assert len({r["tweet_id"] for r in rows}) == 300


def test_opening_labels_are_well_formed() -> None:
    rows = _rows("tweetsumm_openings")
    assert len(rows) == 200
    assert all(set(r) == {"position", "conversation_id", "unhappy_start", "drift"} for r in rows)
    assert all(isinstance(r["unhappy_start"], bool) and isinstance(r["drift"], bool) for r in rows)
    assert len({r["conversation_id"] for r in rows}) == 200
    assert any(r["drift"] for r in rows) and not all(r["unhappy_start"] for r in rows)


def test_abuse_labels_are_well_formed() -> None:
    rows = _rows("abuse_vs_threat")
    assert len(rows) >= 200
    assert [r["position"] for r in rows] == list(range(len(rows)))
    for r in rows:
        assert isinstance(r["abusive"], bool) and isinstance(r["threat_to_leave"], bool)
        keys = {"row"} if r["source"] == "twcs" else {"conversation_id", "turn"}
        assert set(r) == {"position", "source", "tweet_id", "abusive", "threat_to_leave"} | keys
    assert len({r["tweet_id"] for r in rows}) == len(rows)
    assert sum(r["threat_to_leave"] for r in rows) >= 40
    assert sum(r["abusive"] for r in rows) >= 30


def test_labels_join_with_the_shared_text(tmp_path: Path) -> None:
    data_dir = shared_data("tweetsumm").parent
    shared_data("twcs-sample", "twcs_first5000.csv")
    sets = benchmark_module("labelled_sets")
    tweets = sets.load_twcs(data_dir)
    for row in _rows("twcs_feeling"):
        tweet = tweets[row["tweet_id"]]
        assert (tweet.row, tweet.inbound) == (row["row"], True)
    ids = sets.tweetsumm_tweet_ids(data_dir)
    for row in _rows("abuse_vs_threat"):
        if row["source"] == "tweetsumm":
            assert ids[row["conversation_id"]][row["turn"]] == row["tweet_id"]
        else:
            assert tweets[row["tweet_id"]].row == row["row"]
    # The draw is reproducible: the same seeds give the rows that were labelled, in order.
    drawn = sets.draw_abuse(data_dir)
    assert [c.key() for c in drawn] == [
        {k: v for k, v in r.items() if k not in {"position", "abusive", "threat_to_leave"}}
        for r in _rows("abuse_vs_threat")
    ]
    written = sets.write(tmp_path, data_dir)
    assert written == {
        "twcs_feeling.jsonl": 300,
        "abuse_vs_threat.jsonl": len(_rows("abuse_vs_threat")),
        "tweetsumm_openings.jsonl": 200,
        "tweetsumm_turns.jsonl": 150,
    }
    texts, labels = read_labelled(tmp_path / "twcs_feeling.jsonl")
    negative = sum(r["feeling"] in {"negative", "very_negative"} for r in _rows("twcs_feeling"))
    assert len(texts) == 300 and sum(labels) == negative
    conversations = read_conversations(tmp_path / "tweetsumm_openings.jsonl")
    assert len(conversations) == 200
    assert all(c.turns[0].body for c in conversations)


def test_turn_labels_are_well_formed() -> None:
    rows = _rows("tweetsumm_turns")
    assert [r["position"] for r in rows] == list(range(150))
    assert all(set(r) == {"position", "conversation_id", "iq"} for r in rows)
    iq = [x for r in rows for x in r["iq"]]
    assert all(type(x) is int and 1 <= x <= 5 for x in iq) and set(iq) == {1, 2, 3, 4, 5}
    assert all(r["iq"] for r in rows)
    assert len({r["conversation_id"] for r in rows}) == 150
    # Independent of the openings set: no dialogue is in both.
    openings = {r["conversation_id"] for r in _rows("tweetsumm_openings")}
    assert not openings & {r["conversation_id"] for r in rows}


def test_turn_labels_join_with_the_shared_dialogues(tmp_path: Path) -> None:
    data_dir = shared_data("tweetsumm", "dialog_text", "twitter.json").parents[2]
    shared_data("twcs-sample", "twcs_first5000.csv")
    sets = benchmark_module("labelled_sets")
    dialogues = sets.load_tweetsumm(data_dir)
    rows = _rows("tweetsumm_turns")
    # The draw is reproducible: the seed gives the dialogues that were labelled, in order.
    assert sets.draw_turns(dialogues)[:150] == [r["conversation_id"] for r in rows]
    for row in rows:
        roles = [role for role, _ in dialogues[row["conversation_id"]]]
        assert len(row["iq"]) == roles.count("customer"), row["conversation_id"]
    sets.write(tmp_path, data_dir)
    conversations = read_conversations(tmp_path / "tweetsumm_turns.jsonl")
    assert [c.id for c in conversations] == [r["conversation_id"] for r in rows]
    for conv, row in zip(conversations, rows, strict=True):
        customer = [
            iq for t, iq in zip(conv.turns, conv.iq, strict=True) if t.author_role == "customer"
        ]
        agent = [iq for t, iq in zip(conv.turns, conv.iq, strict=True) if t.author_role == "agent"]
        assert customer == row["iq"] and set(agent) <= {None}
        assert all(t.body for t in conv.turns)


@pytest.mark.parametrize(
    "name", ["twcs_feeling", "tweetsumm_openings", "tweetsumm_turns", "abuse_vs_threat"]
)
def test_label_files_hold_no_text(name: str) -> None:
    assert all("text" not in row for row in _rows(name))
