"""The manual's encoder: ONNX Runtime and the NumPy reference give the same unit vectors."""

from __future__ import annotations

import numpy as np

from poise.minilm.encoder import MiniLM, QueryCache, embed_queries, embed_query, get_encoder

TEXTS = ["my card was declined", "How do I reset my password?", "", "refund " * 300]


def test_onnx_and_numpy_paths_agree_and_are_unit_length() -> None:
    fast = get_encoder().encode(TEXTS)
    reference = MiniLM(use_onnx=False).encode(TEXTS)
    assert fast.shape == (4, 384)
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert float((fast * reference).sum(1).min()) > 0.9999
    np.testing.assert_allclose(embed_query(TEXTS[0]), fast[0], atol=1e-5)
    similar = fast[0] @ get_encoder().encode(["the bank refused my card"])[0]
    assert similar > fast[0] @ fast[1]


def test_query_cache_embeds_new_queries_together_and_forgets_the_oldest() -> None:
    cache = QueryCache(size=2)
    first, second = cache.embed(["my card was declined", "How do I reset my password?"])
    direct = get_encoder().encode(["my card was declined", "How do I reset my password?"])
    np.testing.assert_allclose(first, direct[0], atol=1e-5)
    np.testing.assert_allclose(second, direct[1], atol=1e-5)
    assert cache.embed(["my card was declined"])[0] is first  # remembered, not recomputed
    cache.embed(["where is my parcel"])  # evicts the least recently used query
    assert cache.embed(["How do I reset my password?"])[0] is not second
    assert cache.embed(["my card was declined"])[0] is not first
    np.testing.assert_allclose(embed_queries(["my card was declined"])[0], first, atol=1e-5)
