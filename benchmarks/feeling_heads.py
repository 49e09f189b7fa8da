"""Can a different head over the same inputs read general text better? (development only)

The feeling head is a linear (multinomial logistic) layer over what the scorer computes anyway
(``MessageParts.feeling_features``). Issue 12 wants Poise ahead of VADER by 0.10 in AUC and F1
on general text too, and GoEmotions stays short (about +0.03 F1, +0.06 AUC). Before asking
for a stronger encoder, this checks whether the inputs already hold more than a linear layer
reads. Each head is fitted as ``poise train feeling`` fits the shipped one, except that three
parts are held out of the fit and scored: a fifth of GoEmotions *train* (by a hash of the
text), GoEmotions *dev* and positive-frames *dev*; beside them the airline development half
and the 300 hand-labelled twcs tweets. No test split is read. Each head gets its own support
shift, fitted on the twcs 300 as the shipped one is, and F1 is taken at P(negative) ≥ 0.5
after it (so the twcs figure is a development figure).

Usage::

    python benchmarks/labelled_sets.py --data-dir ../shared/data write --out SETS
    python benchmarks/feeling_heads.py --sets SETS [--data-dir ../shared/data] [--cache F.npz]
        [--extra tweeteval_val.jsonl ...] [--thanks]

``--thanks`` adds the airline half's "thank" and "thank + but/however/still" subsets and
compares the shipped recipe with the same head fitted on rows composed from the corpus: a real
GoEmotions thank-you opener joined to a real negative sentence (negative), to a real CLINC150
request (neutral) or, in a second variant, to a real positive one (positive); see
``signals/README.md``, "Thanks, but …" (the composed rows' inputs join the cache).

``--extra`` scores more labelled sets beside them (the general tweets of TweetEval's validation
split were scored so; they are not committed). "gated by support style" mixes the shipped
recipe and the same head without the student's sentence vector by a gate fitted to tell the
corpus's support-style rows (CLINC150, the templates) from its everyday ones (see
``signals/README.md``, "A domain gate between the two heads").

The features (the student's and the general MiniLM's) take about 20 minutes on two cores;
``--cache`` keeps them for the next run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from poise.minilm.encoder import encoder_named
from poise.signals.metrics import roc_auc
from poise.signals.registry import get_scorer
from poise.signals.training.data import (
    airline_half,
    clinc_rows,
    default_data_dir,
    goemotions_rows,
    load_airline,
)
from poise.signals.training.feeling import (
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    FeelingExample,
    features,
    feeling_examples,
    fit_negative_shift,
    source_weights,
)

Probability = Callable[[np.ndarray], np.ndarray]  # features -> P(negative), before the shift
EMBEDDING = 384  # the student's sentence vector: the inputs' first columns
THANKS = re.compile(r"\bthank|\bthx\b|\bappreciate", re.IGNORECASE)
CONTRAST = re.compile(r"\bbut\b|\bhowever\b|\bstill\b", re.IGNORECASE)
# The same joins for both labels, so a "but" alone says nothing: the head must read what follows.
JOINS = (", but ", ". ", " however ")
PROBES = ("Thanks, but it's still broken after three days.", "Thanks a lot for wasting my time.")


def _held_out(row: FeelingExample) -> str | None:
    """The part of the head's corpus a row is scored in, or None when it is fitted on."""
    if row.source == "goemotions" and row.split == "dev":
        return "GoEmotions dev"
    if row.source == "positive_frames" and row.split == "dev":
        return "positive-frames dev"
    if row.source == "goemotions" and row.split == "train":
        fifth = int(hashlib.sha256(row.text.encode()).hexdigest(), 16) % 5 == 0
        return "GoEmotions train, held-out fifth" if fifth else None
    return None


def _labelled(path: Path) -> tuple[list[str], np.ndarray]:
    """A ``poise eval negativity`` file: texts, and whether each is labelled negative."""
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    return [r["text"] for r in rows], np.array([r["label"] == "negative" for r in rows])


def _outside(
    data_dir: Path, sets: Path, extra: list[Path]
) -> dict[str, tuple[list[str], np.ndarray]]:
    airline = [(t, s) for t, s in load_airline(data_dir) if airline_half(t) == "dev"]
    return {path.stem: _labelled(path) for path in extra} | {
        "airline dev half": (
            [t for t, _ in airline],
            np.array([s == "negative" for t, s in airline]),
        ),
        "twcs 300": _labelled(sets / "twcs_feeling.jsonl"),
    }


