"""The outside sets for ``poise eval kb`` (benchmarks/kb_sets.py): a fixed draw, gaps that are
really absent from the manual, and tuning and holdout parts that share nothing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from poise.knowledge.evaluation import match_lines
from poise.knowledge.search import clean_query
from support import benchmark_module, shared_data

kb_sets = benchmark_module("kb_sets")


def test_issue_sentence_drops_the_lead_in_and_summaries_that_say_nothing() -> None:
    assert kb_sets.issue_sentence("Customer is complaining that the app crashes on login.") == (
        "The app crashes on login."
    )
    assert kb_sets.issue_sentence("The customer asks about a refund for a late train.") == (
        "A refund for a late train."
    )
    assert kb_sets.issue_sentence("The customer has a problem.") is None
    assert kb_sets.issue_sentence("Customer is upset with the service.") is None


def test_company_is_the_handle_the_customer_addresses_not_their_own_number() -> None:
    turns = ["@115712 @AppleSupport my phone died", "@AppleSupport still dead @115712"]
    assert kb_sets.company_of(turns) == "applesupport"
    assert kb_sets.company_of(["@115712 hello?"]) is None


def _data() -> Path:
    return shared_data("tweetsumm").parent


def test_tweetsumm_draw_is_fixed_and_its_gaps_are_absent_from_the_manual() -> None:
    data = _data()
    first, again = (
        kb_sets.build(data, "tuning", ["tweetsumm"]),
        kb_sets.build(data, "tuning", ["tweetsumm"]),
    )
    assert first == again
    assert len(first) == kb_sets.FOLDS
    gap_lines = 0
    for kb_set in first:
        issues = {e.issue for e in kb_set.past}
        texts = {e.text for e in kb_set.past}
        assert not texts & {e.text for e in kb_set.new}  # no new line is in the manual
        gaps = [e for e in kb_set.new if e.issue not in issues]
        gap_lines += len(gaps)
        assert 0 < len(gaps) < len(kb_set.new)
    # Every dialogue of the part is a gap in exactly one fold.
    assert gap_lines == len(first[0].new)


def test_tweetsumm_tuning_and_holdout_share_no_company_and_no_dialogue() -> None:
    data = _data()
    dialogues = {d.id: d.company for d in kb_sets.tweetsumm_dialogues(data / "tweetsumm")}
    parts = {p: kb_sets.build(data, p, ["tweetsumm"])[0].new for p in kb_sets.PARTS}
    companies = {p: {dialogues[e.issue] for e in lines} for p, lines in parts.items()}
    assert not companies["tuning"] & companies["holdout"]
    assert not {e.issue for e in parts["tuning"]} & {e.issue for e in parts["holdout"]}
    assert min(len(lines) for lines in parts.values()) > 300


def test_clinc_domains_leave_one_whole_domain_out_per_fold() -> None:
    data = _data()
    shared_data("clinc150")
    for part, count in (("tuning", 6), ("holdout", 4)):
        folds = kb_sets.build(data, part, ["clinc-domains"])
        assert len(folds) == count
        for kb_set in folds:
            manual = {e.issue for e in kb_set.past}
            gaps = {e.issue for e in kb_set.new} - manual
            assert len(gaps) == 15  # one domain's intents
            # CLINC150 itself repeats a few short questions across its splits ("abort it").
            repeated = {e.text for e in kb_set.past} & {e.text for e in kb_set.new}
            assert len(repeated) <= 3
    tuning = {e.issue for s in kb_sets.build(data, "tuning", ["clinc-domains"]) for e in s.new}
    holdout = {e.issue for s in kb_sets.build(data, "holdout", ["clinc-domains"]) for e in s.new}
    assert not tuning & holdout


def test_near_twin_folds_leave_three_intents_of_every_domain_out() -> None:
    data = _data()
    shared_data("clinc150")
    few = kb_sets.build(data, "holdout", ["clinc-few"])
    near = kb_sets.build(data, "holdout", ["clinc-near"])
    assert len(few) == len(near) == 5
    seen: set[str] = set()
    for small, large in zip(few, near, strict=True):
        manual = {e.issue for e in small.past}
        assert manual == {e.issue for e in large.past}  # the same issues, more phrasings
        gaps = {e.issue for e in small.new} - manual
        assert len(gaps) == 12 and not gaps & seen  # three of each of the four report domains
        seen |= gaps
        per_issue = Counter(e.issue for e in small.past)
        assert set(per_issue.values()) == {4} and len(large.past) > 20 * len(small.past)


def test_jsonl_files_round_trip_for_poise_eval_kb(tmp_path: Path) -> None:
    from poise.knowledge.evaluation import read_jsonl

    kb_set = kb_sets.build(_data(), "holdout", ["tweetsumm"])[1]
    past, new = kb_sets.write_jsonl(kb_set, tmp_path)
    assert read_jsonl(past) == kb_set.past
    assert read_jsonl(new) == kb_set.new


def test_new_lines_are_scored_as_the_search_cleans_them() -> None:
    seen: list[str] = []

    def encode(texts: list[str]) -> object:
        import numpy as np

        seen.extend(texts)
        return np.eye(len(texts), 8, dtype=np.float32)

    past = [kb_sets.Example("card declined", "card"), kb_sets.Example("lost card", "card")]
    new = [kb_sets.Example("my card\nwas   declined\r\nagain", "card")]
    match_lines(past, new, encode=encode)  # type: ignore[arg-type]
    assert seen[-1] == clean_query(new[0].text) == "my card was declined again"
