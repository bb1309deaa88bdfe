"""Three-way merge of parsed YAML documents, field by field (pure functions).

Rules, applied recursively from the document root:
- a field changed on one side only takes that side; changed identically on both is fine;
- mappings merge key by key; lists of named items (see :func:`gitstore.diff.list_key`) merge
  item by item in "ours" order, with items new on "theirs" appended;
- anything else changed differently on both sides is a conflict at that field path
  (delete versus modify included). Secret values in conflicts are redacted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .diff import is_secret_field, item_path, join_key, keyed, list_key
from .models import MergeConflictItem
from .secrets import is_secret

_MISSING: Any = object()


def _value(v: Any) -> Any:
    return None if v is _MISSING else v


def _merge(base: Any, ours: Any, theirs: Any, field: str, doc_path: str,
           conflicts: list[MergeConflictItem]) -> Any:
    if ours == theirs:
        return ours
    if ours == base:
        return theirs
    if theirs == base:
        return ours
    if all(isinstance(v, Mapping) for v in (ours, theirs)) and \
            (base is _MISSING or isinstance(base, Mapping)):
        base_map = {} if base is _MISSING else base
        merged: dict[str, Any] = {}
        for k in list(ours) + [k for k in theirs if k not in ours] + \
                [k for k in base_map if k not in ours and k not in theirs]:
            value = _merge(base_map.get(k, _MISSING), ours.get(k, _MISSING),
                           theirs.get(k, _MISSING), join_key(field, k), doc_path, conflicts)
            if value is not _MISSING:
                merged[k] = value
        return merged
    if all(isinstance(v, list) for v in (ours, theirs)) and (base is _MISSING or isinstance(base, list)):
        base_list = [] if base is _MISSING else base
        key = list_key(base_list, ours, theirs)
        if key is not None:
            b, o, t = keyed(base_list, key), keyed(ours, key), keyed(theirs, key)
            out = []
            for name in list(o) + [n for n in t if n not in o] + [n for n in b if n not in o and n not in t]:
                value = _merge(b.get(name, _MISSING), o.get(name, _MISSING), t.get(name, _MISSING),
                               item_path(field, key, name), doc_path, conflicts)
                if value is not _MISSING:
                    out.append(value)
            return out
    conflicts.append(MergeConflictItem(doc_path, field, _value(base), _value(ours), _value(theirs)))
    return ours


def merge_documents(base: Mapping[str, Any] | None, ours: Mapping[str, Any] | None,
                    theirs: Mapping[str, Any] | None, path: str = ""
                    ) -> tuple[dict[str, Any] | None, list[MergeConflictItem]]:
    """Merge ``theirs`` into ``ours`` relative to ``base``; None means the document is absent.

    Returns (merged document or None for deleted, conflicts). On conflict the merged
    document keeps "ours" for the conflicting fields and must not be committed.
    """
    conflicts: list[MergeConflictItem] = []
    wrap = lambda d: _MISSING if d is None else d  # noqa: E731
    merged = _merge(wrap(base), wrap(ours), wrap(theirs), "", path, conflicts)
    if is_secret(ours) or is_secret(theirs):
        conflicts = [
            MergeConflictItem(c.path, c.field, None, None, None, redacted=True)
            if c.field == "" or is_secret_field(c.field) else c
            for c in conflicts
        ]
    return (None if merged is _MISSING else dict(merged)), conflicts
