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
    encoder.clear_cache()
    alone = encoder.encode(texts[1:2])
    assert np.allclose(np.linalg.norm(together.embedding, axis=1), 1.0, atol=1e-4)
    # Each text runs alone: its batch-mates do not move its outputs (int8 activations are
    # quantised per run, so batched texts used to shift each other's scores).
    assert np.allclose(together.embedding[1], alone.embedding[0], atol=1e-6)
    assert together.negativity[1] == pytest.approx(float(alone.negativity[0]), abs=1e-6)


def _shipped_encoder(threads: int) -> OnnxEncoder:
    spec = _encoder_spec()
    return OnnxEncoder(
        ARTIFACTS / str(spec["model"]),
        ARTIFACTS / str(spec["tokenizer"]),
        threads=threads,
        shared=spec["shared"],  # type: ignore[arg-type]
    )


def test_texts_run_side_by_side_give_what_one_worker_gives() -> None:
    texts = [
        f"order {i} has not arrived and nobody answers my emails" * (1 + i % 4) for i in range(70)
    ]
    serial, parallel = _shipped_encoder(1), _shipped_encoder(2)
    one, two = serial.encode(texts), parallel.encode(texts)
    assert np.allclose(one.negativity, two.negativity, atol=1e-5)
    assert np.allclose(one.embedding, two.embedding, atol=1e-5)
    assert np.allclose(one.emotion, two.emotion, atol=1e-5)


def test_remembered_texts_return_the_same_outputs_in_the_callers_order() -> None:
    encoder = _shipped_encoder(2)
    first = encoder.encode(["refund still missing", "thanks so much"])
    again = encoder.encode(
        ["thanks so much", "a new text", "refund still missing", "thanks so much"]
    )
    assert np.array_equal(again.embedding[0], first.embedding[1])
    assert np.array_equal(again.embedding[2], first.embedding[0])
    assert np.array_equal(again.embedding[3], first.embedding[1])
    assert again.negativity[2] == pytest.approx(first.negativity[0])
    assert encoder.encode([]).embedding.shape == (0, 384)
