"""The manual's encoders: ONNX Runtime and the NumPy reference give the same unit vectors, and
the tuned variant is the shipped weights plus its stored difference."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from poise import minilm
from poise.minilm.encoder import (
    MiniLM,
    QueryCache,
    embed_queries,
    embed_query,
    get_encoder,
    get_intent_encoder,
)

TEXTS = ["my card was declined", "How do I reset my password?", "", "refund " * 300]


def test_onnx_and_numpy_paths_agree_and_are_unit_length() -> None:
    fast = get_encoder().encode(TEXTS)
    reference = MiniLM(use_onnx=False).encode(TEXTS)
    assert fast.shape == (4, 384)
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert float((fast * reference).sum(1).min()) > 0.9999
    similar = fast[0] @ get_encoder().encode(["the bank refused my card"])[0]
    assert similar > fast[0] @ fast[1]


def test_query_cache_embeds_new_queries_together_and_forgets_the_oldest() -> None:
    cache = QueryCache(size=2)
    first, second = cache.embed(["my card was declined", "How do I reset my password?"])
    direct = get_intent_encoder().encode(["my card was declined", "How do I reset my password?"])
    np.testing.assert_allclose(first, direct[0], atol=1e-5)
    np.testing.assert_allclose(second, direct[1], atol=1e-5)
    assert cache.embed(["my card was declined"])[0] is first  # remembered, not recomputed
    cache.embed(["where is my parcel"])  # evicts the least recently used query
    assert cache.embed(["How do I reset my password?"])[0] is not second
    assert cache.embed(["my card was declined"])[0] is not first
    np.testing.assert_allclose(embed_queries(["my card was declined"])[0], first, atol=1e-5)


def test_the_manual_queries_with_the_tuned_encoder_on_both_paths() -> None:
    tuned = get_intent_encoder().encode(TEXTS)
    reference = MiniLM(use_onnx=False, tensors=minilm.read_intent_tensors()).encode(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(tuned, axis=1), 1.0, atol=1e-5)
    assert float((tuned * reference).sum(1).min()) > 0.9999
    np.testing.assert_allclose(embed_query(TEXTS[0]), tuned[0], atol=1e-5)
    general = get_encoder().encode(TEXTS[:2])
    assert float((tuned[:2] * general).sum(1).max()) < 0.999  # it is another model…
    assert float((tuned[:2] * general).sum(1).min()) > 0.5  # …tuned from the same one


def test_a_stored_difference_reads_back_within_int8_rounding(tmp_path: Path) -> None:
    base = minilm.read_tensors()
    name = "encoder.layer.5.output.dense.weight"
    rng = np.random.default_rng(0)
    change = rng.normal(0, 1e-3, base[name].shape).astype(np.float32)
    tuned = {
        name: base[name] + change,
        "embeddings.LayerNorm.bias": base["embeddings.LayerNorm.bias"],
    }
    written = minilm.write_intent_delta(tuned, tmp_path / "d.npz", recipe={"steps": 1})
    assert written["tensors"] == 1  # an unchanged tensor is not stored
    back = minilm.read_intent_tensors(tmp_path / "d.npz")
    worst = np.abs(change).max(axis=1, keepdims=True) / 254  # half an int8 step a row
    assert np.all(np.abs(back[name] - tuned[name]) <= worst + 1e-6)
    assert np.array_equal(
        back["encoder.layer.0.output.dense.weight"], base["encoder.layer.0.output.dense.weight"]
    )
    assert minilm.intent_manifest(tmp_path / "d.npz")["recipe"] == {"steps": 1}
