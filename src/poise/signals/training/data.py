"""Build the negativity/emotion training corpus from ``../shared/data``.

Only permissively licensed sets are read here (GoEmotions, CLINC150, CFPB narratives); the
airline tweets are read by :func:`load_airline` for *evaluation only* and never reach training.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from poise.signals.labels import (
    CLINC_PROBLEM_INTENTS,
    EMOTION_PRIORITY,
    EMOTIONS,
    GOEMOTIONS_NEGATIVE,
    GOEMOTIONS_POSITIVE,
    GOEMOTIONS_TO_EMOTION,
)
from poise.signals.text import normalize, sentences, words
from poise.signals.training.support_templates import support_messages

SPLITS = ("train", "dev", "test")
CFPB_FILES = (
    "seunnna_payday_2023.csv",
    "seunnna_payday_2025.csv",
    "ziyuyan9_complaints_sample_2015-2020.csv",
    "nagakoushik24_kaiburr_complaints_sample.csv",
)
_TEMPLATE_LETTER = re.compile(
    r"\bFCRA\b|Fair Credit Reporting Act|15 U\.?S\.?C|\bSection 6\d\d", re.I
)


class DataMissingError(RuntimeError):
    """The shared data folder (or one of its sets) is not where we looked."""


@dataclass(frozen=True)
class Example:
    """One training text. ``emotion`` is an index into EMOTIONS or -1 when unknown."""

    text: str
    negative: int
    emotion: int
    weight: float
    source: str
    split: str


def default_data_dir() -> Path:
    """``$POISE_SHARED_DATA`` or ``../shared/data`` next to the repo root found from cwd."""
    env = os.environ.get("POISE_SHARED_DATA")
    if env:
        return Path(env)
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists() or (folder / "src" / "poise").is_dir():
            return folder.parent / "shared" / "data"
    return here.parent / "shared" / "data"


def require(path: Path) -> Path:
    """Return ``path`` or raise a message that says where the data was expected."""
    if not path.exists():
        raise DataMissingError(
            f"training data not found: {path} (pass --data-dir or set POISE_SHARED_DATA)"
        )
    return path


def _stable_bucket(text: str, buckets: int = 10) -> int:
    return int(hashlib.blake2b(text.encode(), digest_size=4).hexdigest(), 16) % buckets


def _split_of(text: str) -> str:
    bucket = _stable_bucket(text)
    return "test" if bucket == 0 else "dev" if bucket == 1 else "train"


# --- GoEmotions -----------------------------------------------------------------------


def goemotions_rows(data_dir: Path, split: str) -> Iterator[tuple[str, list[str]]]:
    """(text, fine labels) rows of one official GoEmotions split."""
    folder = require(data_dir / "goemotions" / "original")
    names = (folder / "labels.txt").read_text().split()
    with (folder / f"{split}.tsv").open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2:
                yield parts[0], [names[int(i)] for i in parts[1].split(",") if i]


def goemotion_label(labels: list[str]) -> str:
    """Map GoEmotions fine labels to one Poise emotion by priority."""
    mapped = {GOEMOTIONS_TO_EMOTION[label] for label in labels}
    return next(e for e in EMOTION_PRIORITY if e in mapped)


def goemotions_negative(labels: list[str]) -> int | None:
    """1 for the negative group, 0 for positive/neutral/ambiguous, None when mixed."""
    neg = any(label in GOEMOTIONS_NEGATIVE for label in labels)
    pos = any(label in GOEMOTIONS_POSITIVE for label in labels)
    if neg and pos:
        return None
    return int(neg)


def goemotions_examples(data_dir: Path) -> Iterator[Example]:
    for split, official in (("train", "train"), ("dev", "dev"), ("test", "test")):
        for raw, labels in goemotions_rows(data_dir, official):
            negative = goemotions_negative(labels)
            text = normalize(raw)
            if negative is None or not text:
                continue
            emotion = EMOTIONS.index(goemotion_label(labels))
            yield Example(text, negative, emotion, 1.0, "goemotions", split)


# --- positive-frames ------------------------------------------------------------------


def positive_frames_rows(data_dir: Path, split: str) -> Iterator[tuple[str, str]]:
    """(original, reframe) pairs of one official positive-frames split (CC BY-SA 4.0): a real
    negative #stressed tweet and a crowdworker's positive reframe of it."""
    path = require(data_dir / "positive-frames" / f"whole{split}.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield row["original_text"], row["reframed_text"]


# --- CLINC150 -------------------------------------------------------------------------


def clinc_rows(data_dir: Path) -> dict[str, list[list[str]]]:
    path = require(data_dir / "clinc150" / "data_full.json")
    rows: dict[str, list[list[str]]] = json.loads(path.read_text())
    return rows


def clinc_examples(data_dir: Path, seed: int = 13) -> Iterator[Example]:
    """In-scope requests are neutral; problem-report intents count as half-weight negatives.

    Pairs of requests are also joined into two-sentence messages so that length alone cannot
    separate neutral requests (short) from complaints (long).
    """
    rows = clinc_rows(data_dir)
    neutral = EMOTIONS.index("neutral")
    rng = random.Random(seed)
    for split, key in (("train", "train"), ("dev", "val"), ("test", "test")):
        plain: list[str] = []
        for text, intent in rows[key] + rows[f"oos_{key}"]:
            problem = intent in CLINC_PROBLEM_INTENTS
            yield Example(
                text,
                int(problem),
                -1 if problem else neutral,
                0.5 if problem else 1.0,
                "clinc",
                split,
            )
            if not problem:
                plain.append(text)
        for _ in range(len(plain) // 6):
            first, second = rng.sample(plain, 2)
            joined = f"{first.capitalize()}. {second.capitalize()}?"
            yield Example(joined, 0, neutral, 1.0, "clinc-pair", split)


# --- CFPB narratives ------------------------------------------------------------------


def cfpb_narratives(data_dir: Path) -> list[str]:
    """Unique complaint narratives from every CFPB file, redactions still in place."""
    folder = require(data_dir / "cfpb-narratives")
    texts: list[str] = []
    csv.field_size_limit(sys.maxsize)
    for name in CFPB_FILES:
        with (folder / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                texts.append(row.get("Consumer complaint narrative") or "")
    aegis = json.loads((folder / "aegis_cfpb_sample_recent.json").read_text())
    texts.extend(item["text"] for item in aegis)
    return list(dict.fromkeys(t.strip() for t in texts if t and t.strip()))


def complaint_chunks(narrative: str, rng: random.Random, limit: int) -> list[str]:
    """Message-sized chunks (1–2 sentences, 5–45 words) of one narrative, at most ``limit``."""
    sents = [s for s in sentences(normalize(narrative)) if len(words(s)) >= 3]
    chunks: list[str] = []
    i = 0
    while i < len(sents):
        size = rng.choice((1, 1, 2))
        chunk = " ".join(sents[i : i + size])
        i += size
        if 5 <= len(words(chunk)) <= 45:
            chunks.append(chunk)
    rng.shuffle(chunks)
    return chunks[:limit]


def cfpb_examples(data_dir: Path, seed: int = 13) -> Iterator[Example]:
    """Complaint chunks as negatives; template dispute letters contribute one chunk only."""
    rng = random.Random(seed)
    for narrative in cfpb_narratives(data_dir):
        limit = 1 if _TEMPLATE_LETTER.search(narrative) else 4
        split = _split_of(narrative)
        for chunk in complaint_chunks(narrative, rng, limit):
            yield Example(chunk, 1, -1, 1.0, "cfpb", split)


def template_examples() -> Iterator[Example]:
    """Authored support messages (see support_templates), split by hash."""
    for text, negative, emotion in support_messages():
        yield Example(text, negative, EMOTIONS.index(emotion), 1.0, "templates", _split_of(text))


def corpus(data_dir: Path, templates: bool = True) -> list[Example]:
    """The whole shipped-model corpus, with official or hash-based splits."""
    items = [
        *goemotions_examples(data_dir),
        *clinc_examples(data_dir),
        *cfpb_examples(data_dir),
        *(template_examples() if templates else ()),
    ]
    unique: dict[tuple[str, str], Example] = {}
    for item in items:
        unique.setdefault((item.text, item.split), item)
    return list(unique.values())


# --- evaluation-only sets -------------------------------------------------------------


def airline_half(text: str) -> str:
    """``dev`` or ``test``: a fixed hash split of the airline tweets.

    Variants of the model are compared on the dev half only; the test half and the whole set
    are reported once, for the model chosen.
    """
    digest = hashlib.sha256(f"poise-airline-half:{text}".encode()).hexdigest()
    return "dev" if int(digest, 16) % 2 == 0 else "test"


def load_airline(data_dir: Path) -> list[tuple[str, str]]:
    """De-duplicated (text, label) airline tweets. CC BY-NC-SA: evaluation only."""
    path = require(data_dir / "twitter-airline-sentiment" / "Tweets.csv")
    seen: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            seen.setdefault(row["text"], row["airline_sentiment"])
    return list(seen.items())
