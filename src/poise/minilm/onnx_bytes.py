"""ONNX models written as protobuf bytes by hand, so serving needs no ``onnx`` package.

ONNX Runtime reads a model from bytes; only building one (the manual's MiniLM graph) and
putting the word embeddings back into the signals student need an ONNX writer, and the
``onnx`` package (with ml_dtypes) is 34 MB of the runtime install for that. The few messages
used here are small: the field numbers are those of onnx.proto (ModelProto, GraphProto,
NodeProto, AttributeProto, TensorProto, ValueInfoProto), and the tests check the result with
``onnx.checker`` and against ``onnx.helper``'s own output.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt

FLOAT = 1  # TensorProto.DataType
INT64 = 7
_ELEM = {np.dtype(np.float32): FLOAT, np.dtype(np.int64): INT64}
_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64 as two's complement, like protobuf
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _int(field: int, value: int) -> bytes:
    return _key(field, _VARINT) + _varint(value)


def _bytes(field: int, value: bytes | str) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    return _key(field, _BYTES) + _varint(len(data)) + data


def tensor(name: str, array: npt.NDArray[np.generic]) -> bytes:
    """A TensorProto holding ``array`` (float32 or int64) as little-endian raw data."""
    elem = _ELEM[np.dtype(array.dtype)]
    data = np.asarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()  # keeps 0-d shape
    dims = b"".join(_int(1, d) for d in array.shape)
    return dims + _int(2, elem) + _bytes(8, name) + _bytes(9, data)


def _attribute(name: str, value: int | float | Sequence[int]) -> bytes:
    if isinstance(value, bool | int):
        return _bytes(1, name) + _int(3, int(value)) + _int(20, 2)
    if isinstance(value, float):
        return _bytes(1, name) + _key(2, _FIXED32) + struct.pack("<f", value) + _int(20, 1)
    return _bytes(1, name) + b"".join(_int(8, v) for v in value) + _int(20, 7)


def node(
    op_type: str,
    inputs: Sequence[str],
    outputs: Sequence[str],
    domain: str = "",
    **attrs: int | float | Sequence[int],
) -> bytes:
    """A NodeProto; attributes are ints, floats or lists of ints."""
    parts = [_bytes(1, i) for i in inputs] + [_bytes(2, o) for o in outputs]
    parts.append(_bytes(4, op_type))
    parts += [_bytes(5, _attribute(k, v)) for k, v in sorted(attrs.items())]
    if domain:
        parts.append(_bytes(7, domain))
    return b"".join(parts)


def value_info(name: str, elem_type: int, dims: Sequence[int | str]) -> bytes:
    """A ValueInfoProto for a tensor; a str dimension is symbolic (``batch``)."""
    shape = b"".join(_bytes(1, _bytes(2, d) if isinstance(d, str) else _int(1, d)) for d in dims)
    tensor_type = _int(1, elem_type) + _bytes(2, shape)
    return _bytes(1, name) + _bytes(2, _bytes(1, tensor_type))


def model(
    name: str,
    nodes: Sequence[bytes],
    inputs: Sequence[bytes],
    outputs: Sequence[bytes],
    initializers: Sequence[bytes],
    opsets: dict[str, int],
    ir_version: int = 8,
) -> bytes:
    """A serialized ModelProto around one graph."""
    graph = b"".join(
        [
            *(_bytes(1, n) for n in nodes),
            _bytes(2, name),
            *(_bytes(5, t) for t in initializers),
            *(_bytes(11, i) for i in inputs),
            *(_bytes(12, o) for o in outputs),
        ]
    )
    opset_ids = [_bytes(8, _bytes(1, domain) + _int(2, v)) for domain, v in opsets.items()]
    return _int(1, ir_version) + _bytes(7, graph) + b"".join(opset_ids)


def _fields(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """Top-level (field, wire type, raw bytes of the whole field) of a message."""
    pos = 0
    while pos < len(data):
        start = pos
        key, pos = _read_varint(data, pos)
        field, wire = key >> 3, key & 7
        if wire == _VARINT:
            _, pos = _read_varint(data, pos)
        elif wire == _FIXED64:
            pos += 8
        elif wire == _FIXED32:
            pos += 4
        elif wire == _BYTES:
            size, pos = _read_varint(data, pos)
            pos += size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield field, wire, data[start:pos]


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def with_initializers(model_bytes: bytes, tensors: dict[str, npt.NDArray[np.generic]]) -> bytes:
    """The model with ``tensors`` added to its graph's initializers (the graph is rewritten
    with them appended; every other field is copied as it was)."""
    out = []
    for field, wire, raw in _fields(model_bytes):
        if field == 7 and wire == _BYTES:
            size, start = _read_varint(raw, len(_key(7, _BYTES)))
            graph = raw[start : start + size]
            graph += b"".join(_bytes(5, tensor(name, a)) for name, a in tensors.items())
            raw = _bytes(7, graph)
        out.append(raw)
    return b"".join(out)
