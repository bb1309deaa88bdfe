"""Plain values of the labels domain: what servicers hand in and get back (no messages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from gitstore import Author
from server.errors import KubecommitError
from server.names import ResourceName

LABEL = "label"
ANNOTATION = "annotation"


class Change(Enum):
    ADDED = "added"
    MODIFIED = "modified"
    REMOVED = "removed"


@dataclass(frozen=True)
class KeyChange:
    key_type: str  # LABEL | ANNOTATION
    key: str
    change: Change
    old: str = ""
    new: str = ""


@dataclass(frozen=True)
class Patch:
    """Keys to set and remove. `replace_*`: the set map is the whole new map (keys not in it go)."""

    set_labels: dict[str, str] = field(default_factory=dict)
    remove_labels: tuple[str, ...] = ()
    set_annotations: dict[str, str] = field(default_factory=dict)
    remove_annotations: tuple[str, ...] = ()
    replace_labels: bool = False
    replace_annotations: bool = False


@dataclass
class LabelSet:
    name: ResourceName
    labels: dict[str, str]
    annotations: dict[str, str]
    etag: str
    commit: str = ""
    changes: list[KeyChange] = field(default_factory=list)


class UpdateStatus(Enum):
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    FAILED = "failed"


@dataclass
class UpdateResult:
    name: str
    status: UpdateStatus
    changes: list[KeyChange] = field(default_factory=list)
    etag: str = ""
    error: KubecommitError | None = None


@dataclass(frozen=True)
class BatchRequest:
    parent: str
    patch: Patch
    names: tuple[str, ...] = ()
    label_selector: str = ""
    resource_types: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    overwrite: bool = False
    etags: dict[str, str] = field(default_factory=dict)
    validate_only: bool = False
    message: str = ""
    max_resources: int = 0
    branch: str = ""


@dataclass
class BatchResult:
    results: list[UpdateResult]
    validate_only: bool
    commits: dict[str, str] = field(default_factory=dict)  # clusters/{c} -> commit id
    unreachable: dict[str, str] = field(default_factory=dict)
    branch: str = ""


@dataclass(frozen=True)
class Scope:
    """Where a selection looks: cluster ids, resource types (empty: every labelled kind) and
    namespaces (empty: all, and cluster-scoped kinds)."""

    parent: str
    resource_types: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    # Without resource_types: only the discovered kinds these name (`Deployment`, `deployments.apps`);
    # every labelled kind when empty.
    kinds: tuple[str, ...] = ()


@dataclass
class Found:
    """One live object a selection found."""

    name: ResourceName
    api_version: str
    kind: str
    obj: dict[str, Any]

    @property
    def metadata(self) -> dict[str, Any]:
        return self.obj.get("metadata") or {}

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.metadata.get("labels") or {})

    @property
    def etag(self) -> str:
        return str(self.metadata.get("resourceVersion") or "")


@dataclass
class Selection:
    found: list[Found]
    next_page_token: str
    unreachable: dict[str, str] = field(default_factory=dict)


@dataclass
class HistoryEntry:
    version: int
    commit: str
    author: Author
    time: datetime
    message: str
    changes: list[KeyChange]
    labels: dict[str, str]
