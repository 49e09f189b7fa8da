"""The shipped encoder: only the fine-tuned layers are shipped; the base model fills the rest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from poise.signals.encoder import (
    BaseModelMismatchError,
    OnnxEncoder,
    read_base_tensor,
    tensor_digest,
)
from poise.signals.registry import ARTIFACTS, read_manifest


def _encoder_spec() -> dict[str, object]:
    spec: dict[str, object] = read_manifest(ARTIFACTS)["encoder"]
    return spec


def test_shipped_file_leaves_the_word_embeddings_to_the_base_model() -> None:
    onnx = pytest.importorskip("onnx")
    spec = _encoder_spec()
    shared = spec["shared"]
    assert isinstance(shared, dict) and shared
    model = onnx.load(str(ARTIFACTS / str(spec["model"])))
    names = {init.name for init in model.graph.initializer}
    for name, source in shared.items():
        assert name not in names
        assert any(name in node.input for node in model.graph.node)
        assert tensor_digest(read_base_tensor(source["tensor"])) == source["sha256"]


def test_base_tensor_is_read_without_the_rest_of_the_file() -> None:
    words = read_base_tensor("embeddings.word_embeddings.weight")
    assert words.shape == (30522, 384)
    assert words.dtype == np.float32


def test_a_different_base_model_is_refused(tmp_path: Path) -> None:
    spec = _encoder_spec()
    shared = json.loads(json.dumps(spec["shared"]))
    for source in shared.values():
        source["sha256"] = "0" * 64
    with pytest.raises(BaseModelMismatchError, match="retrain"):
        OnnxEncoder(
            ARTIFACTS / str(spec["model"]), ARTIFACTS / str(spec["tokenizer"]), shared=shared
        )


def test_embeddings_are_unit_length_and_batch_independent() -> None:
    spec = _encoder_spec()
    encoder = OnnxEncoder(
        ARTIFACTS / str(spec["model"]),
        ARTIFACTS / str(spec["tokenizer"]),
        shared=spec["shared"],  # type: ignore[arg-type]
    )
    texts = ["where is my parcel?", "thanks, all sorted now", "the app crashes on login again"]
    together = encoder.encode(texts)
    alone = encoder.encode(texts[1:2])
    assert np.allclose(np.linalg.norm(together.embedding, axis=1), 1.0, atol=1e-4)
    assert np.allclose(together.embedding[1], alone.embedding[0], atol=0.02)
