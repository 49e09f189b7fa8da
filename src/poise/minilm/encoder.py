"""Sentence embeddings for the manual: the bundled MiniLM, without torch.

Why not the signals student or a shipped ONNX file: matching a customer's words to an issue
needs the full six-layer MiniLM (the distilled student is tuned for negativity), an fp32 ONNX
export would be ~90 MB to ship and an int8 one loses accuracy. The weights ship with Poise
(:mod:`poise.minilm`, shared with the signals student, read as float32);
:mod:`poise.minilm.onnx_graph` turns them into an ONNX graph in memory for ONNX Runtime
(3 ms a query, ~300 sentences/s on one thread), and a NumPy forward pass of the same
arithmetic is the fallback and the reference. Nothing is downloaded, and neither torch nor
sentence-transformers is installed or imported.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from poise import minilm
from poise.minilm.blas import one_blas_thread
from poise.textcache import TextCache

FloatArray = npt.NDArray[np.float32]
DIM = 384
HEADS = 12
MAX_TOKENS = 128
CHUNK = 32


def model_dir() -> Path:
    """The folder of the shipped MiniLM (``weights.npz`` and ``tokenizer.json``)."""
    return minilm.FOLDER


def _layer_norm(x: FloatArray, weight: FloatArray, bias: FloatArray) -> FloatArray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    out = cast(FloatArray, (x - mean) / np.sqrt(var + 1e-12) * weight + bias)
    return out


def _gelu(x: FloatArray) -> FloatArray:
    """The tanh form of GELU: within 1e-3 of the erf form, and NumPy has no erf."""
    out = cast(FloatArray, 0.5 * x * (1.0 + np.tanh(0.7978845608 * (x + 0.044715 * x**3))))
    return out


class MiniLM:
    """MiniLM-L6 (mean pooled, unit length), the same vectors sentence-transformers gives."""

    def __init__(
        self,
        folder: Path | None = None,
        *,
        use_onnx: bool = True,
        tensors: dict[str, FloatArray] | None = None,
    ) -> None:
        from tokenizers import Tokenizer  # type: ignore[import-untyped,unused-ignore]

        folder = folder or model_dir()
        raw = tensors if tensors is not None else minilm.read_tensors(folder / minilm.WEIGHTS.name)
        self._layers = 1 + max(int(k.split(".")[2]) for k in raw if k.startswith("encoder."))
        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tok.no_padding()
        tok.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer = tok
        self._onnx = _onnx_session(raw) if use_onnx else None
        # The NumPy pass needs its own (transposed) copy; with ONNX Runtime it is never run, so
        # the ~90 MB are not kept (a process may hold two encoders: general and the manual's).
        self._w: dict[str, FloatArray] = {} if self._onnx is not None else _transposed(raw)

    def encode(self, texts: list[str]) -> FloatArray:
        """Unit embeddings (n, 384), computed in length-sorted chunks padded to their longest."""
        out = np.zeros((len(texts), DIM), np.float32)
        if not texts:
            return out
        with one_blas_thread():
            self._encode_into(out, texts)
        return out

    def _encode_into(self, out: FloatArray, texts: list[str]) -> None:
        ids = [e.ids for e in self._tokenizer.encode_batch([t or " " for t in texts])]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), CHUNK):
            rows = order[start : start + CHUNK]
            batch = [ids[i] for i in rows]
            out[rows] = self._run_onnx(batch) if self._onnx is not None else self._forward(batch)

    def _run_onnx(self, batch: list[list[int]]) -> FloatArray:
        assert self._onnx is not None
        input_ids, mask = _pad(batch)
        feeds = {"input_ids": input_ids, "attention_mask": mask.astype(np.int64)}
        result: FloatArray = self._onnx.run(None, feeds)[0]
        return result

    def _forward(self, batch: list[list[int]]) -> FloatArray:
        """The reference forward pass in NumPy (used when ONNX Runtime is not installed)."""
        input_ids, mask = _pad(batch)
        width = input_ids.shape[1]
        w = self._w
        h = (
            w["embeddings.word_embeddings.weight"][input_ids]
            + w["embeddings.position_embeddings.weight"][:width]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        h = _layer_norm(h, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        for i in range(self._layers):
            h = self._layer(h, bias, f"encoder.layer.{i}.")
        pooled = (h * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: FloatArray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result

    def _layer(self, h: FloatArray, bias: FloatArray, p: str) -> FloatArray:
        w = self._w
        n, t, _ = h.shape
        size = DIM // HEADS

        def heads(name: str) -> FloatArray:
            proj = h @ w[f"{p}attention.self.{name}.weight"] + w[f"{p}attention.self.{name}.bias"]
            split: FloatArray = proj.reshape(n, t, HEADS, size).transpose(0, 2, 1, 3)
            return split

        q, k, v = heads("query"), heads("key"), heads("value")
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(size)) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, t, DIM)
        attn = (
            context @ w[f"{p}attention.output.dense.weight"] + w[f"{p}attention.output.dense.bias"]
        )
        h = _layer_norm(
            attn + h,
            w[f"{p}attention.output.LayerNorm.weight"],
            w[f"{p}attention.output.LayerNorm.bias"],
        )
        mid = _gelu(h @ w[f"{p}intermediate.dense.weight"] + w[f"{p}intermediate.dense.bias"])
        out = mid @ w[f"{p}output.dense.weight"] + w[f"{p}output.dense.bias"]
        return _layer_norm(
            out + h, w[f"{p}output.LayerNorm.weight"], w[f"{p}output.LayerNorm.bias"]
        )


def _transposed(raw: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """The weights for the NumPy pass: linear layers are used as x @ W.T, so transposed once."""
    w = dict(raw)
    for name in [k for k in w if k.endswith(".weight") and w[k].ndim == 2]:
        if name.startswith("encoder."):
            w[name] = np.ascontiguousarray(w[name].T)
    return w


def _pad(batch: list[list[int]]) -> tuple[npt.NDArray[np.int64], FloatArray]:
    width = max(len(x) for x in batch)
    input_ids = np.zeros((len(batch), width), np.int64)
    mask = np.zeros((len(batch), width), np.float32)
    for row, x in enumerate(batch):
        input_ids[row, : len(x)] = x
        mask[row, : len(x)] = 1.0
    return input_ids, mask


def _onnx_session(weights: dict[str, FloatArray]) -> Any:
    """An ONNX Runtime session over the graph built from ``weights`` (~0.8 s), or None."""
    try:
        import onnxruntime as ort

        from poise.minilm.onnx_graph import build_minilm
    except ImportError:  # pragma: no cover - both are dependencies; NumPy still works
        return None
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # one thread per worker: see one_blas_thread
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(build_minilm(weights), options, providers=["CPUExecutionProvider"])


_shared: dict[str, MiniLM] = {}
_shared_lock = threading.Lock()


def get_encoder() -> MiniLM:
    """The process-wide general MiniLM, loaded on first use (~0.5 s) and kept. The reply
    feedback and explanatory heads were trained on its vectors."""
    with _shared_lock:
        if "general" not in _shared:
            _shared["general"] = MiniLM()
        return _shared["general"]


def get_intent_encoder() -> MiniLM:
    """The manual's MiniLM, tuned to tell customer requests apart (``intents.npz``): search,
    gaps, mining and FCR compare requests with it. Loaded on first use and kept."""
    with _shared_lock:
        if "intents" not in _shared:
            _shared["intents"] = MiniLM(tensors=minilm.read_intent_tensors())
        return _shared["intents"]


ENCODERS = ("intents", "general")  # the manual's tuned MiniLM, and the one it was tuned from


def encoder_named(name: str) -> MiniLM:
    """``intents`` (the manual's) or ``general``: what the evaluations compare."""
    if name not in ENCODERS:
        raise ValueError(f"unknown encoder {name!r}: one of {', '.join(ENCODERS)}")
    return get_intent_encoder() if name == "intents" else get_encoder()


class QueryCache(TextCache[FloatArray]):
    """The manual's query embeddings (the intent encoder's) by text. The assist panel asks
    again as a conversation goes on, and asks with two queries at once (the issue and the
    latest turn): new ones are embedded in one encoder call."""

    def embed(self, texts: list[str]) -> list[FloatArray]:
        """One embedding per text."""
        return self.fetch(texts, lambda missing: list(get_intent_encoder().encode(missing)))

    def cache_clear(self) -> None:
        """Forget every remembered query (benchmarks embed each query afresh)."""
        self.clear()


_cached_query = QueryCache(2048)


def embed_query(text: str) -> FloatArray:
    """One query's embedding (remembered)."""
    return _cached_query.embed([text])[0]


def embed_queries(texts: list[str]) -> list[FloatArray]:
    """Several queries' embeddings, the new ones computed in one encoder call."""
    return _cached_query.embed(texts)
