"""Manual + new-question sets from outside data, for ``poise eval kb`` (matching and gaps).

Each set is a *manual* (past lines: ``{"text", "issue"}``, each line a phrasing of its
issue's article) and *new lines* to match; a new line whose issue is absent from the manual is
a gap. Every set is split into a **tuning** part (for choices) and a **holdout** part (looked
at as few times as possible), fixed here before any score was seen:

- ``clinc150``: the existing evaluation. Manual = train (150 intents); tuning = val + oos_val,
  holdout = test + oos_test. Out-of-scope questions are the gaps.
- ``clinc-domains``: the same source, split by domain, so gaps are whole other topics (the
  customers of another business, but CLINC150's writers, not another company's customers).
  Tuning: the six development domains of ``knowledge/grouping_eval.py``, val questions, one
  fold per domain left out of the manual as the gap domain (manual = the other five domains'
  train questions). Holdout: the four report domains, test questions, one fold per domain.
- ``clinc-few``: a small manual of near twins, as a team's own manual is: the part's domains
  (as ``clinc-domains``), **four** train phrasings an intent (a fixed draw), and in each of
  five folds three intents of every domain left out as the gaps, so a gap is a near twin of
  what the manual covers (another domain's intent would be too easy). New lines: val
  questions (tuning) or test questions (holdout).
- ``clinc-near``: the same folds with every train phrasing of an intent (about 100): a large
  manual whose gaps are near twins.
- ``tweetsumm``: real Twitter support dialogues (twcs) with human summaries (TweetSumm, 857
  dialogues with text). An article is one dialogue's issue: its phrasings are the issue
  sentence of each human summary (first sentence, lead-in such as "Customer is complaining
  that" removed; summaries that say nothing specific, e.g. "The customer has a problem", are
  dropped). A new line is a dialogue's opening as the suggestions box searches it (the first
  customer turn, plus the second when the first is short; links and @handles removed). Gaps
  are openings from companies whose dialogues are not in the manual at all. Companies (the
  @handle customers address most) are split between tuning and holdout by a hash, and inside
  each part into four folds; each fold's companies are the gaps, the others the manual.

    python benchmarks/kb_sets.py [--data-dir DIR] [--out DIR] [--evaluate PART] [--cache DIR]

``--out`` writes ``SET-PART-FOLD.past.jsonl`` / ``.new.jsonl`` for ``poise eval kb``;
``--evaluate tuning|holdout`` runs the same evaluation in process, averaged over folds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from poise.knowledge.evaluation import TWEETSUMM_TURN, Encode, Example
from poise.knowledge.grouping_eval import DEVELOPMENT, DOMAINS, REPORT
from poise.knowledge.matching import FloatArray
from poise.knowledge.mining import issue_of
from poise.knowledge.text import words

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
PARTS = ("tuning", "holdout")
FOLDS = 4
HANDLE = re.compile(r"(?<!\w)@(\w+)")
LEAD_IN = re.compile(
    r"^\s*(?:here\s+)?(?:the\s+)?(?:customer|client|user|consumer)s?\s+"
    r"(?:is\s+|was\s+|are\s+|has\s+been\s+)?"
    r"(?:complain\w*|ask\w*|enquir\w*|inquir\w*|say\w*|said|request\w*|question\w*|"
    r"report\w*|state\w*|tell\w*|told|mention\w*|want\w*\s+to\s+know|wants|seek\w*|"
    r"query\w*|quer\w*|talk\w*|worried|concerned|upset|frustrated|angry|unhappy)?"
    r"\s*(?:about|that|for|to|of|regarding|with|on|if|whether|why|how)?\s+",
    re.IGNORECASE,
)
_GENERIC = (
    "customer customers client user agent problem problems issue issues query queries help "
    "having has had facing upset frustrated angry unhappy very service support complaint "
    "complaining complains asking asked regarding some an about not is"
)
GENERIC = frozenset(_GENERIC.split())


@dataclass(frozen=True)
class KbSet:
    """One fold of one part of a set: the manual and the new lines to match against it."""

    name: str
    part: str
    fold: int
    past: list[Example]
    new: list[Example]

    @property
    def label(self) -> str:
        return f"{self.name}-{self.part}-{self.fold}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- CLINC150


def _clinc(data_dir: Path) -> dict[str, list[list[str]]]:
    data: dict[str, list[list[str]]] = json.loads(
        (data_dir / "clinc150" / "data_full.json").read_text(encoding="utf-8")
    )
    return data


def clinc150(data_dir: Path, part: str) -> list[KbSet]:
    """The existing evaluation: train as the manual, out-of-scope questions as the gaps."""
    data = _clinc(data_dir)
    split = "val" if part == "tuning" else "test"
    past = [Example(t, i) for t, i in data["train"]]
    new = [Example(t, i) for t, i in data[split]] + [
        Example(t, "oos") for t, _ in data[f"oos_{split}"]
    ]
    return [KbSet("clinc150", part, 0, past, new)]


def clinc_domains(data_dir: Path, part: str) -> list[KbSet]:
    """One fold per domain of the part: that domain's questions are the gaps."""
    data = _clinc(data_dir)
    domains = DEVELOPMENT if part == "tuning" else REPORT
    split = "val" if part == "tuning" else "test"
    sets = []
    for fold, left_out in enumerate(domains):
        inside = {i for d in domains if d != left_out for i in DOMAINS[d]}
        everyone = inside | set(DOMAINS[left_out])
        past = [Example(t, i) for t, i in data["train"] if i in inside]
        new = [Example(t, i) for t, i in data[split] if i in everyone]
        sets.append(KbSet("clinc-domains", part, fold, past, new))
    return sets


