"""``poise eval kb``: how well the manual finds the issue of a new customer message.

The past lines play the manual (each line a phrasing of its issue's article), each new line is
a customer message to match. Poise is scored by the very code the search uses (the NumPy
matcher, the issue classifier fitted on the past lines only, and SQLite FTS5, here in memory),
beside a BM25 nearest-neighbour baseline (bm25s) in the same run. New lines whose issue is
absent from the past ones measure gap detection.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, text

from poise.errors import InvalidInput
from poise.knowledge.classifier import fit_classifier
from poise.knowledge.matching import FloatArray, Matcher, MatchParams, fuse, match_probability
from poise.knowledge.search import clean_query, fits_classifier, lexical_sqlite

Encode = Callable[[list[str]], FloatArray]


@dataclass(frozen=True)
class Example:
    text: str
    issue: str


@dataclass(frozen=True)
class Scores:
    acc1: float
    mrr: float
    recall5: float
    gap_auc: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {
            "acc1": round(self.acc1, 4),
            "mrr": round(self.mrr, 4),
            "recall5": round(self.recall5, 4),
            "gap_auc": None if self.gap_auc is None else round(self.gap_auc, 4),
        }


def read_jsonl(path: Path) -> list[Example]:
    """``{"text": …, "issue": …}`` per line, or InvalidInput naming the bad line."""
    examples = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                examples.append(Example(str(row["text"]), str(row["issue"])))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise InvalidInput(
                    f'{path}:{number}: expected {{"text": …, "issue": …}} ({exc})'
                ) from None
    if not examples:
        raise InvalidInput(f"{path} has no examples")
    return examples


def roc_auc(positive: np.ndarray, negative: np.ndarray) -> float | None:
    """Probability that a positive scores above a negative (ties count half)."""
    if len(positive) == 0 or len(negative) == 0:
        return None
    values = np.concatenate([positive, negative])
    order = values.argsort(kind="mergesort")
    ranks = np.empty(len(values), np.float64)
    sorted_values = values[order]
    # Average ranks over ties.
    _, first, counts = np.unique(sorted_values, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    n_pos = len(positive)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * len(negative)))


def rank_scores(
    scores: FloatArray, truth: np.ndarray, gap_confidence: tuple[np.ndarray, np.ndarray] | None
) -> Scores:
    """accuracy@1, MRR and recall@5 of the true issue's rank among issue scores."""
    true_score = scores[np.arange(len(truth)), truth]
    ranks = (scores > true_score[:, None]).sum(1) + 1
    auc = roc_auc(*gap_confidence) if gap_confidence else None
    return Scores(
        acc1=float((ranks == 1).mean()),
        mrr=float((1.0 / ranks).mean()),
        recall5=float((ranks <= 5).mean()),
        gap_auc=auc,
    )


def cached_encoder(encode: Encode, folder: Path | None) -> Encode:
    """Wrap ``encode`` with an on-disk cache keyed by the texts (for repeated evaluations)."""
    if folder is None:
        return encode

    def cached(texts: list[str]) -> FloatArray:
        key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:24]
        path = folder / f"emb-{key}.npy"
        if path.exists():
            stored: FloatArray = np.load(path, allow_pickle=False)
            return stored
        vectors = encode(texts)
        folder.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors, allow_pickle=False)
        return vectors

    return cached


def _lexical_scores(
    past: list[Example], owner: np.ndarray, queries: list[str], issues: int
) -> np.ndarray:
    """Poise's lexical side: the same FTS5 query the search runs, on an in-memory SQLite."""
    engine = create_engine("sqlite://")
    out = np.zeros((len(queries), issues), np.float32)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE VIRTUAL TABLE kb_fts USING fts5("
                "body, article_id UNINDEXED, tokenize = 'porter unicode61')"
            )
        )
        conn.execute(
            text("INSERT INTO kb_fts(rowid, body, article_id) VALUES (:i, :b, :a)"),
            [{"i": i + 1, "b": e.text, "a": int(owner[i])} for i, e in enumerate(past)],
        )
        for q, query in enumerate(queries):
            for issue, score in lexical_sqlite(conn, query):
                out[q, issue] = max(out[q, issue], score)
    engine.dispose()
    return out


def _bm25(past: list[Example], owner: np.ndarray, queries: list[str], issues: int) -> np.ndarray:
    """The baseline: BM25 (bm25s, Lucene variant) nearest neighbour over the past lines."""
    import bm25s  # type: ignore[import-untyped]

    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize([e.text for e in past], show_progress=False), show_progress=False
    )
    tokenized = bm25s.tokenize(queries, return_ids=False, show_progress=False)
    order = np.argsort(owner, kind="stable")
    starts = np.searchsorted(owner[order], np.arange(issues))
    out = np.zeros((len(queries), issues), np.float32)
    for start in range(0, len(queries), 256):
        block = np.vstack(
            [
                retriever.get_scores(tokens) if tokens else np.zeros(len(past), np.float32)
                for tokens in tokenized[start : start + 256]
            ]
        )
        out[start : start + 256] = np.maximum.reduceat(block[:, order], starts, axis=1)
    return out