def _features(
    data_dir: Path, sets: Path, cache: Path | None, extra: list[Path]
) -> dict[str, np.ndarray]:
    """Inputs and labels of the fitted rows and of every scored set, cached when asked."""
    if cache is not None and cache.is_file():
        with np.load(cache, allow_pickle=False) as stored:
            return dict(stored)
    scorer = get_scorer("negativity")
    rows = [r for r in feeling_examples(data_dir) if r.split in ("train", "dev")]
    parts = [_held_out(r) for r in rows]
    fitted = [r for r, part in zip(rows, parts, strict=True) if part is None]
    out = {
        "fit_x": features(scorer, [r.text for r in fitted]),
        "fit_y": np.array([r.feeling for r in fitted]),
        "fit_w": source_weights(fitted),
        "fit_source": np.array([r.source for r in fitted]),
    }
    named = {
        name: [r for r, p in zip(rows, parts, strict=True) if p == name] for name in set(parts)
    }
    scored = {
        name: ([r.text for r in group], np.array([r.feeling == NEGATIVE for r in group]))
        for name, group in named.items()
        if name is not None
    } | _outside(data_dir, sets, extra)
    general = encoder_named("general")
    out["fit_g"] = _general(general, [r.text for r in fitted])
    for i, (name, (texts, truth)) in enumerate(sorted(scored.items())):
        out[f"set{i}_x"], out[f"set{i}_y"] = features(scorer, texts, log=lambda _: None), truth
        out[f"set{i}_g"], out[f"set{i}_name"] = _general(general, texts), np.array(name)
    if cache is not None:
        np.savez(cache, **out)  # type: ignore[arg-type]  # numpy types **kwds as allow_pickle
    return out


def _general(encoder: Any, texts: list[str]) -> np.ndarray:
    """The general MiniLM's sentence vectors (the manual's encoder, not the student)."""
    return np.vstack([encoder.encode(texts[s : s + 512]) for s in range(0, len(texts), 512)])