FEW_PHRASINGS = 4
FEW_FOLDS = 5
FEW_GAPS = 3  # intents of each domain left out per fold


def clinc_few(data_dir: Path, part: str) -> list[KbSet]:
    """Four phrasings an intent; each fold leaves three intents of every domain out (gaps)."""
    return _near_twins(data_dir, part, "clinc-few", FEW_PHRASINGS)


def clinc_near(data_dir: Path, part: str) -> list[KbSet]:
    """As ``clinc-few`` with every train phrasing (about 100 an intent): a large manual whose
    gaps are still near twins of what it covers, as a bank's unanswered questions are."""
    return _near_twins(data_dir, part, "clinc-near", None)


def _near_twins(data_dir: Path, part: str, name: str, phrasings: int | None) -> list[KbSet]:
    data = _clinc(data_dir)
    domains = DEVELOPMENT if part == "tuning" else REPORT
    split = "val" if part == "tuning" else "test"
    drawn: dict[str, list[str]] = {}
    for t, i in sorted(data["train"], key=lambda row: _digest(row[0])):
        if phrasings is None or len(drawn.setdefault(i, [])) < phrasings:
            drawn.setdefault(i, []).append(t)
    sets = []
    for fold in range(FEW_FOLDS):
        gaps = set()
        for domain in domains:
            ordered = sorted(DOMAINS[domain], key=_digest)
            gaps |= set(ordered[fold * FEW_GAPS : (fold + 1) * FEW_GAPS])
        everyone = {i for d in domains for i in DOMAINS[d]}
        past = [Example(t, i) for i in sorted(everyone - gaps) for t in drawn[i]]
        new = [Example(t, i) for t, i in data[split] if i in everyone]
        sets.append(KbSet(name, part, fold, past, new))
    return sets


# ---------------------------------------------------------------- TweetSumm


@dataclass(frozen=True)
class Dialogue:
    id: str
    company: str
    opening: str  # what the suggestions box searches: the issue as the customer opened
    phrasings: list[str]  # the specific issue sentences of the human summaries


