"""Parsing and canonical serialisation of YAML documents (PyYAML's C loader/dumper only).

Documents are stored canonically (keys sorted, block style) so that the same object always
produces the same blob: an unchanged apply is then a no-op by blob id, whatever the key order
of the caller's input. Comments in submitted YAML are therefore not kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from . import safeyaml
from .errors import InvalidDocument
from .safeyaml import YamlLimits

DEFAULT_MAX_DOCUMENT_BYTES = 1024 * 1024


def load(text: str | bytes) -> Any:
    """Parse one YAML document the store wrote itself (a blob), with the C loader. Caller
    content goes through `parse`, under limits."""
    return yaml.load(text, Loader=yaml.CSafeLoader)


def dump(data: Mapping[str, Any]) -> str:
    """Serialise canonically with the C dumper."""
    return yaml.dump(
        dict(data), Dumper=yaml.CSafeDumper, sort_keys=True, default_flow_style=False,
        allow_unicode=True, width=4096,
    )


def parse(content: str | bytes | Mapping[str, Any], *, subject: str,
          max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> dict[str, Any]:
    """Turn caller content into a dict, rejecting non-YAML, multi-document and oversize input."""
    if isinstance(content, Mapping):
        return dict(content)
    if isinstance(content, str):
        raw = content.encode()
    elif isinstance(content, bytes):
        raw = content
    else:
        raise InvalidDocument(
            f"content must be YAML text or a mapping, not {type(content).__name__}", subject=subject
        )
    if len(raw) > max_bytes:
        raise InvalidDocument(
            f"document is {len(raw)} bytes, over the limit of {max_bytes}", subject=subject
        )
    try:
        docs = safeyaml.load_all(raw.decode("utf-8"), YamlLimits(max_bytes=max_bytes, max_expanded_bytes=max_bytes))
    except InvalidDocument as exc:
        exc.subject = subject
        raise
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidDocument(f"not valid YAML: {exc}", subject=subject) from exc
    if len(docs) != 1:
        raise InvalidDocument(
            f"expected exactly one YAML document, found {len(docs)}", subject=subject
        )
    if not isinstance(docs[0], dict):
        raise InvalidDocument(
            f"expected a YAML mapping, found {type(docs[0]).__name__}", subject=subject
        )
    return docs[0]


def serialise(data: Mapping[str, Any], *, subject: str,
              max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> bytes:
    """Canonical bytes of a document, enforcing the size limit on what is stored."""
    try:
        raw = dump(data).encode()
    except yaml.YAMLError as exc:
        raise InvalidDocument(f"cannot serialise document: {exc}", subject=subject) from exc
    if len(raw) > max_bytes:
        raise InvalidDocument(
            f"document is {len(raw)} bytes, over the limit of {max_bytes}", subject=subject
        )
    return raw
