"""Decode the Kubernetes protobuf request bodies that kubectl sends for a few kinds.

kubectl's typed clients (`kubectl create configmap|secret|namespace|serviceaccount`) always send
`application/vnd.kubernetes.protobuf` and do not fall back to JSON on 415 (client-go only does
that for CBOR). So the simulator understands the envelope and these small messages; any other
kind in protobuf gets 415. Responses are always JSON, which those clients also accept.
"""

from __future__ import annotations

import base64
from typing import Any, Callable

MAGIC = b"k8s\x00"
Fields = dict[int, list[Any]]


class ProtobufError(ValueError):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtobufError("truncated varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def parse(data: bytes) -> Fields:
    """Wire-format fields: number -> values (ints for varints, bytes for length-delimited)."""
    fields: Fields = {}
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, pos = data[pos:pos + size], pos + size
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        fields.setdefault(number, []).append(value)
    return fields


def _str(f: Fields, n: int) -> str | None:
    return f[n][-1].decode() if n in f else None


def _map(f: Fields, n: int, binary: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for entry in f.get(n, []):
        e = parse(entry)
        value = e.get(2, [b""])[-1]
        out[_str(e, 1) or ""] = base64.b64encode(value).decode() if binary else value.decode()
    return out


def _object_meta(raw: bytes) -> dict[str, Any]:
    f = parse(raw)
    meta: dict[str, Any] = {}
    for n, key in ((1, "name"), (2, "generateName"), (3, "namespace"), (6, "resourceVersion"), (5, "uid")):
        if (v := _str(f, n)) is not None:
            meta[key] = v
    for n, key in ((11, "labels"), (12, "annotations")):
        if n in f:
            meta[key] = _map(f, n)
    if 14 in f:
        meta["finalizers"] = [v.decode() for v in f[14]]
    return meta


def _with_meta(f: Fields) -> dict[str, Any]:
    return {"metadata": _object_meta(f[1][-1]) if 1 in f else {}}


def _configmap(f: Fields) -> dict[str, Any]:
    obj = _with_meta(f)
    if 2 in f:
        obj["data"] = _map(f, 2)
    if 3 in f:
        obj["binaryData"] = _map(f, 3, binary=True)
    if 4 in f:
        obj["immutable"] = bool(f[4][-1])
    return obj


def _secret(f: Fields) -> dict[str, Any]:
    obj = _with_meta(f)
    if 2 in f:
        obj["data"] = _map(f, 2, binary=True)
    if (t := _str(f, 3)) is not None:
        obj["type"] = t
    if 4 in f:
        obj["stringData"] = _map(f, 4)
    if 5 in f:
        obj["immutable"] = bool(f[5][-1])
    return obj


def _serviceaccount(f: Fields) -> dict[str, Any]:
    obj = _with_meta(f)
    if 4 in f:
        obj["automountServiceAccountToken"] = bool(f[4][-1])
    return obj


DECODERS: dict[str, Callable[[Fields], dict[str, Any]]] = {
    "ConfigMap": _configmap, "Secret": _secret, "Namespace": _with_meta, "ServiceAccount": _serviceaccount,
}


def decode(body: bytes) -> dict[str, Any]:
    """A protobuf-encoded object as its JSON form; ProtobufError if not decodable here."""
    if not body.startswith(MAGIC):
        raise ProtobufError("missing k8s protobuf prefix")
    unknown = parse(body[len(MAGIC):])
    type_meta = parse(unknown.get(1, [b""])[-1])
    api_version, kind = _str(type_meta, 1) or "", _str(type_meta, 2) or ""
    decoder = DECODERS.get(kind)
    if decoder is None:
        raise ProtobufError(f"kubesim decodes protobuf only for {', '.join(DECODERS)}, not {kind or 'this'}")
    obj = decoder(parse(unknown.get(2, [b""])[-1]))
    return {"apiVersion": api_version, "kind": kind, **obj}
