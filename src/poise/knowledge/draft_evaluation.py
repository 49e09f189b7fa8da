"""``poise eval drafts``: mined drafts against what people wrote about the same dialogues.

TweetSumm's annotators wrote, for each real Twitter support dialogue, a short abstractive
summary: its first sentence the customer's issue, the rest what the agent did. The resolution
part is the reference here; each draft is scored by ROUGE-L F1 against every reference of the
dialogue (their mean), beside baselines computed in the same run:

- ``last_agent_turn``: the dialogue's last agent turn, as it was written;
- ``one_reply``: what mining did before drafts were written from the group (the one agent
  turn with most action words, :func:`poise.knowledge.mining.resolution_of`).

Two settings. *Dialogue*: each dialogue drafted alone (a group of one). *Group*: each
company's dialogues grouped by issue with mining's own grouping, one draft per group of three
or more, scored against every member's references; there the baselines still see the member's
own turns, which a group draft cannot, so they are the harder comparison.

``leaks`` counts outputs that still hold an @handle, a link, an e-mail, a run of five digits,
or an ``^initials`` signature.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from poise.knowledge.drafting import DraftConfig, Encode, Resolved, draft_resolution
from poise.knowledge.evaluation import rouge_l
from poise.knowledge.matching import FloatArray

TURN_RE = re.compile(r"^\t(Customer|Agent):\t", re.MULTILINE)
COMPANY_RE = re.compile(r"@([A-Za-z]\w+)")
LEAK_RE = re.compile(
    r"(?<![\w@])@\w+|https?://|www\.|[\w.+-]+@[\w-]+\.\w|\d{5,}|\^[A-Z]{1,3}\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Dialogue:
    """One TweetSumm dialogue: its company, turns by role, and the reference resolutions."""

    key: str
    company: str
    customer: list[str]
    agent: list[str]
    references: list[str]


def read_tweetsumm(folder: Path) -> list[Dialogue]:
    """The dialogues with text and at least one two-part abstractive summary."""
    references: dict[str, list[str]] = {}
    annotations = folder / "annotations" / "final_train_tweetsum.jsonl"
    for line in annotations.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        found = [a["abstractive"] for a in row["annotations"] if a.get("abstractive")]
        references[row["conversation_id"]] = [" ".join(s[1:]) for s in found if len(s) >= 2]
    documents = json.loads((folder / "dialog_text" / "twitter.json").read_text(encoding="utf-8"))
    dialogues = []
    for document in documents["document"]:
        head, rest = document.split("\n", 1)
        parts = TURN_RE.split(rest)[1:]
        turns = [(parts[i], parts[i + 1].strip()) for i in range(0, len(parts), 2)]
        customer = [t for role, t in turns if role == "Customer"]
        agent = [t for role, t in turns if role == "Agent"]
        refs = references.get(head.strip(), [])
        if customer and agent and refs:
            dialogues.append(Dialogue(head.strip(), _company(customer), customer, agent, refs))
    return dialogues


def _company(customer: list[str]) -> str:
    handles = Counter(m for t in customer for m in COMPANY_RE.findall(t) if not m.isdigit())
    return handles.most_common(1)[0][0].lower() if handles else ""


def sentence_cache(encode: Encode) -> Encode:
    """Each distinct sentence embedded once across the run (both settings share them)."""
    known: dict[str, FloatArray] = {}

    def cached(texts: list[str]) -> FloatArray:
        new = list(dict.fromkeys(t for t in texts if t not in known))
        if new:
            known.update(zip(new, encode(new), strict=True))
        return np.vstack([known[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)

    return cached


@dataclass
class Tally:
    """Mean ROUGE-L F1 of one method and how many of its outputs leak personal data."""

    scores: list[float]
    leaks: int = 0

    def add(self, output: str, references: list[str]) -> None:
        self.scores.append(sum(rouge_l(output, r) for r in references) / len(references))
        self.leaks += bool(LEAK_RE.search(output))

    def as_dict(self) -> dict[str, float | int]:
        mean = float(np.mean(self.scores)) if self.scores else 0.0
        return {"rouge_l": round(mean, 4), "leaks": self.leaks}


def _baselines() -> dict[str, Callable[[Dialogue], str]]:
    from poise.knowledge.mining import resolution_of

    return {
        "last_agent_turn": lambda d: d.agent[-1],
        "one_reply": lambda d: resolution_of(d.agent),
    }


def by_dialogue(
    dialogues: list[Dialogue], encode: Encode, config: DraftConfig
) -> dict[str, object]:
    """Each dialogue drafted alone, beside the baselines on the same dialogue."""
    tallies = {name: Tally([]) for name in ["draft", *_baselines()]}
    for d in dialogues:
        draft = draft_resolution([Resolved(0, d.agent)], encode=encode, config=config)
        tallies["draft"].add(draft.text, d.references)
        for name, baseline in _baselines().items():
            tallies[name].add(baseline(d), d.references)
    return {"dialogues": len(dialogues), **{k: t.as_dict() for k, t in tallies.items()}}


def by_group(
    dialogues: list[Dialogue], encode: Encode, config: DraftConfig, group_encode: Encode
) -> dict[str, object]:
    """Each company's dialogues grouped by issue (mining's grouping, with ``group_encode``: the
    manual's encoder, as mining groups); one draft per group (steps chosen with ``encode``)."""
    from poise.knowledge.mining import MiningConfig, _consensus, group_vectors, issue_of

    tallies = {name: Tally([]) for name in ["draft", "group_one_reply", *_baselines()]}
    groups = 0
    companies: dict[str, list[Dialogue]] = {}
    for d in dialogues:
        companies.setdefault(d.company, []).append(d)
    for members in companies.values():
        if len(members) < MiningConfig().min_size:
            continue
        issues = [issue_of(d.customer) for d in members]
        labels = group_vectors(group_encode(issues), issues, MiningConfig())
        for label in sorted(set(labels.tolist()) - {-1}):
            group = [d for d, g in zip(members, labels.tolist(), strict=True) if g == label]
            if len(group) < MiningConfig().min_size:
                continue
            groups += 1
            resolved = [Resolved(i, d.agent) for i, d in enumerate(group)]
            draft = draft_resolution(resolved, encode=encode, config=config).text
            old = _consensus([_baselines()["one_reply"](d) for d in group[:5]])
            for d in group:
                tallies["draft"].add(draft, d.references)
                tallies["group_one_reply"].add(old, d.references)
                for name, baseline in _baselines().items():
                    tallies[name].add(baseline(d), d.references)
    scored = len(tallies["draft"].scores)
    return {"groups": groups, "dialogues": scored, **{k: t.as_dict() for k, t in tallies.items()}}


def evaluate_drafts(
    folder: Path,
    *,
    encode: Encode,
    group_encode: Encode | None = None,
    skip: int = 0,
    limit: int | None = None,
    config: DraftConfig | None = None,
) -> dict[str, object]:
    """Both settings on TweetSumm's train dialogues (the only ones with text), from the
    ``skip``-th on (development looked at the first ones), at most ``limit`` of them."""
    config = config or DraftConfig()
    dialogues = read_tweetsumm(folder)[skip:]
    dialogues = dialogues[:limit] if limit else dialogues
    encode = sentence_cache(encode)
    return {
        "set": "tweetsumm train (abstractive summaries, resolution part)",
        "dialogue": by_dialogue(dialogues, encode, config),
        "group": by_group(dialogues, encode, config, group_encode or encode),
    }
