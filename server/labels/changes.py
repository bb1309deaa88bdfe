"""What a patch does to one object's labels and annotations: pure functions, unit-tested."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Mapping

from server.labels.model import ANNOTATION, LABEL, Change, KeyChange, Patch


def key_changes(old: Mapping[str, str], new: Mapping[str, str], key_type: str) -> list[KeyChange]:
    """Keys added, modified and removed from `old` to `new`, sorted by key."""
    out = []
    for key in sorted(set(old) | set(new)):
        if key not in new:
            out.append(KeyChange(key_type, key, Change.REMOVED, old=old[key]))
        elif key not in old:
            out.append(KeyChange(key_type, key, Change.ADDED, new=new[key]))
        elif old[key] != new[key]:
            out.append(KeyChange(key_type, key, Change.MODIFIED, old=old[key], new=new[key]))
    return out


def metadata_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[KeyChange]:
    """Label, then annotation changes between two objects (either may be absent)."""
    def part(obj: Mapping[str, Any] | None, key: str) -> dict[str, str]:
        return dict(((obj or {}).get("metadata") or {}).get(key) or {})
    return (key_changes(part(old, "labels"), part(new, "labels"), LABEL)
            + key_changes(part(old, "annotations"), part(new, "annotations"), ANNOTATION))


@dataclass
class Planned:
    """A patch applied to one object (not yet to its cluster)."""

    obj: dict[str, Any]  # the object with its new labels and annotations
    changes: list[KeyChange]
    # Keys whose value would change (or, with a replacing map, go) without `overwrite`.
    conflicts: list[str]
    # Keys asked to be removed that the object does not carry.
    absent: list[str]

    @property
    def removes(self) -> bool:
        return any(c.change is Change.REMOVED for c in self.changes)


def _patched(current: Mapping[str, str], set_: Mapping[str, str], remove: tuple[str, ...], replace: bool,
             overwrite: bool, key_type: str) -> tuple[dict[str, str], list[str], list[str]]:
    new = dict(set_) if replace else {**current, **set_}
    for key in remove:
        new.pop(key, None)
    conflicts = [] if overwrite else sorted(
        k for k in current if (k in new and new[k] != current[k]) or (replace and k not in new and k not in remove))
    absent = [f"{key_type}:{k}" for k in remove if k not in current]
    return new, conflicts, absent


def plan(obj: Mapping[str, Any], patch: Patch, overwrite: bool) -> Planned:
    out = copy.deepcopy(dict(obj))
    metadata = out.setdefault("metadata", {})
    labels, label_conflicts, absent_labels = _patched(
        metadata.get("labels") or {}, patch.set_labels, patch.remove_labels, patch.replace_labels, overwrite, LABEL)
    annotations, annotation_conflicts, absent_annotations = _patched(
        metadata.get("annotations") or {}, patch.set_annotations, patch.remove_annotations,
        patch.replace_annotations, overwrite, ANNOTATION)
    for key, value in (("labels", labels), ("annotations", annotations)):
        if value:
            metadata[key] = value
        else:
            metadata.pop(key, None)
    return Planned(out, metadata_changes(obj, out), label_conflicts + annotation_conflicts,
                   absent_labels + absent_annotations)
