"""Plain data types returned and accepted by the store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Operation = Literal["apply", "delete", "rollback", "sync", "merge", "import"]
OPERATIONS: frozenset[str] = frozenset({"apply", "delete", "rollback", "sync", "merge", "import"})


@dataclass(frozen=True)
class Author:
    """A git identity: the caller as author, kubecommit as committer."""

    name: str
    email: str

    def identity(self) -> bytes:
        """The ``Name <email>`` form git stores."""
        return f"{self.name} <{self.email}>".encode()

    @classmethod
    def parse(cls, identity: bytes) -> Author:
        """Inverse of :meth:`identity`."""
        text = identity.decode("utf-8", "replace")
        name, _, rest = text.partition(" <")
        return cls(name=name, email=rest.rstrip(">"))


@dataclass(frozen=True)
class Change:
    """One document to put (``content`` is YAML text or a mapping) or delete (``content`` None)."""

    path: str
    content: str | bytes | Mapping[str, Any] | None

    @classmethod
    def put(cls, path: str, content: str | bytes | Mapping[str, Any]) -> Change:
        return cls(path, content)

    @classmethod
    def delete(cls, path: str) -> Change:
        return cls(path, None)


@dataclass(frozen=True)
class CommitInfo:
    """What a write produced."""

    commit_id: str
    branch: str
    parent_ids: tuple[str, ...]
    author: Author
    time: datetime
    message: str
    operation: str
    request_id: str
    paths: tuple[str, ...]
    etags: Mapping[str, str | None]  # path -> new blob id (None when deleted)
    # path -> its version number on the branch after this commit (what list_versions would
    # number it), known from the index at write time so callers need not query history
    versions: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Version:
    """One entry in the history of a path on a branch (newest first in listings)."""

    number: int  # 1 = first version of the path on this branch's history
    commit_id: str
    author: Author
    time: datetime
    message: str
    operation: str
    request_id: str
    etag: str | None  # blob id; None when this version deleted the document
    tags: tuple[str, ...] = ()
    current: bool = False

    @property
    def deleted(self) -> bool:
        return self.etag is None


@dataclass(frozen=True)
class Document:
    """A stored document as read: decrypted text/data when the store holds the key."""

    path: str
    text: str
    data: dict[str, Any]
    etag: str  # blob id in git; pass it back as an ``expected`` precondition
    commit_id: str  # the commit the read resolved to
    encrypted: bool = False  # True when Secret values could not be decrypted (no key)
    version: Version | None = None


@dataclass(frozen=True)
class LogEntry:
    """One commit of a branch's first-parent history, with the paths it changed there."""

    commit_id: str
    author: Author
    time: datetime
    message: str
    operation: str
    request_id: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class TagInfo:
    name: str
    commit_id: str
    annotated: bool
    message: str = ""
    tagger: Author | None = None
    time: datetime | None = None


@dataclass(frozen=True)
class RefOwner:
    """Who made a branch or tag, and whether it is protected (deleting it takes more than the
    right to delete refs; the store records this, its user decides what it requires)."""

    author: Author
    protected: bool = False


@dataclass(frozen=True)
class BranchInfo:
    name: str
    head: str
    ahead: int  # commits on this branch not on the base branch
    behind: int  # commits on the base branch not on this branch


@dataclass(frozen=True)
class FieldChange:
    """One field-level difference; ``redacted`` hides Secret values (old/new are then None)."""

    path: str
    change: Literal["added", "modified", "deleted"]
    old: Any = None
    new: Any = None
    redacted: bool = False


@dataclass(frozen=True)
class FieldDiff:
    changes: tuple[FieldChange, ...]

    @property
    def summary(self) -> dict[str, int]:
        counts = {"added": 0, "modified": 0, "deleted": 0}
        for change in self.changes:
            counts[change.change] += 1
        return counts


@dataclass(frozen=True)
class DocumentDiff:
    """A unified text diff plus the field diff of the parsed documents."""

    path: str
    unified: str
    fields: FieldDiff


@dataclass(frozen=True)
class MergeConflictItem:
    """Both sides changed ``field`` of ``path`` differently (``field`` '' = whole document)."""

    path: str
    field: str
    base: Any
    ours: Any
    theirs: Any
    redacted: bool = False


@dataclass(frozen=True)
class MergePlan:
    """The result of computing a merge of ``source`` into ``target`` without committing.

    ``documents`` maps each path the merge changes on the target to its merged content
    (decrypted; ``None`` = delete). Apply them, then call ``Store.commit_merge`` with the
    plan (optionally only the applied paths).
    """

    source: str
    target: str
    source_head: str
    target_head: str | None
    base: str | None
    fast_forward: bool
    up_to_date: bool
    documents: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    conflicts: tuple[MergeConflictItem, ...] = ()


@dataclass(frozen=True)
class BackupManifest:
    """Describes one encrypted bundle file; stored next to it as JSON."""

    backup_id: str
    created: datetime
    refs: dict[str, str]
    prerequisites: tuple[str, ...]
    base: str | None
    sha256: str
    size: int
    object_count: int
    # Commits the bundle holds; counted by verify_backup, 0 in manifests read otherwise.
    commit_count: int = field(default=0, compare=False)


@dataclass(frozen=True)
class RestoreResult:
    """ref name in the backup -> ref name it was restored to (may be ``restore/<id>/...``)."""

    backup_id: str
    refs: dict[str, str]
