"""``poise train feeling``: fit the feeling head over the shipped student's outputs.

The student encoder and the lexical model stay as they are (their complaint score keeps
serving the manual and insights); only the small head that says how the customer *feels* is
fitted here, in a few minutes on two cores. Labels:

- GoEmotions: the negative emotion group is negative, the positive group positive, neutral and
  ambiguous (curiosity, confusion, surprise, realization) neutral; mixed rows are dropped.
- CLINC150: every request is neutral, the problem reports too ("my card was declined"): a calm
  report of a failure is not an unhappy customer.
- positive-frames (Ziems et al., 2022; CC BY-SA 4.0): real #stressed tweets negative, their
  crowdworkers' positive reframes positive. Without them the head had seen no tweet-length
  everyday negativity written by strangers and read it worse than VADER (F1 0.63 against 0.70
  on this set's test split); with them, at the same STC-3 flag rate, TweetSumm openings read
  F1 0.70 instead of 0.65 and airline tweets 0.75 instead of 0.71 (development figures,
  ``signals/README.md``).
- Authored support messages (``support_templates.feeling_messages``): anger, disappointment,
  anxiety, urgency and sarcasm negative; requests and calm problem reports neutral; thanks
  positive.

Nothing here reads the airline tweets, twcs or STC-3: those stay evaluation sets.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from poise.signals.feeling import FeelingHead
from poise.signals.training.data import (
    _split_of,
    clinc_rows,
    goemotions_negative,
    goemotions_rows,
    positive_frames_rows,
)
from poise.signals.training.support_templates import feeling_messages

Log = Callable[[str], None]
Labelled = tuple[Sequence[str], Sequence[int]]  # texts and 0/1 (1 = negative)
HEAD_FILE = "feeling-head.npz"
# CLINC150's short first-person requests are many (18,000) and all neutral; at a larger share
# the head learned their *style* as calm, and read "I am furious" as neutral (development
# probes; the dev sets below moved by under 0.01 AUC between shares 0.5 and 0.1).
# positive-frames at half a share: at a full share GoEmotions' AUC fell by 0.04 (0.870 → 0.833)
# for little more on tweets.
SOURCE_SHARE = {"goemotions": 1.0, "clinc": 0.1, "templates": 1.0, "positive_frames": 0.5}
NEGATIVE, NEUTRAL, POSITIVE = 0, 1, 2
_AMBIGUOUS = frozenset({"curiosity", "confusion", "surprise", "realization", "neutral", "desire"})


@dataclass(frozen=True)
class FeelingExample:
    text: str
    feeling: int
    source: str
    split: str


def _goemotions_feeling(labels: list[str]) -> int | None:
    negative = goemotions_negative(labels)
    if negative is None:
        return None
    if negative:
        return NEGATIVE
    return NEUTRAL if all(label in _AMBIGUOUS for label in labels) else POSITIVE


def feeling_examples(data_dir: Path) -> list[FeelingExample]:
    """The head's corpus with official (GoEmotions, CLINC) or hash-based splits."""
    out: list[FeelingExample] = []
    for split in ("train", "dev", "test"):
        for text, labels in goemotions_rows(data_dir, split):
            feeling = _goemotions_feeling(labels)
            if feeling is not None:
                out.append(FeelingExample(text, feeling, "goemotions", split))
    rows = clinc_rows(data_dir)
    for split, key in (("train", "train"), ("dev", "val"), ("test", "test")):
        for text, _intent in rows[key] + rows[f"oos_{key}"]:
            out.append(FeelingExample(text, NEUTRAL, "clinc", split))
    for split in ("train", "dev", "test"):
        for original, reframe in positive_frames_rows(data_dir, split):
            out.append(FeelingExample(original, NEGATIVE, "positive_frames", split))
            out.append(FeelingExample(reframe, POSITIVE, "positive_frames", split))
    for text, feeling in feeling_messages():
        out.append(FeelingExample(text, feeling, "templates", _split_of(text)))
    return out


def source_weights(rows: Sequence[FeelingExample]) -> np.ndarray:
    """Each source contributes its share of the total weight, whatever its row count."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.source] = counts.get(row.source, 0) + 1
    total = len(rows)
    shares = [SOURCE_SHARE[r.source] * total / counts[r.source] for r in rows]
    return np.array(shares) / len(SOURCE_SHARE)


def features(scorer: Any, texts: Sequence[str], chunk: int = 2048, log: Log = print) -> np.ndarray:
    """The head's inputs for ``texts`` from ``scorer`` (the shipped negativity scorer)."""
    blocks = []
    for start in range(0, len(texts), chunk):
        blocks.append(scorer.parts(list(texts[start : start + chunk])).feeling_features())
        log(f"  features {min(start + chunk, len(texts))}/{len(texts)}")
    return np.vstack(blocks) if blocks else np.zeros((0, 0))


def fit_head(x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float = 0.5) -> FeelingHead:
    """Multinomial logistic regression on standardised inputs, folded back to raw inputs."""
    from sklearn.linear_model import LogisticRegression

    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    lr = LogisticRegression(C=c, max_iter=2000)
    lr.fit((x - mean) / std, y, sample_weight=w)
    weights = (lr.coef_ / std).T  # (features, classes)
    bias = lr.intercept_ - (lr.coef_ * (mean / std)).sum(axis=1)
    return FeelingHead(weights.astype(np.float64), bias.astype(np.float64))


