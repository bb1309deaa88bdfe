"""Backups of the store: encrypted git bundles in `<data_dir>/backups`, full or incremental,
verified without restoring, restored into branches under `restore/{backup}/` so that nothing in
the store (least of all `main`, which mirrors the clusters) moves.

A bundle holds whole commits, and a commit holds every cluster's files: a backup restricted to
some clusters records that choice (and checks the clusters exist in the store), but its bundle
is the full history of the store's branches and tags. See docs/versions.md.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator, Awaitable, TypeVar

from gitstore import BackupManifest, BackupProgress as Progress, RefOwner, no_progress
from server import context, paging
from server.errors import FailedPrecondition, InvalidArgument, NotFound
from server.names import parse_cluster
from server.storage import BACKUP_CORRUPT, Storage
from server.versions.common import MAIN, branch_id

_META_SUFFIX = ".kubecommit"  # beside gitstore's <id>.json / <id>.bundle.enc


@dataclass
class BackupInfo:
    manifest: BackupManifest
    clusters: list[str] = field(default_factory=list)
    description: str = ""
    created_by: str = ""


T = TypeVar("T")


@dataclass(frozen=True)
class Step:
    """How far a backup operation is: `done` of `total` in `stage` (total 0: not known)."""
    stage: str
    done: int
    total: int


class ProgressFeed:
    """Progress told by gitstore in a storage thread, read by a coroutine as it happens.

    gitstore reports every object; a feed passes on the first and last report of a stage and one
    per whole percent between, so a stream carries at most ~100 steps a stage, whatever the size
    of the store, and the last step of a stage is always its `total`."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._steps: asyncio.Queue[Step] = asyncio.Queue()
        self._last: tuple[str, int] | None = None

    def report(self, stage: str, done: int, total: int) -> None:
        """Called from the storage thread (gitstore's Progress)."""
        mark = (stage, done * 100 // total if total else done)
        if mark == self._last and done != total:
            return
        self._last = mark
        self._loop.call_soon_threadsafe(self._steps.put_nowait, Step(stage, done, total))

    async def follow(self, work: Awaitable[T]) -> AsyncIterator[Step | T]:
        """The steps of `work` as they are reported, then its result (its error is raised after the
        steps reported before it)."""
        task = asyncio.ensure_future(work)
        try:
            while not task.done() or not self._steps.empty():
                getter = asyncio.ensure_future(self._steps.get())
                await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
                if getter.done():
                    yield getter.result()
                else:
                    getter.cancel()
            yield task.result()
        finally:
            task.cancel()


def backup_id(name: str, field_name: str = "name") -> str:
    value = name.removeprefix("backups/")
    if not value or "/" in value:
        raise InvalidArgument.field(field_name, f"{name!r} is not a backup name (backups/{{backup}})")
    return value


class Backups:
    def __init__(self, storage: Storage, directory: Path) -> None:
        self.storage = storage
        self.store = storage.sync
        self.directory = directory

    def _meta_path(self, backup: str) -> Path:
        return self.directory / (backup + _META_SUFFIX)

    def info(self, manifest: BackupManifest) -> BackupInfo:
        try:
            meta = json.loads(self._meta_path(manifest.backup_id).read_text())
        except FileNotFoundError:
            meta = {}
        return BackupInfo(manifest, list(meta.get("clusters", [])), meta.get("description", ""),
                          meta.get("created_by", ""))

    async def create(self, *, backup: str, clusters: list[str], base: str, description: str,
                     progress: Progress = no_progress) -> BackupInfo:
        ids = [parse_cluster(c, f"backup.clusters[{i}]") for i, c in enumerate(clusters)]
        since = backup_id(base, "backup.base_backup") if base else None
        caller = context.commit_author()

        def create() -> BackupInfo:
            for i, cluster in enumerate(ids):
                if not self.store.list_paths(f"clusters/{cluster}", MAIN):
                    raise NotFound(f"backup.clusters[{i}]: the store holds nothing for clusters/{cluster}",
                                   "UNKNOWN_CLUSTER", metadata={"cluster": cluster})
            manifest = self.store.create_backup(self.directory, since=since, backup_id=backup or None,
                                                progress=progress)
            info = BackupInfo(manifest, [f"clusters/{c}" for c in ids], description,
                              f"{caller.name} <{caller.email}>")
            self._meta_path(manifest.backup_id).write_text(json.dumps({
                "clusters": info.clusters, "description": description, "created_by": info.created_by}))
            return info
        return await self.storage.run(create)

    async def list(self, size: int, token: str) -> tuple[list[BackupInfo], str]:
        def read() -> list[BackupInfo]:
            return [self.info(m) for m in reversed(self.store.list_backups(self.directory))]
        return paging.offset_page(await self.storage.run(read), ("backups",), size, token)

    async def verify(self, name: str, progress: Progress = no_progress) -> tuple[bool, str, int]:
        """(valid, what is wrong, commits in the backup); an unknown backup is NOT_FOUND."""
        backup = backup_id(name)
        try:
            manifest = await self.storage.run(self.store.verify_backup, self.directory, backup, progress)
        except FailedPrecondition as error:
            if error.reason != BACKUP_CORRUPT:
                raise
            return False, error.message, 0
        return True, "", manifest.commit_count

    async def restore(self, name: str, prefix: str, progress: Progress = no_progress) -> dict[str, str]:
        """Restored ref (`refs/heads/main`) -> the branch (or tag) it was written to, under the prefix."""
        backup = backup_id(name)
        into = branch_id(prefix, "branch_prefix").rstrip("/") if prefix else f"restore/{backup}"
        # Restored refs are protected: only an admin deletes them (docs/security.md).
        owner = RefOwner(context.commit_author(), protected=True)
        result = await self.storage.run(self.store.restore_backup, self.directory, backup, into, owner, progress)
        return {ref: (("branches/" if target.startswith("refs/heads/") else "tags/")
                 + target.removeprefix("refs/heads/").removeprefix("refs/tags/"))
                for ref, target in result.refs.items()}

    async def delete(self, name: str) -> None:
        backup = backup_id(name)

        def delete() -> None:
            self.store.delete_backup(self.directory, backup)
            self._meta_path(backup).unlink(missing_ok=True)
        await self.storage.run(delete)
