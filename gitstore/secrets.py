"""Encryption of Kubernetes Secret values before they reach git.

Only the values of ``data`` and ``stringData`` of ``kind: Secret`` documents are encrypted,
each as the string ``ENC[AES-SIV,<base64>]`` with the document path, field and key as
associated data (a value cannot be moved to another Secret or key unnoticed). Everything else
stays readable so the repository still reads like the cluster.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from typing import Any

from .crypto import StoreKey
from .errors import Precondition

SECRET_FIELDS = ("data", "stringData")
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


def redact_pair(old: dict[str, Any] | None, new: dict[str, Any] | None
                ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Replace Secret values by markers for a text diff: unchanged values read ``<redacted>`` on
    both sides, changed ones ``<redacted-changed>`` on the new side; no value is shown."""
    if not (is_secret(old) or is_secret(new)):
        return old, new
    old_out = copy.deepcopy(old) if old is not None else None
    new_out = copy.deepcopy(new) if new is not None else None
    for field in SECRET_FIELDS:
        old_values = (old or {}).get(field)
        if not isinstance(old_values, dict):
            old_values = {}
        if old_out is not None and isinstance(old_out.get(field), dict):
            old_out[field] = {k: REDACTED for k in old_out[field]}
        if new_out is not None and isinstance(new_out.get(field), dict):
            new_out[field] = {
                k: REDACTED if k in old_values and old_values[k] == v else REDACTED_CHANGED
                for k, v in new_out[field].items()
            }
    return old_out, new_out


def redact(doc: dict[str, Any]) -> dict[str, Any]:
    """A Secret with every value replaced by ``<redacted>`` (other documents as they are): for
    reads that show a document but must not hand out what it protects."""
    return redact_pair(doc, None)[0] or doc