@dataclass(frozen=True)
class Matched:
    """Every score the search computes for each new line, kept for evaluation and calibration."""

    fused: FloatArray  # (new, issues) hybrid scores, as the search ranks them
    semantic: FloatArray  # (new, issues) pooled meaning scores alone
    lexical: FloatArray  # (new, issues) full-text scores, before scaling
    classifier: FloatArray | None  # (new, issues) the issue classifier's probabilities
    truth: np.ndarray  # the true issue's column (0 for a gap line)
    known: np.ndarray  # whether the line's issue is in the manual at all


def match_lines(
    past: list[Example], new: list[Example], *, encode: Encode, params: MatchParams | None = None
) -> Matched:
    """Score each new line against a manual of the past lines with the search's own code.

    New lines are cleaned as the search cleans a query (:func:`clean_query`), so a message
    with line breaks or a very long one is scored as it would be searched."""
    params = params or MatchParams()
    names = sorted({e.issue for e in past})
    index = {name: i for i, name in enumerate(names)}
    owner = np.asarray([index[e.issue] for e in past], np.int64)
    queries = [clean_query(e.text) for e in new]
    past_vectors = encode([e.text for e in past])
    matcher = Matcher(past_vectors, owner, len(names), params)
    vectors = encode(queries)
    semantic = np.vstack([matcher.semantic(vectors[s : s + 512]) for s in range(0, len(new), 512)])
    lexical = _lexical_scores(past, owner, queries, len(names))
    probabilities = None
    if fits_classifier(len(past), len(names)):  # as the search: none for a manual of one issue
        rounds = params.classifier_rounds
        classifier = fit_classifier(past_vectors, owner, len(names), rounds=rounds)
        probabilities = classifier.probabilities(vectors)
    fused = fuse(semantic, lexical, params, probabilities)
    return Matched(
        fused=fused,
        semantic=semantic,
        lexical=lexical,
        classifier=probabilities,
        truth=np.asarray([index.get(e.issue, 0) for e in new], np.int64),
        known=np.asarray([e.issue in index for e in new], bool),
    )


def evaluate(
    past: list[Example],
    new: list[Example],
    *,
    encode: Encode,
    params: MatchParams | None = None,
) -> dict[str, object]:
    """Poise and BM25 on the same lines: {"n", "poise": {…}, "bm25": {…}}."""
    m = match_lines(past, new, encode=encode, params=params)
    known, truth = m.known, m.truth
    with_classifier = m.classifier is not None
    sure = match_probability(m.fused.max(axis=1), classifier=with_classifier)  # the search's gap
    poise = rank_scores(m.fused[known], truth[known], (sure[known], sure[~known]))

    names = sorted({e.issue for e in past})
    index = {name: i for i, name in enumerate(names)}
    owner = np.asarray([index[e.issue] for e in past], np.int64)
    bm25 = _bm25(past, owner, [clean_query(e.text) for e in new], len(names))
    best = bm25.max(1)
    baseline = rank_scores(bm25[known], truth[known], (best[known], best[~known]))
    return {
        "n": len(new),
        "known": int(known.sum()),
        "gaps": int((~known).sum()),
        "poise": poise.as_dict(),
        "bm25": baseline.as_dict(),
    }


# ---------------------------------------------------------------- mining quality


def nmi(truth: list[str], groups: list[int]) -> float:
    """Normalised mutual information (arithmetic mean of the entropies, as scikit-learn)."""
    _, t = np.unique(np.asarray(truth), return_inverse=True)
    _, g = np.unique(np.asarray(groups), return_inverse=True)
    table = np.zeros((t.max() + 1, g.max() + 1), np.float64)
    np.add.at(table, (t, g), 1.0)
    p = table / table.sum()
    pt, pg = p.sum(1), p.sum(0)
    nz = p > 0
    mi = float((p[nz] * np.log(p[nz] / np.outer(pt, pg)[nz])).sum())
    ht = float(-(pt[pt > 0] * np.log(pt[pt > 0])).sum())
    hg = float(-(pg[pg > 0] * np.log(pg[pg > 0])).sum())
    return mi / ((ht + hg) / 2) if ht + hg > 0 else 1.0


def ari(truth: list[str], groups: list[int]) -> float:
    """Adjusted Rand index (Hubert and Arabie), as scikit-learn computes it."""
    _, t = np.unique(np.asarray(truth), return_inverse=True)
    _, g = np.unique(np.asarray(groups), return_inverse=True)
    table = np.zeros((t.max() + 1, g.max() + 1), np.float64)
    np.add.at(table, (t, g), 1.0)

    def pairs(v: np.ndarray) -> float:
        return float((v * (v - 1) / 2).sum())

    index, rows, cols = pairs(table), pairs(table.sum(1)), pairs(table.sum(0))
    total = pairs(np.asarray([table.sum()]))
    expected = rows * cols / total if total else 0.0
    top = (rows + cols) / 2
    return (index - expected) / (top - expected) if top != expected else 1.0