def issue_sentence(summary_first_sentence: str) -> str | None:
    """A summary's issue sentence without its lead-in, or None when it says nothing specific
    ("The customer has a problem.")."""
    text = LEAD_IN.sub("", summary_first_sentence.strip(), count=1).strip()
    specific = [w for w in words(text) if w not in GENERIC]
    if len(specific) < 2:
        return None
    return text[:1].upper() + text[1:]


def company_of(customer_turns: list[str]) -> str | None:
    """The company a dialogue is with: the non-numeric @handle its customer addresses most
    (customers' own handles are anonymised to numbers in twcs)."""
    handles = Counter(
        h.lower() for turn in customer_turns for h in HANDLE.findall(turn) if not h.isdigit()
    )
    return handles.most_common(1)[0][0] if handles else None


def tweetsumm_dialogues(folder: Path) -> list[Dialogue]:
    """TweetSumm's train dialogues with text, a company, an opening and a specific summary."""
    issues: dict[str, list[str]] = {}
    annotations = folder / "annotations" / "final_train_tweetsum.jsonl"
    for line in annotations.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        firsts = [a["abstractive"][0] for a in row["annotations"] if a.get("abstractive")]
        kept = [s for s in map(issue_sentence, firsts) if s]
        issues[row["conversation_id"]] = list(dict.fromkeys(kept))
    documents = json.loads((folder / "dialog_text" / "twitter.json").read_text(encoding="utf-8"))
    dialogues = []
    for document in documents["document"]:
        head, rest = document.split("\n", 1)
        parts = TWEETSUMM_TURN.split(rest)[1:]
        customer = [parts[i + 1].strip() for i in range(0, len(parts), 2) if parts[i] == "Customer"]
        company, opening = company_of(customer), issue_of(customer[:2])
        phrasings = issues.get(head.strip(), [])
        if company and opening and phrasings:
            dialogues.append(Dialogue(head.strip(), company, opening, phrasings))
    return dialogues


def _balanced(keys: list[str], sizes: Counter[str], bins: int) -> dict[str, int]:
    """Each key to one of ``bins`` bins, in hash order, always the bin holding fewest items:
    a fixed draw, with bins of similar size."""
    load = [0] * bins
    out = {}
    for key in sorted(keys, key=_digest):
        target = min(range(bins), key=lambda b: (load[b], b))
        out[key] = target
        load[target] += sizes[key]
    return out


def tweetsumm(data_dir: Path, part: str) -> list[KbSet]:
    """Four folds of the part's companies; each fold's companies are the gaps."""
    dialogues = tweetsumm_dialogues(data_dir / "tweetsumm")
    sizes = Counter(d.company for d in dialogues)
    halves = _balanced(list(sizes), sizes, 2)
    mine = [d for d in dialogues if halves[d.company] == PARTS.index(part)]
    folds = _balanced(sorted({d.company for d in mine}), sizes, FOLDS)
    sets = []
    for fold in range(FOLDS):
        manual = [d for d in mine if folds[d.company] != fold]
        past = [Example(p, d.id) for d in manual for p in d.phrasings]
        new = [Example(d.opening, d.id) for d in mine]
        sets.append(KbSet("tweetsumm", part, fold, past, new))
    return sets


BUILDERS = {
    "clinc150": clinc150,
    "clinc-domains": clinc_domains,
    "clinc-few": clinc_few,
    "clinc-near": clinc_near,
    "tweetsumm": tweetsumm,
}


def build(data_dir: Path, part: str, names: list[str] | None = None) -> list[KbSet]:
    """Every fold of the named sets (all by default) for one part."""
    return [s for name in names or list(BUILDERS) for s in BUILDERS[name](data_dir, part)]


