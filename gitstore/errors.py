"""Typed errors of the store.

Every error names its ``subject`` (the path, ref, field or argument at fault) so a server can
put it in ``google.rpc.BadRequest``/``ErrorInfo`` without parsing messages, and a ``reason``
(UPPER_SNAKE_CASE) usable as ``ErrorInfo.reason``. Suggested status mapping:
InvalidArgument (and its InvalidPath/InvalidDocument) -> INVALID_ARGUMENT, NotFound -> NOT_FOUND,
AlreadyExists -> ALREADY_EXISTS,
Precondition/MergeConflict -> FAILED_PRECONDITION, Conflict -> ABORTED.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import MergeConflictItem


class GitStoreError(Exception):
    """Base class: ``subject`` names what is wrong, ``str(err)`` says why."""

    reason = "GITSTORE_ERROR"

    def __init__(self, message: str, *, subject: str = "") -> None:
        super().__init__(message)
        self.subject = subject


class InvalidArgument(GitStoreError):
    """A request argument is malformed (page token, page size, ref name, operation...)."""

    reason = "INVALID_ARGUMENT"


class InvalidPath(InvalidArgument):
    """A path or prefix escapes the layout (``..``, absolute, empty segment, bad characters)."""

    reason = "INVALID_PATH"


class InvalidDocument(InvalidArgument):
    """Content is not exactly one YAML mapping, or is too large."""

    reason = "INVALID_DOCUMENT"


class NotFound(GitStoreError):
    """A path, branch, tag, commit or backup does not exist."""

    reason = "NOT_FOUND"


class AlreadyExists(GitStoreError):
    """A tag, branch or backup of that name already exists."""

    reason = "ALREADY_EXISTS"


class Precondition(GitStoreError):
    """The request cannot be served in the store's current state (e.g. deleting main)."""

    reason = "FAILED_PRECONDITION"


class Conflict(GitStoreError):
    """An optimistic-concurrency expectation failed; ``current`` is the value now in the store
    (a blob id for a path, a commit id for a branch head, ``None`` when absent)."""

    reason = "ETAG_MISMATCH"

    def __init__(self, message: str, *, subject: str, current: str | None) -> None:
        super().__init__(message, subject=subject)
        self.current = current


class MergeConflict(GitStoreError):
    """A merge touches the same fields differently on both sides; nothing was committed."""

    reason = "MERGE_CONFLICT"

    def __init__(self, message: str, *, subject: str, conflicts: Sequence[MergeConflictItem]) -> None:
        super().__init__(message, subject=subject)
        self.conflicts = list(conflicts)