def as_singletons(labels: np.ndarray) -> np.ndarray:
    """Conversations in no group (-1) each counted as a group of one, so none is ignored."""
    out = labels.astype(np.int64).copy()
    left = np.flatnonzero(out < 0)
    out[left] = (out.max(initial=-1) + 1) + np.arange(len(left))
    return out


def pure_share(truth: list[str], groups: list[int], min_size: int = 1) -> float:
    """Share of items in groups (of at least ``min_size``) whose members all share one label."""
    members: dict[int, set[str]] = {}
    sizes: dict[int, int] = {}
    for label, group in zip(truth, groups, strict=True):
        members.setdefault(group, set()).add(label)
        sizes[group] = sizes.get(group, 0) + 1
    pure = sum(
        sizes[g] for g, labels in members.items() if len(labels) == 1 and sizes[g] >= min_size
    )
    return pure / len(truth) if truth else 0.0


def _lcs(a: list[str], b: list[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, 1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F1 over lower-cased word tokens (longest common subsequence)."""
    from poise.knowledge.text import words

    c, r = words(candidate, keep_stop=True), words(reference, keep_stop=True)
    if not c or not r:
        return 0.0
    lcs = _lcs(c, r)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(c), lcs / len(r)
    return 2 * precision * recall / (precision + recall)


def clinc_mining_quality(path: Path, *, encode: Encode, split: str = "train") -> dict[str, float]:
    """Group a CLINC150 split with its labels hidden; score the groups against the intents."""
    from poise.knowledge.mining import MiningConfig, group_vectors

    rows = json.loads(path.read_text(encoding="utf-8"))[split]
    truth = [str(intent) for _, intent in rows]
    texts = [str(t) for t, _ in rows]
    labels = group_vectors(encode(texts), texts, MiningConfig())
    groups = as_singletons(labels).tolist()
    sizes = np.bincount(np.asarray(groups, np.int64))
    return {
        "n": len(rows),
        "groups": len(sizes),
        "groups_of_3_or_more": int((sizes >= 3).sum()),
        "nmi": round(nmi(truth, groups), 4),
        "ari": round(ari(truth, groups), 4),
        "pure_share": round(pure_share(truth, groups), 4),
        "pure_share_3_or_more": round(pure_share(truth, groups, 3), 4),
    }


TWEETSUMM_TURN = re.compile(r"^\t(Customer|Agent):\t", re.MULTILINE)


def tweetsumm_rouge(folder: Path) -> dict[str, float]:
    """ROUGE-L F1 of what mining extracts from each dialogue against the human abstractive
    summaries (first sentence: the issue; the rest: the resolution), beside two baselines."""
    from poise.knowledge.mining import issue_of, resolution_of

    dialogues = _tweetsumm(folder)
    extractors: dict[str, tuple[Callable[[list[str]], str], Callable[[list[str]], str]]] = {
        "poise": (issue_of, resolution_of),
        "first_customer_last_agent": (lambda c: c[0], lambda a: a[-1]),
    }
    scores: dict[str, float] = {"dialogues": len(dialogues)}
    for name, (issue, resolution) in extractors.items():
        scores[f"{name}_issue"] = _mean_rouge(dialogues, issue, 0)
        scores[f"{name}_resolution"] = _mean_rouge(dialogues, resolution, 1)
    return scores


def _mean_rouge(
    dialogues: list[tuple[list[str], list[str], list[list[str]]]],
    extract: Callable[[list[str]], str],
    part: int,
) -> float:
    values = []
    for customer, agent, summaries in dialogues:
        mined = extract(customer if part == 0 else agent)
        refs = [s[0] if part == 0 else " ".join(s[1:]) for s in summaries]
        values.append(sum(rouge_l(mined, r) for r in refs) / len(refs))
    return round(float(np.mean(values)), 4) if values else 0.0


def _tweetsumm(folder: Path) -> list[tuple[list[str], list[str], list[list[str]]]]:
    summaries: dict[str, list[list[str]]] = {}
    annotations = folder / "annotations" / "final_train_tweetsum.jsonl"
    for line in annotations.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        found = [a["abstractive"] for a in row["annotations"] if a.get("abstractive")]
        summaries[row["conversation_id"]] = [s for s in found if len(s) >= 2]
    documents = json.loads((folder / "dialog_text" / "twitter.json").read_text(encoding="utf-8"))
    dialogues = []
    for document in documents["document"]:
        head, rest = document.split("\n", 1)
        parts = TWEETSUMM_TURN.split(rest)[1:]
        turns = [(parts[i], parts[i + 1].strip()) for i in range(0, len(parts), 2)]
        customer = [t for role, t in turns if role == "Customer"]
        agent = [t for role, t in turns if role == "Agent"]
        refs = summaries.get(head.strip(), [])
        if customer and agent and refs:
            dialogues.append((customer, agent, refs))
    return dialogues
