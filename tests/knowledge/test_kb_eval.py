"""``poise eval kb``: Poise and BM25 side by side on labelled JSONL; CLINC150 when present."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from poise.cli import app as cli
from poise.knowledge.evaluation import roc_auc
from support import shared_data

PAST = [
    ("where is my refund", "refund"),
    ("my refund never arrived", "refund"),
    ("refund still missing after two weeks", "refund"),
    ("I forgot my password", "password"),
    ("password reset email does not arrive", "password"),
    ("locked out of my account", "password"),
    ("my card was declined", "card"),
    ("payment failed at checkout", "card"),
    ("the shop rejects my credit card", "card"),
]
NEW = [
    ("I haven't got my money back yet", "refund"),
    ("can't sign in, need to reset my password", "password"),
    ("why does my visa keep getting refused", "card"),
    ("what's the weather like in Paris", "weather"),
    ("play some jazz music", "music"),
]


def write(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("".join(json.dumps({"text": t, "issue": i}) + "\n" for t, i in rows))
    return path


def test_eval_kb_prints_poise_and_bm25(tmp_path: Path) -> None:
    past, new = write(tmp_path / "past.jsonl", PAST), write(tmp_path / "new.jsonl", NEW)
    result = CliRunner().invoke(
        cli, ["eval", "kb", "--train", str(past), "--test", str(new), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n"] == 5 and report["known"] == 3 and report["gaps"] == 2
    assert report["poise"]["acc1"] == 1.0 and report["poise"]["gap_auc"] == 1.0
    assert set(report["bm25"]) == {"acc1", "mrr", "recall5", "gap_auc"}
    text = CliRunner().invoke(cli, ["eval", "kb", "--train", str(past), "--test", str(new)])
    assert "poise  acc@1 1.0000" in text.output and "bm25" in text.output


def test_eval_kb_reports_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hi"}\n')
    result = CliRunner().invoke(cli, ["eval", "kb", "--train", str(bad), "--test", str(bad)])
    said = result.output.replace("\n", "")  # the console wraps a long temporary path
    assert result.exit_code == 2 and "bad.jsonl:1" in said
    missing = CliRunner().invoke(cli, ["eval", "kb", "--train", "nope", "--test", "nope"])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_roc_auc_counts_ties_half() -> None:
    import numpy as np

    assert roc_auc(np.array([1.0, 1.0]), np.array([1.0, 0.0])) == 0.75
    assert roc_auc(np.array([]), np.array([1.0])) is None


@pytest.mark.shared_data
def test_clinc150_sample_meets_the_bar(tmp_path: Path) -> None:
    """A small, fixed sample of CLINC150 (12 intents, train as past, test as new, oos as gaps),
    so the suite stays fast; the full figures are in docs/knowledge.md."""
    data = json.loads(shared_data("clinc150", "data_full.json").read_text())
    intents = sorted({i for _, i in data["train"]})
    chosen = set(random.Random(3).sample(intents, 12))
    past = [(t, i) for t, i in data["train"] if i in chosen][::4]
    new = [(t, i) for t, i in data["test"] if i in chosen][::2]
    new += [(t, i) for t, i in data["oos_test"][:60]]
    args = ["eval", "kb", "--json", "--train", str(write(tmp_path / "p.jsonl", past))]
    args += ["--test", str(write(tmp_path / "n.jsonl", new))]
    report = json.loads(CliRunner().invoke(cli, args).output)
    assert report["poise"]["acc1"] >= 0.9, report
    assert report["poise"]["gap_auc"] >= 0.85, report
    assert report["poise"]["acc1"] >= report["bm25"]["acc1"], report


def test_mining_quality_measures() -> None:
    from poise.knowledge.evaluation import nmi, pure_share, rouge_l

    assert nmi(["a", "a", "b", "b"], [1, 1, 2, 2]) == 1.0
    assert nmi(["a", "a", "b", "b"], [1, 2, 1, 2]) == 0.0
    assert pure_share(["a", "a", "b", "b"], [1, 1, 1, 2]) == 0.25
    assert pure_share(["a", "a", "b"], [1, 1, 2], min_size=2) == 2 / 3
    assert rouge_l("the refund was issued today", "refund issued") == 2 * (2 / 5) / (2 / 5 + 1)
    assert rouge_l("", "anything") == 0.0


BANKING = [
    [text, intent]
    for intent, texts in {
        "pay_bill": ["pay my electricity bill", "I want to pay the water bill",
                     "pay my phone bill now", "make a payment on my gas bill"],
        "routing": ["what is my routing number", "tell me the bank routing number",
                    "routing number for my checking account", "I need my routing number"],
        "pin_change": ["change the pin on my card", "I want a new pin for my debit card",
                       "how do I reset my card pin", "set a different pin number"],
    }.items()
    for text in texts
]  # fmt: skip


def test_eval_kb_mining_on_a_tiny_copy_of_the_data(tmp_path: Path) -> None:
    clinc = tmp_path / "clinc150"
    clinc.mkdir()
    rows = [[t, i] for t, i in PAST]
    (clinc / "data_full.json").write_text(json.dumps({"train": rows, "test": BANKING}))
    tweetsumm = tmp_path / "tweetsumm"
    (tweetsumm / "annotations").mkdir(parents=True)
    (tweetsumm / "dialog_text").mkdir()
    summary = ["Customer says the refund never came.", "Agent re-issued the refund."]
    (tweetsumm / "annotations" / "final_train_tweetsum.jsonl").write_text(
        json.dumps({"conversation_id": "c1", "annotations": [{"abstractive": summary}]}) + "\n"
    )
    document = (
        "c1\n\tCustomer:\t@Shop my refund never came https://t.co/x\n"
        "\tAgent:\t@1 Hi there!\n\tAgent:\t@1 I've re-issued the refund, check tomorrow. ^AB\n"
    )
    (tweetsumm / "dialog_text" / "twitter.json").write_text(json.dumps({"document": [document]}))
    result = CliRunner().invoke(cli, ["eval", "kb-mining", "--data-dir", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["clinc150"]["n"] == 9 and report["clinc150"]["nmi"] > 0.5
    banking = report["clinc150_grouping"][0]  # sets without two intents present are skipped
    names = [g["name"] for g in report["clinc150_grouping"]]
    assert names == ["banking", "banking+credit_cards", "all four", "all 150 intents",
                     "banking+credit_cards uneven", "all four uneven"]  # fmt: skip
    assert banking["issues"] == 3 and banking["requests"] == 12
    assert banking["proposals"] == 3 and banking["ari"] == 1.0 and banking["kmeans_ari"] == 1.0
    assert banking["accepted"] is True
    assert report["tweetsumm"]["dialogues"] == 1
    mined = report["tweetsumm"]
    assert mined["poise_resolution"] > 0.4 and mined["poise_issue"] > 0.3


def test_eval_scores_a_manual_of_one_issue_as_the_search_does() -> None:
    """No classifier for one issue, and the calibration without its term: what is evaluated
    is what agents get (a paraphrase is found, another topic is a gap)."""
    from poise.knowledge.evaluation import Example, evaluate, match_lines
    from poise.minilm.encoder import get_encoder

    past = [
        Example("Where is my refund?", "refund"),
        Example("My money back is late, it's been two weeks", "refund"),
        Example("I still haven't received my refund", "refund"),
    ]
    new = [
        Example("it's been two weeks and my money still hasn't come back", "refund"),
        Example("how do I change the language of the app to French?", "language"),
    ]
    encode = get_encoder().encode
    assert match_lines(past, new, encode=encode).classifier is None
    figures = evaluate(past, new, encode=encode)
    assert figures["poise"]["acc1"] == 1.0 and figures["poise"]["gap_auc"] == 1.0  # type: ignore[index]
