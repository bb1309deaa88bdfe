"""The one async adapter over the versioned store (gitstore is synchronous: dulwich and SQLite).

It is the only place store work leaves the event loop (`await storage.run(fn, ...)` runs `fn` in
a worker thread; `push`/`fetch` do the same for mirroring and replication) and the only place store errors become domain errors (server/errors.py): code
running in that thread reads and writes through `storage.sync`, a view of the store whose every
call raises `server.errors` instead of `gitstore` errors, so domain code and the request
interceptor know one error family.

    doc = await storage.run(storage.sync.read_if_exists, path)          # one call
    info = await storage.run(lambda: [storage.sync.read(p) for p in paths])  # several, one hop
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

from gitstore import Author, BackupCorrupt, GitStoreError, InvalidPath, Store, StoreKey, validate_path
from server.errors import from_store_error

# The reason a damaged or unreadable backup is refused with (FAILED_PRECONDITION).
BACKUP_CORRUPT = BackupCorrupt.reason
P = ParamSpec("P")
T = TypeVar("T")


def _translating(method: Callable[P, T]) -> Callable[P, T]:
    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        except GitStoreError as error:
            raise from_store_error(error) from error
    return call


class _DomainErrorsStore:
    """The store's methods, raising server.errors (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        return _translating(attr) if callable(attr) else attr


class Storage:
    def __init__(self, store: Store) -> None:
        # The store itself, for the infrastructure that works on the repository as a whole
        # (mirroring to a git remote, replication, change listeners): not for domain code.
        self.store = store
        # Same methods as Store (a typed view), every store error already a domain error.
        self.sync = cast(Store, _DomainErrorsStore(store))

    @classmethod
    async def open(cls, path: Any, *, key: StoreKey, committer: Author) -> Storage:
        return cls(await asyncio.to_thread(_translating(Store.open), path, key=key, committer=committer))

    async def run(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`work(*args, **kwargs)` in a worker thread; a store error escaping it (work that used
        the raw store) is translated too."""
        return await asyncio.to_thread(_translating(work), *args, **kwargs)

    async def push(self, url: str) -> None:
        """Pushes the repository to the git remote `url` in a worker thread (the mirror). A failure
        stays gitstore's `RemoteError`: replication decides what it means, no caller sees it."""
        await asyncio.to_thread(self.store.push, url)

    async def fetch(self, url: str) -> None:
        """Fetches the git remote `url` into the repository in a worker thread (replicas);
        `RemoteError` as for `push`."""
        await asyncio.to_thread(self.store.fetch, url)

    async def close(self) -> None:
        await asyncio.to_thread(self.store.close)


def invalid_path(path: str) -> str | None:
    """Why the store would refuse `path` as a document path (None when it is fine)."""
    try:
        validate_path(path)
    except InvalidPath as error:
        return str(error)
    return None