def train_feeling(
    data_dir: Path,
    artifacts: Path,
    version: str,
    cache: Path | None = None,
    calibration: Labelled | None = None,
    log: Log = print,
) -> dict[str, Any]:
    """Fit the head on train+dev, write it beside the artifact and name it in the manifest;
    with ``calibration`` (hand-labelled support messages) fit its support shift too."""
    from poise.signals.registry import clear_cache, get_scorer

    started = time.time()
    clear_cache()
    scorer = get_scorer("negativity", artifacts)
    examples = feeling_examples(data_dir)
    log(f"feeling corpus: {len(examples)} rows")
    x_all = _cached_features(scorer, [r.text for r in examples], cache, log)
    fit = np.array([r.split in ("train", "dev") for r in examples])
    rows = [r for r, keep in zip(examples, fit, strict=True) if keep]
    head = fit_head(x_all[fit], np.array([r.feeling for r in rows]), source_weights(rows))
    held_out = [r for r, keep in zip(examples, fit, strict=True) if not keep]
    report: dict[str, Any] = {"rows": len(rows)}
    if calibration is not None:
        head = head.shifted(_support_shift(scorer, head, calibration, log))
        report["negative_shift"] = round(head.negative_shift, 4)
    head.save(artifacts / HEAD_FILE)
    report["test"] = _test_figures(head, x_all[~fit], held_out)
    _name_in_manifest(artifacts, version, head.negative_shift)
    clear_cache()
    return report | {"seconds": round(time.time() - started, 1)}


def calibrate_feeling(
    artifacts: Path, version: str, calibration: Labelled, log: Log = print
) -> dict[str, Any]:
    """Fit only the support shift of the shipped head (seconds), under a new ``version``."""
    from poise.signals.registry import clear_cache, get_scorer

    clear_cache()
    scorer = get_scorer("negativity", artifacts)
    head = FeelingHead.load(artifacts, {"head": HEAD_FILE})
    shift = _support_shift(scorer, head, calibration, log)
    _name_in_manifest(artifacts, version, shift)
    clear_cache()
    return {"negative_shift": round(shift, 4), "messages": len(calibration[0])}


def _support_shift(scorer: Any, head: FeelingHead, calibration: Labelled, log: Log) -> float:
    texts, truth = calibration
    p = head.shifted(0.0).probabilities(features(scorer, list(texts), log=log))[:, NEGATIVE]
    return fit_negative_shift(p, np.asarray(truth, dtype=np.float64))


def fit_negative_shift(p_negative: np.ndarray, truth: np.ndarray, steps: int = 50) -> float:
    """The constant added to the negative log-odds under which ``p_negative`` best explains
    ``truth`` (maximum likelihood, Newton's method on one parameter). It keeps every ranking
    and moves only where a fixed cut such as P ≥ 0.5 falls."""
    if truth.size == 0 or truth.min() == truth.max():
        raise ValueError("calibration needs both negative and other messages")
    p = np.clip(p_negative, 1e-6, 1 - 1e-6)
    z = np.log(p / (1 - p))
    shift = 0.0
    for _ in range(steps):
        q = 1 / (1 + np.exp(-(z + shift)))
        step = float((truth - q).sum() / max((q * (1 - q)).sum(), 1e-9))
        shift += float(np.clip(step, -1.0, 1.0))
        if abs(step) < 1e-6:
            break
    return shift


def _name_in_manifest(artifacts: Path, version: str, negative_shift: float) -> None:
    manifest = json.loads((artifacts / "manifest.json").read_text())
    manifest["negativity"]["version"] = version
    manifest["negativity"]["feeling"] = {"head": HEAD_FILE, "negative_shift": negative_shift}
    (artifacts / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def _test_figures(head: FeelingHead, x: np.ndarray, rows: list[FeelingExample]) -> dict[str, float]:
    """Held-out figures per source: AUC of P(negative), and how often each reads negative."""
    from poise.signals.metrics import roc_auc

    p = head.probabilities(x)[:, NEGATIVE]
    out: dict[str, float] = {}
    for source in SOURCE_SHARE:
        idx = [i for i, r in enumerate(rows) if r.source == source]
        truth = [int(rows[i].feeling == NEGATIVE) for i in idx]
        out[f"{source}_negative_rate"] = round(float(np.mean(p[idx] >= 0.5)), 4)
        if 0 < sum(truth) < len(truth):
            out[f"{source}_auc"] = round(roc_auc(truth, p[idx].tolist()), 4)
    return out


def _cached_features(scorer: Any, texts: list[str], cache: Path | None, log: Log) -> np.ndarray:
    """Features, read from ``cache`` when it holds exactly these texts (refits in seconds)."""
    if cache is not None and cache.is_file():
        with np.load(cache, allow_pickle=False) as stored:
            if list(stored["texts"]) == texts:
                return np.asarray(stored["x"])
    x = features(scorer, texts, log=log)
    if cache is not None:
        np.savez(cache, x=x, texts=np.array(texts))
    return x
