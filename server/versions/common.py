"""Pieces every part of the versions domain shares: refs and names as callers write them, reading
the store without exceptions for absence, diffs, and per-resource write locks."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Iterable

from gitstore import (Document, DocumentDiff, Store, dump, field_diff, redact_pair,
                      unified_diff)
from server.errors import InvalidArgument
from server.names import ResourceName

MAIN = "main"
_SHA = re.compile(r"^[0-9a-f]{40}$")


def is_commit_id(text: str) -> bool:
    return bool(_SHA.match(text))


def branch_id(name: str, field: str) -> str:
    """`branches/{branch}` (or a bare branch id) -> the branch; branch ids may contain `/`."""
    branch = name.removeprefix("branches/")
    if not branch:
        raise InvalidArgument.field(field, f"{name!r} is not a branch name (branches/{{branch}})")
    return branch


def store_ref(text: str, field: str) -> str:
    """A revision as callers write it -> a ref the store resolves: `branches/x`, `tags/x`,
    `commits/{sha}`, or bare branch, tag and commit ids."""
    if text.startswith("branches/"):
        return branch_id(text, field)
    if text.startswith("tags/"):
        return "refs/tags/" + text.removeprefix("tags/")
    if text.startswith("commits/"):
        return text.removeprefix("commits/")
    if not text:
        raise InvalidArgument.field(field, "a revision is required")
    return text


def resource_at(path: str) -> ResourceName | None:
    """The resource a store path holds; None for kubecommit's own files (cluster registrations)."""
    try:
        return ResourceName.from_store_path(path)
    except InvalidArgument:
        return None


def read_stored(store: Store, path: str, ref: str | None = None) -> Document | None:
    """The document at `path`, or None when it does not exist there."""
    return store.read_if_exists(path, ref)


def version_count(store: Store, path: str, ref: str | None = None) -> int:
    """How many versions `path` has on a branch (its current version number)."""
    versions, _ = store.list_versions(path, ref, page_size=1)
    return versions[0].number


def document_diff(name: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> DocumentDiff:
    """Unified and field-level diff of two documents, either absent; Secret values redacted."""
    shown_old, shown_new = redact_pair(old, new)
    text = unified_diff(dump(shown_old) if shown_old is not None else "",
                        dump(shown_new) if shown_new is not None else "", f"a/{name}", f"b/{name}")
    return DocumentDiff(path=name, unified=text, fields=field_diff(old, new))


class PathLocks:
    """Per-resource write locks: the cluster write and its commit happen as one step for every
    kubecommit writer, so the store records changes in the order the cluster saw them."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: Counter[str] = Counter()

    @asynccontextmanager
    async def hold(self, paths: Iterable[str]) -> AsyncIterator[None]:
        ordered = sorted(set(paths))  # one global order: no deadlock between multi-path writers
        for path in ordered:
            self._users[path] += 1
            self._locks.setdefault(path, asyncio.Lock())
        held: list[asyncio.Lock] = []
        try:
            for path in ordered:
                await self._locks[path].acquire()
                held.append(self._locks[path])
            yield
        finally:
            for lock in reversed(held):
                lock.release()
            for path in ordered:
                self._users[path] -= 1
                if not self._users[path]:
                    del self._users[path], self._locks[path]
