"""Encryption of Kubernetes Secret values before they reach git.

Only the values of ``data`` and ``stringData`` of ``kind: Secret`` documents are encrypted,
each as the string ``ENC[AES-SIV,<base64>]`` with the document path, field and key as
associated data (a value cannot be moved to another Secret or key unnoticed). Everything else
stays readable so the repository still reads like the cluster.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from typing import Any

from .crypto import StoreKey
from .errors import Precondition

SECRET_FIELDS = ("data", "stringData")
# `kubectl apply` keeps the whole object it sent here, a Secret's values included.
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_PREFIX = "ENC[AES-SIV,"
_SUFFIX = "]"
REDACTED = "<redacted>"
REDACTED_CHANGED = "<redacted-changed>"


def is_secret(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("kind") == "Secret"


def is_encrypted_value(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(_PREFIX) and value.endswith(_SUFFIX)


def _aad(path: str, field: str, key: str) -> bytes:
    return f"{path}\x00{field}\x00{key}".encode()


def _secret_maps(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for field in SECRET_FIELDS:
        values = doc.get(field)
        if isinstance(values, dict):
            yield field, values


def encrypt_secret(doc: dict[str, Any], path: str, key: StoreKey | None) -> dict[str, Any]:
    """Return a copy of ``doc`` with Secret values encrypted (others returned unchanged)."""
    if not is_secret(doc):
        return doc
    out = copy.deepcopy(doc)
    for field, values in _secret_maps(out):
        for name, value in values.items():
            if value is None or is_encrypted_value(value):
                continue
            if key is None:
                raise Precondition("the store has no key, so it cannot store Secret values",
                                   subject=path)
            sealed = key.encrypt_deterministic(str(value).encode(), _aad(path, field, str(name)))
            values[name] = _PREFIX + base64.b64encode(sealed).decode() + _SUFFIX
    return out


def decrypt_secret(doc: dict[str, Any], path: str, key: StoreKey | None) -> tuple[dict[str, Any], bool]:
    """Return (document with plaintext values, still_encrypted). Without a key the stored
    ciphertext is returned and ``still_encrypted`` is True."""
    if not is_secret(doc):
        return doc, False
    out = copy.deepcopy(doc)
    locked = False
    for field, values in _secret_maps(out):
        for name, value in values.items():
            if not is_encrypted_value(value):
                continue
            if key is None:
                locked = True
                continue
            sealed = base64.b64decode(value[len(_PREFIX): -len(_SUFFIX)])
            values[name] = key.decrypt_deterministic(sealed, _aad(path, field, str(name))).decode()
    return out, locked


def _mark(old_out: dict[str, Any] | None, new_out: dict[str, Any] | None, old: Any) -> None:
    """Replace the values under ``data``/``stringData`` of both copies by markers, in place."""
    for field in SECRET_FIELDS:
        old_values = old.get(field) if isinstance(old, dict) else None
        if not isinstance(old_values, dict):
            old_values = {}
        if old_out is not None and isinstance(old_out.get(field), dict):
            old_out[field] = {k: REDACTED for k in old_out[field]}
        if new_out is not None and isinstance(new_out.get(field), dict):
            new_out[field] = {
                k: REDACTED if k in old_values and old_values[k] == v else REDACTED_CHANGED
                for k, v in new_out[field].items()
            }


def _annotations(doc: dict[str, Any] | None) -> dict[str, Any] | None:
    """The annotations of `doc` when they hold a last-applied configuration."""
    metadata = doc.get("metadata") if doc is not None else None
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return annotations if isinstance(annotations, dict) and LAST_APPLIED in annotations else None


def _applied(doc: dict[str, Any] | None) -> tuple[Any, dict[str, Any] | None]:
    """(the annotation's text, a copy of the object it records or None when unreadable)."""
    annotations = _annotations(doc)
    text = annotations[LAST_APPLIED] if annotations is not None else None
    try:
        recorded = json.loads(text) if isinstance(text, (str, bytes)) else None
    except (ValueError, RecursionError):
        recorded = None
    return text, recorded if isinstance(recorded, dict) else None


def _mark_applied(old_out: dict[str, Any] | None, new_out: dict[str, Any] | None,
                  old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
    """The same markers inside the last-applied annotation (JSON text holding the whole Secret,
    values included); an annotation that does not read as a JSON object is replaced whole."""
    old_text, old_inner = _applied(old)
    new_text, new_inner = _applied(new)
    recorded = copy.deepcopy(old_inner)
    _mark(old_inner, new_inner, recorded)
    for out, inner, unreadable in ((old_out, old_inner, REDACTED),
                                   (new_out, new_inner, REDACTED if new_text == old_text else REDACTED_CHANGED)):
        annotations = _annotations(out)
        if annotations is not None:
            annotations[LAST_APPLIED] = json.dumps(inner, separators=(",", ":")) if inner is not None else unreadable


def redact_pair(old: dict[str, Any] | None, new: dict[str, Any] | None
                ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Replace Secret values by markers wherever a Secret holds them: ``data``, ``stringData``
    and the ``kubectl.kubernetes.io/last-applied-configuration`` annotation (managed fields
    name keys, never values). Unchanged values read ``<redacted>`` on both sides, changed ones
    ``<redacted-changed>`` on the new side, so a diff shows that a value changed, not what it is.
    The one redaction of the code base: diffs and documents leaving the API go through it."""
    if not (is_secret(old) or is_secret(new)):
        return old, new
    old_out = copy.deepcopy(old) if old is not None else None
    new_out = copy.deepcopy(new) if new is not None else None
    _mark(old_out, new_out, old)
    _mark_applied(old_out, new_out, old, new)
    return old_out, new_out


def redact(doc: dict[str, Any]) -> dict[str, Any]:
    """A Secret with every value replaced by ``<redacted>`` (other documents as they are): for
    reads that show a document but must not hand out what it protects."""
    return redact_pair(doc, None)[0] or doc