def write_jsonl(kb_set: KbSet, folder: Path) -> tuple[Path, Path]:
    """The fold as the two files ``poise eval kb --train --test`` reads."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = (folder / f"{kb_set.label}.past.jsonl", folder / f"{kb_set.label}.new.jsonl")
    for path, rows in zip(paths, (kb_set.past, kb_set.new), strict=True):
        lines = [json.dumps({"text": e.text, "issue": e.issue}) for e in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--evaluate", choices=PARTS, default=None)
    parser.add_argument("--sets", nargs="*", default=None, choices=list(BUILDERS))
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument(
        "--encoder",
        choices=("intents", "general"),
        default="intents",
        help="the manual's tuned MiniLM (shipped) or the general one it was tuned from",
    )
    args = parser.parse_args()
    for part in PARTS:
        if args.out is None:
            break
        for kb_set in build(args.data_dir, part, args.sets):
            write_jsonl(kb_set, args.out)
    if args.evaluate:
        cache = args.cache / args.encoder if args.cache else None
        report = evaluate_part(args.data_dir, args.evaluate, args.sets, cache, args.encoder)
        print(json.dumps(report))


def evaluate_part(
    data_dir: Path,
    part: str,
    names: list[str] | None,
    cache: Path | None,
    encoder: str = "intents",
) -> dict[str, object]:
    """``poise eval kb``'s figures per fold and their mean over folds, per set."""
    from poise.knowledge.evaluation import cached_encoder, evaluate
    from poise.minilm.encoder import encoder_named

    sets = {name: BUILDERS[name](data_dir, part) for name in names or list(BUILDERS)}
    encode = memo_encoder(cached_encoder(encoder_named(encoder).encode, cache), sets)
    report: dict[str, object] = {}
    for name, folds in sets.items():
        figures = [evaluate(s.past, s.new, encode=encode) for s in folds]
        supervised = [supervised_acc1(s, encode) for s in folds]
        report[name] = {
            "folds": figures,
            "mean": _mean(figures),
            "supervised_acc1": round(sum(supervised) / len(supervised), 4),
        }
    return report


def supervised_acc1(kb_set: KbSet, encode: Encode) -> float:
    """The supervised reference: a logistic regression on the embeddings (the issue classifier,
    600 rounds) fitted on the manual's labelled lines, alone, scored on the covered new lines.
    It shows how far the labels can be told apart from the embeddings at all."""
    from poise.knowledge.classifier import fit_classifier
    from poise.knowledge.search import clean_query

    names = sorted({e.issue for e in kb_set.past})
    index = {n: i for i, n in enumerate(names)}
    owner = np.asarray([index[e.issue] for e in kb_set.past], np.int64)
    vectors = encode([e.text for e in kb_set.past])
    classifier = fit_classifier(vectors, owner, len(names), rounds=600)
    covered = [e for e in kb_set.new if e.issue in index]
    scores = classifier.probabilities(encode([clean_query(e.text) for e in covered]))
    truth = np.asarray([index[e.issue] for e in covered])
    return float((scores.argmax(1) == truth).mean())


def memo_encoder(encode: Encode, sets: dict[str, list[KbSet]]) -> Encode:
    """Embed every text of the sets once (folds share most of theirs), then look them up."""
    from poise.knowledge.search import clean_query

    texts = sorted(
        {e.text for folds in sets.values() for s in folds for e in s.past}
        | {clean_query(e.text) for folds in sets.values() for s in folds for e in s.new}
    )
    vectors = encode(texts)
    row = {t: i for i, t in enumerate(texts)}

    def lookup(batch: list[str]) -> FloatArray:
        missing = [t for t in batch if t not in row]
        extra = encode(missing) if missing else vectors[:0]
        found = {t: extra[i] for i, t in enumerate(missing)}
        out: FloatArray = np.vstack(
            [vectors[row[t]] if t in row else found[t] for t in batch]
        ).astype(np.float32)
        return out

    return lookup


def _mean(folds: list[dict[str, object]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for system in ("poise", "bm25"):
        rows = [f[system] for f in folds]
        keys = ("acc1", "mrr", "recall5", "gap_auc")
        out[system] = {
            k: round(sum(float(r[k]) for r in rows) / len(rows), 4)  # type: ignore[index]
            for k in keys
        }
    return out


if __name__ == "__main__":
    main()