def _with_general(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same rows with the general MiniLM's vector beside each head input row."""
    joined = {
        k[:-2] + "_x": np.hstack([data[k[:-2] + "_x"], data[k]]) for k in data if k.endswith("_g")
    }
    return data | joined


def _f1(truth: np.ndarray, said: np.ndarray) -> float:
    tp = float((said & truth).sum())
    return 2 * tp / max(2 * tp + float((said & ~truth).sum() + (~said & truth).sum()), 1.0)


def _scored(data: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {
        str(data[k]): (data[k[:-5] + "_x"], data[k[:-5] + "_y"].astype(bool))
        for k in data
        if k.endswith("_name")
    }


def _report(
    name: str, prob: Probability, data: dict[str, np.ndarray], recall: bool = False
) -> float:
    scored = _scored(data)
    x_twcs, y_twcs = scored["twcs 300"]
    shift = fit_negative_shift(prob(x_twcs), y_twcs.astype(np.float64))
    cells = [f"{name:<28} shift {shift:5.2f}"]
    for set_name, (x, truth) in sorted(scored.items()):
        p = np.clip(prob(x), 1e-6, 1 - 1e-6)
        shifted = 1 / (1 + np.exp(-(np.log(p / (1 - p)) + shift)))
        auc = roc_auc(truth.astype(int).tolist(), p.tolist())
        said = shifted >= 0.5
        caught = f" / {float((said & truth).sum()) / max(float(truth.sum()), 1.0):.2f}"
        cells.append(f"{set_name} {auc:.3f} / {_f1(truth, said):.3f}{caught if recall else ''}")
    print(" | ".join(cells), flush=True)
    return shift


def _vader(data: dict[str, np.ndarray]) -> None:
    """The baseline, from the same rows: VADER's compound is the inputs' last column."""
    cells = [f"{'VADER (compound <= -0.05)':<28}           "]
    for set_name, (x, truth) in sorted(_scored(data).items()):
        auc = roc_auc(truth.astype(int).tolist(), (-x[:, -1]).tolist())
        cells.append(f"{set_name} {auc:.3f} / {_f1(truth, x[:, -1] <= -0.05):.3f}")
    print(" | ".join(cells), flush=True)


def _heads(data: dict[str, np.ndarray]) -> dict[str, Callable[[], Probability]]:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    x, y, w = data["fit_x"], data["fit_y"], data["fit_w"]
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6

    def linear() -> Probability:  # the shipped recipe (training.feeling.fit_head)
        model = LogisticRegression(C=0.5, max_iter=2000).fit((x - mean) / std, y, sample_weight=w)
        return lambda a: model.predict_proba((a - mean) / std)[:, NEGATIVE]

    def mlp() -> Probability:  # no sample weights: rows drawn by weight instead
        drawn = np.random.default_rng(0).choice(len(y), size=len(y), p=w / w.sum())
        model = MLPClassifier((256,), alpha=1e-3, early_stopping=True, random_state=0)
        model.fit((x[drawn] - mean) / std, y[drawn])
        return lambda a: model.predict_proba((a - mean) / std)[:, NEGATIVE]

    def boosted() -> Probability:
        model = HistGradientBoostingClassifier(max_iter=300, random_state=0)
        model.fit(x, y, sample_weight=w)
        return lambda a: model.predict_proba(a)[:, NEGATIVE]

    def gated() -> Probability:
        """The shipped recipe where a gate says the text is support-like, the same head
        without the student's sentence vector where it says everyday text."""
        support, without = linear(), _linear_on(x[:, EMBEDDING:], y, w)
        style = np.isin(data["fit_source"], ["clinc", "templates"]).astype(int)
        balanced = np.where(style == 1, 0.5 / style.mean(), 0.5 / (1 - style.mean()))
        gate = _linear_on(x[:, :EMBEDDING], style, balanced, c=0.1, of=1)

        def mixed(a: np.ndarray) -> np.ndarray:
            g = gate(a[:, :EMBEDDING])
            out: np.ndarray = g * support(a) + (1 - g) * without(a[:, EMBEDDING:])
            return out

        return mixed

    return {
        "linear (shipped recipe)": linear,
        "MLP, 256 units": mlp,
        "boosted trees": boosted,
        "gated by support style": gated,
    }


def _linear_on(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float = 0.5, of: int = NEGATIVE
) -> Probability:
    """A standardised logistic regression's probability of class ``of``."""
    from sklearn.linear_model import LogisticRegression

    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    model = LogisticRegression(C=c, max_iter=3000).fit((x - mean) / std, y, sample_weight=w)
    return lambda a: model.predict_proba((a - mean) / std)[:, of]


def _openers(data_dir: Path) -> list[str]:
    """Short first sentences of real GoEmotions *train* gratitude comments that say thanks
    (about 800 distinct), not a handful of written ones."""
    out = []
    for text, labels in goemotions_rows(data_dir, "train"):
        first = re.split(r"(?<=[.!?])\s+", text.strip())[0]
        if "gratitude" in labels and THANKS.search(first) and len(first.split()) <= 8:
            out.append(first)
    return sorted(set(out))


def _joined(opener: str, join: str, rest: str) -> str:
    if join == ". ":
        return opener.rstrip(" ,") + ("" if opener[-1] in ".!?" else ".") + " " + rest
    return opener.rstrip(" .!,") + join + (rest[0].lower() + rest[1:] if rest[:2] != "I " else rest)


def _thanks_rows(data_dir: Path, per_label: int = 2000) -> tuple[list[str], np.ndarray]:
    """Thanks joined to a real negative (GoEmotions fitted train rows, positive-frames train
    tweets) -> negative; to a real CLINC150 train request -> neutral; to a real positive row
    (GoEmotions, positive-frames reframes) -> positive, so that the thanks alone says nothing.
    Only fitted rows are drawn, so no held-out part of the corpus is seen."""
    rng = random.Random(7)
    fitted = [
        r
        for r in feeling_examples(data_dir)
        if r.split == "train" and _held_out(r) is None and len(r.text.split()) <= 30
    ]
    real = ("goemotions", "positive_frames")  # not the written templates
    negative = [r.text for r in fitted if r.feeling == NEGATIVE and r.source in real]
    requests = [t for t, _ in clinc_rows(data_dir)["train"]]
    positive = [r.text for r in fitted if r.feeling == POSITIVE and r.source in real]
    openers = _openers(data_dir)
    texts, labels = [], []
    for label, pool in ((NEGATIVE, negative), (NEUTRAL, requests), (POSITIVE, positive)):
        for i, rest in enumerate(rng.sample(pool, per_label)):
            texts.append(_joined(rng.choice(openers), JOINS[i % len(JOINS)], rest.strip()))
            labels.append(label)
    return texts, np.array(labels)


def _with_thanks(
    data: dict[str, np.ndarray], data_dir: Path, cache: Path | None
) -> dict[str, np.ndarray]:
    """The composed rows' and the probes' inputs (cached), and the airline thanks subsets."""
    if "thanks_x" not in data:
        texts, labels = _thanks_rows(data_dir)
        scorer = get_scorer("negativity")
        data = data | {
            "thanks_x": features(scorer, texts, log=lambda _: None),
            "thanks_y": labels,
            "thanks_text": np.array(texts),
            "probe_x": features(scorer, list(PROBES), log=lambda _: None),
        }
        if cache is not None:
            np.savez(cache, **data)  # type: ignore[arg-type]
    airline = [t for t, _ in load_airline(data_dir) if airline_half(t) == "dev"]
    thank = np.array([bool(THANKS.search(t)) for t in airline])
    contrast = thank & np.array([bool(CONTRAST.search(t)) for t in airline])
    key = next(k[:-5] for k in data if k.endswith("_name") and data[k] == "airline dev half")
    n = sum(k.endswith("_name") for k in data)
    for i, (name, mask) in enumerate((("airline thank", thank), ("airline thank+but", contrast))):
        for part in ("_x", "_y", "_g"):
            data[f"set{n + i}{part}"] = data[key + part][mask]
        data[f"set{n + i}_name"] = np.array(name)
    return data


def _thanks_report(data: dict[str, np.ndarray]) -> None:
    """The shipped recipe against the same head fitted with the composed rows at a few shares,
    with recall of negatives after the shift (where the finding was) and the two probes."""
    x, y, w = data["fit_x"], data["fit_y"], data["fit_w"]
    print("AUC / F1 / recall at P(negative) >= 0.5 after each head's own support shift")
    for kinds, shares in (("neg+neu", (0.0, 0.05, 0.1, 0.25)), ("neg+neu+pos", (0.1, 0.25))):
        keep = data["thanks_y"] != POSITIVE if kinds == "neg+neu" else data["thanks_y"] >= 0
        tx, ty = data["thanks_x"][keep], data["thanks_y"][keep]
        for share in shares:
            tw = np.full(len(ty), share * len(y) / len(ty) / 4)  # as source_weights does
            both = np.concatenate([w, tw])
            prob = _linear_on(np.vstack([x, tx]), np.concatenate([y, ty]), both)
            shift = _report(f"linear + {kinds} {share:.2f}", prob, data, recall=True)
            if share == 0.0:
                _raised(prob, shift, data)
            odds = np.log(prob(data["probe_x"])) - np.log1p(-prob(data["probe_x"])) + shift
            probes = " | ".join(f"{p:.2f}" for p in 1 / (1 + np.exp(-odds)))
            print(f"    probes, after the shift: {probes}", flush=True)


def _raised(prob: Probability, shift: float, data: dict[str, np.ndarray]) -> None:
    """The control: the same head with a constant added to the negative log-odds of every
    message that says thanks (a list of phrasings, never to ship). Within the subsets that is
    a lower cut, so their AUC stays; what the composed rows add beyond it is the question."""
    for name in ("airline thank", "airline thank+but"):
        x, truth = _scored(data)[name]
        p = np.clip(prob(x), 1e-6, 1 - 1e-6)
        for raise_by in (1.0, 1.5, 2.0):
            said = np.log(p / (1 - p)) + shift + raise_by >= 0
            caught = float((said & truth).sum()) / float(truth.sum())
            print(f"    {name}, raised {raise_by}: F1 {_f1(truth, said):.3f} / {caught:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=Path, required=True, help="labelled_sets.py write's folder")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument(
        "--extra",
        type=Path,
        action="append",
        default=[],
        help="another labelled JSONL {text, label} to score (e.g. TweetEval's validation split)",
    )
    parser.add_argument("--thanks", action="store_true", help='the "Thanks, but ..." study')
    args = parser.parse_args()
    data_dir = args.data_dir or default_data_dir()
    data = _features(data_dir, args.sets, args.cache, args.extra)
    if args.thanks:
        _thanks_report(_with_thanks(data, data_dir, args.cache))
        return
    print("AUC / F1 at P(negative) >= 0.5 after each head's own support shift")
    _vader(data)
    for name, fit in _heads(data).items():
        started = time.time()
        prob = fit()
        _report(f"{name} ({time.time() - started:.0f} s)", prob, data)
    both = _with_general(data)  # does a second, general sentence vector add what is missing?
    prob = _heads(both)["linear (shipped recipe)"]()
    _report("linear, + general MiniLM", prob, both)


if __name__ == "__main__":
    main()
