"""Pieces every part of the versions domain shares: refs and names as callers write them, reading
the store without exceptions for absence, and per-resource write locks."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from contextlib import asynccontextmanager
from typing import AsyncIterator, Iterable

from gitstore import Document, Store, check_ref_name
from gitstore import InvalidArgument as StoreInvalidArgument
from server.errors import InvalidArgument
from server.names import ResourceName

MAIN = "main"
_SHA = re.compile(r"^[0-9a-f]{40}$")


def is_commit_id(text: str) -> bool:
    return bool(_SHA.match(text))


def ref_name(name: str, field: str, kind: str) -> str:
    """`name` when git's ref name rules accept it as a branch or tag name (gitstore.check_ref_name);
    INVALID_ARGUMENT naming `field` otherwise (never a lookup that could wander: `../../HEAD`)."""
    try:
        return check_ref_name(name, kind)
    except StoreInvalidArgument as error:
        raise InvalidArgument.field(field, str(error), "INVALID_REF_NAME") from None


def branch_id(name: str, field: str) -> str:
    """`branches/{branch}` (or a bare branch id) -> the branch; branch ids may contain `/`."""
    branch = name.removeprefix("branches/")
    if not branch:
        raise InvalidArgument.field(field, f"{name!r} is not a branch name (branches/{{branch}})")
    return ref_name(branch, field, "branch")


def store_ref(text: str, field: str) -> str:
    """A revision as callers write it -> a ref the store resolves: `branches/x`, `tags/x`,
    `commits/{sha}`, or bare branch, tag and commit ids."""
    if text.startswith("branches/"):
        return branch_id(text, field)
    if text.startswith("tags/"):
        return "refs/tags/" + ref_name(text.removeprefix("tags/"), field, "tag")
    if text.startswith("commits/"):
        return text.removeprefix("commits/")
    if not text:
        raise InvalidArgument.field(field, "a revision is required")
    return text if is_commit_id(text) else ref_name(text, field, "revision")


def resource_at(path: str) -> ResourceName | None:
    """The resource a store path holds; None for kubecommit's own files (cluster registrations)."""
    try:
        return ResourceName.from_store_path(path)
    except InvalidArgument:
        return None


def path_scope(path: str) -> tuple[str, str]:
    """(cluster, namespace) a store path belongs to, for scope checks: `""` for a cluster-level
    file (the cluster's registration, its default exec policy) or one outside `clusters/`."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "clusters":
        return "", ""
    namespaced = len(parts) > 4 and parts[2] == "namespaces"
    return parts[1], parts[3] if namespaced else ""


def read_stored(store: Store, path: str, ref: str | None = None) -> Document | None:
    """The document at `path`, or None when it does not exist there."""
    return store.read_if_exists(path, ref)


def version_count(store: Store, path: str, ref: str | None = None) -> int:
    """How many versions `path` has on a branch (its current version number)."""
    versions, _ = store.list_versions(path, ref, page_size=1)
    return versions[0].number


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
