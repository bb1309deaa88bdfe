"""Text and field-level diffs. Pure functions: usable on stored documents and live objects.

Field paths read like ``spec.template.spec.containers[name=web].image``:
- mapping keys join with ``.``; keys that are not plain identifiers are quoted,
  ``metadata.annotations["app.kubernetes.io/name"]``;
- lists of mappings are matched by a *name key*, not by position: the first of
  :data:`NAME_KEYS` that every item on both sides has, with a scalar value unique within each
  side. Such items appear as ``[key=value]``; otherwise items are compared by index, ``[0]``.
- an added or deleted subtree is one change at its root, not one per leaf.
For ``kind: Secret`` documents, changes under ``data``/``stringData`` and the last-applied
annotation are redacted: they say that a value changed, never what it was or became (neither
plaintext nor ciphertext).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .documents import dump
from .models import DocumentDiff, FieldChange, FieldDiff
from .secrets import LAST_APPLIED, SECRET_FIELDS, is_secret, redact_pair

NAME_KEYS: tuple[str, ...] = (
    "name", "containerPort", "key", "ip", "mountPath", "devicePath", "port", "type",
)
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")


def join_key(parent: str, key: Any) -> str:
    """Append a mapping key to a field path."""
    text = str(key)
    if _IDENT.fullmatch(text):
        return f"{parent}.{text}" if parent else text
    return f"{parent}[{json.dumps(text)}]"


def list_key(*lists: Sequence[Any]) -> str | None:
    """The name key that identifies items across all ``lists``, or None (positional)."""
    items = [item for lst in lists for item in lst]
    if not items or not all(isinstance(item, Mapping) for item in items):
        return None
    for key in NAME_KEYS:
        ok = True
        for lst in lists:
            values = [item.get(key) for item in lst]
            if any(v is None or isinstance(v, (Mapping, list)) for v in values) or \
                    len(set(map(str, values))) != len(values):
                ok = False
                break
        if ok:
            return key
    return None


def item_path(parent: str, key: str, value: Any) -> str:
    return f"{parent}[{key}={value}]"


def keyed(lst: Sequence[Mapping[str, Any]], key: str) -> dict[str, Mapping[str, Any]]:
    """Index a named list by the string form of its name key (order preserved)."""
    return {str(item[key]): item for item in lst}


def _walk(old: Any, new: Any, path: str) -> Iterator[FieldChange]:
    if old == new:
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for k, v in old.items():
            child = join_key(path, k)
            if k not in new:
                yield FieldChange(child, "deleted", old=v)
            else:
                yield from _walk(v, new[k], child)
        for k, v in new.items():
            if k not in old:
                yield FieldChange(join_key(path, k), "added", new=v)
        return
    if isinstance(old, list) and isinstance(new, list):
        key = list_key(old, new)
        if key is not None:
            old_items, new_items = keyed(old, key), keyed(new, key)
            for name, item in old_items.items():
                child = item_path(path, key, name)
                if name not in new_items:
                    yield FieldChange(child, "deleted", old=item)
                else:
                    yield from _walk(item, new_items[name], child)
            for name, item in new_items.items():
                if name not in old_items:
                    yield FieldChange(item_path(path, key, name), "added", new=item)
            return
        for i in range(max(len(old), len(new))):
            child = f"{path}[{i}]"
            if i >= len(new):
                yield FieldChange(child, "deleted", old=old[i])
            elif i >= len(old):
                yield FieldChange(child, "added", new=new[i])
            else:
                yield from _walk(old[i], new[i], child)
        return
    yield FieldChange(path, "modified", old=old, new=new)


_LAST_APPLIED_FIELD = join_key("metadata.annotations", LAST_APPLIED)


def is_secret_field(path: str) -> bool:
    """A field of a Secret that holds its values (or all of them, like the last-applied
    annotation)."""
    return path == _LAST_APPLIED_FIELD or any(path == f or path.startswith((f + ".", f + "["))
                                              for f in SECRET_FIELDS)


def field_diff(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None,
               *, redact_secrets: bool = True) -> FieldDiff:
    """Field-level differences from ``old`` to ``new`` (None = absent document). For Secrets,
    the differences of their redacted forms: a change says a value changed, and a subtree added
    whole (``metadata`` with its annotations) carries markers, never values."""
    if redact_secrets and (is_secret(old) or is_secret(new)):
        shown_old, shown_new = redact_pair(_plain(old), _plain(new))
        return FieldDiff(tuple(
            FieldChange(c.path, c.change, redacted=True) if is_secret_field(c.path) else c
            for c in _walk(shown_old or {}, shown_new or {}, "")))
    return FieldDiff(tuple(_walk(old or {}, new or {}, "")))


def _plain(doc: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return dict(doc) if doc is not None else None


def document_diff(name: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> DocumentDiff:
    """Unified and field-level diff of two documents, either absent, labelled ``a/{name}`` and
    ``b/{name}``; Secret values redacted in both."""
    shown_old, shown_new = redact_pair(_plain(old), _plain(new))
    text = unified_diff(dump(shown_old) if shown_old is not None else "",
                        dump(shown_new) if shown_new is not None else "", f"a/{name}", f"b/{name}")
    return DocumentDiff(path=name, unified=text, fields=field_diff(old, new))


def unified_diff(old_text: str, new_text: str, old_label: str = "a", new_label: str = "b",
                 context: int = 3) -> str:
    """A ``diff -u`` style text diff ('' when equal)."""
    lines = difflib.unified_diff(
        old_text.splitlines(keepends=True), new_text.splitlines(keepends=True),
        fromfile=old_label, tofile=new_label, n=context,
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)
