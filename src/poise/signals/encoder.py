"""Serve the distilled MiniLM student with ONNX Runtime and ``tokenizers`` (no torch).

Texts are sorted by length and run in small chunks padded to the longest text of each
chunk: a batch of 256 short messages padded to its single longest one wastes most of
the work, and sorted chunks remove that waste.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
MAX_TOKENS = 128
CHUNK = 32


@dataclass(frozen=True)
class EncoderOutput:
    """Per text: negativity logit, emotion logits and a unit sentence embedding."""

    negativity: FloatArray  # (n,)
    emotion: FloatArray  # (n, emotions)
    embedding: FloatArray  # (n, 384)


class OnnxEncoder:
    """An ONNX student plus its tokenizer; loading happens once, in ``__init__``."""

    def __init__(self, model_path: Path, tokenizer_path: Path, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer  # type: ignore[import-untyped,unused-ignore]

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
        self._session: Any = ort.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        tok = Tokenizer.from_file(str(tokenizer_path))
        tok.no_padding()
        tok.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer: Any = tok

    def encode(self, texts: list[str]) -> EncoderOutput:
        """Run every text through the student, in length-sorted chunks."""
        ids = [e.ids for e in self._tokenizer.encode_batch(texts)]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        neg = np.zeros(len(texts), np.float32)
        emo: FloatArray | None = None
        emb: FloatArray | None = None
        for start in range(0, len(order), CHUNK):
            rows = order[start : start + CHUNK]
            out = self._run([ids[i] for i in rows])
            if emo is None or emb is None:
                emo = np.zeros((len(texts), out[1].shape[1]), np.float32)
                emb = np.zeros((len(texts), out[2].shape[1]), np.float32)
            neg[rows], emo[rows], emb[rows] = out
        if emo is None or emb is None:
            emo, emb = np.zeros((0, 7), np.float32), np.zeros((0, 384), np.float32)
        return EncoderOutput(neg, emo, emb)

    def _run(self, batch: list[list[int]]) -> tuple[FloatArray, FloatArray, FloatArray]:
        width = max(len(x) for x in batch)
        input_ids = np.zeros((len(batch), width), np.int64)
        for row, x in enumerate(batch):
            input_ids[row, : len(x)] = x
        mask = (input_ids != 0).astype(np.int64)
        neg, emo, emb = self._session.run(None, {"input_ids": input_ids, "attention_mask": mask})
        return neg, emo, emb
