"""Backups: encrypted, compressed git bundles with a JSON manifest beside each.

A backup ``<id>`` is two files in the backup directory:
- ``<id>.bundle.enc``: a git bundle (v2) of the chosen refs, zlib-compressed, then encrypted
  with the store key (AES-256-GCM, the backup id and format as associated data);
- ``<id>.json``: the manifest: refs and their commit/tag ids, prerequisites, base backup,
  sha256 and size of the encrypted file, object count, creation time.

An incremental backup (``since=<earlier id>``) leaves out every object reachable from the
earlier backup's refs, which become the bundle's prerequisites; restoring it restores its
chain of bases first. Restoring never loses commits that exist only in the target: a ref is
created if absent, fast-forwarded if the backup is ahead, and otherwise restored beside it as
``restore/<id>/<name>``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import secrets as _random
import zlib
from datetime import datetime, timezone
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from contextlib import AbstractContextManager
from typing import Callable, Protocol

from dulwich.bundle import Bundle, read_bundle, write_bundle
from dulwich.errors import ChecksumMismatch
from dulwich.graph import can_fast_forward
from dulwich.objects import Commit
from dulwich.object_format import ObjectFormat
from dulwich.pack import PackData, PackInflater, UnpackedObject
from dulwich.refs import check_ref_format
from dulwich.repo import Repo

from .crypto import DecryptionError, StoreKey
from .errors import AlreadyExists, InvalidArgument, NotFound, Precondition
from .models import BackupManifest, RefOwner, RestoreResult



class _Lock(Protocol):
    def hold(self) -> AbstractContextManager[None]: ...


class BackupSource(Protocol):
    """What backups need of a store (:class:`gitstore.repository.Repository` provides it):
    its key, the writer lock, the dulwich repository, commit lookup and reindexing."""

    lock: _Lock

    @property
    def repo(self) -> Repo: ...

    def require_key(self) -> StoreKey: ...

    def reopen(self) -> Repo: ...

    def commit_object(self, sha: bytes) -> Commit: ...

    def ref_value(self, ref: bytes) -> bytes | None: ...

    def record_owner(self, ref: bytes, owner: RefOwner | None) -> None: ...

    def reindex(self) -> None: ...

# Told (stage, done, total) as a backup is made, checked or restored, so a caller can show how
# far the work is: `pack` (objects read into the bundle), `verify` (objects inflated and checked),
# `restore` (objects added to the store). `total` is known before the first call of a stage.
BackupProgress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    """The default: nobody is watching."""


FORMAT = "kubecommit-backup-1"
BUNDLE_SUFFIX = ".bundle.enc"
MANIFEST_SUFFIX = ".json"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")


class BackupCorrupt(Precondition):
    """The backup file does not match its manifest, fails authentication or does not parse."""

    reason = "BACKUP_CORRUPT"


class _ObjectList:
    """In-memory pack data for ``write_bundle`` (dulwich's PackDataLike protocol)."""

    def __init__(self, objects: list[UnpackedObject], object_format: ObjectFormat) -> None:
        self._objects = objects
        self.object_format = object_format

    def __len__(self) -> int:
        return len(self._objects)

    def iter_unpacked(self) -> Iterator[UnpackedObject]:
        return iter(self._objects)

    def close(self) -> None:
        self._objects = []


def _files(backup_dir: Path, backup_id: str) -> tuple[Path, Path]:
    if not backup_id or "/" in backup_id or backup_id.startswith("."):
        raise NotFound(f"{backup_id!r} is not a backup id", subject=backup_id)
    return backup_dir / (backup_id + BUNDLE_SUFFIX), backup_dir / (backup_id + MANIFEST_SUFFIX)


def _aad(backup_id: str) -> bytes:
    return f"{FORMAT}\x00{backup_id}".encode()


def load_manifest(backup_dir: Path, backup_id: str) -> BackupManifest:
    _, manifest_path = _files(backup_dir, backup_id)
    try:
        raw = json.loads(manifest_path.read_text())
    except FileNotFoundError:
        raise NotFound(f"backup {backup_id!r} not found in {backup_dir}", subject=backup_id) from None
    except ValueError as exc:
        raise BackupCorrupt(f"manifest of {backup_id!r} is not JSON", subject=backup_id) from exc
    return BackupManifest(
        backup_id=raw["backup_id"], created=datetime.fromisoformat(raw["created"]),
        refs=dict(raw["refs"]), prerequisites=tuple(raw["prerequisites"]), base=raw["base"],
        sha256=raw["sha256"], size=raw["size"], object_count=raw["object_count"],
    )


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _full_refs(store: BackupSource, names: list[str] | None) -> dict[bytes, bytes]:
    """Ref values to back up: all branches and tags, or the named ones (short or full)."""
    all_refs = {r: v for r, v in store.repo.get_refs().items()
                if r.startswith((b"refs/heads/", b"refs/tags/"))}
    if names is None:
        return all_refs
    chosen = {}
    for name in names:
        for candidate in (name.encode(), b"refs/heads/" + name.encode(), b"refs/tags/" + name.encode()):
            if candidate in all_refs:
                chosen[candidate] = all_refs[candidate]
                break
        else:
            raise NotFound(f"no branch or tag named {name!r}", subject=name)
    return chosen


def create_backup(store: BackupSource, dest_dir: Path, *, refs: list[str] | None = None,
                  since: str | None = None, backup_id: str | None = None,
                  progress: BackupProgress = no_progress) -> BackupManifest:
    """Write a full backup of ``refs`` (default: all branches and tags), or an incremental
    one holding only what is new since backup ``since`` in the same directory. ``backup_id``
    names it (default: creation time plus a random suffix). ``progress`` hears of every object
    packed (stage `pack`, out of the manifest's object_count)."""
    key = store.require_key()
    if backup_id is not None and not _ID.fullmatch(backup_id):
        raise InvalidArgument(f"backup id {backup_id!r} must match {_ID.pattern}", subject="backup_id")
    dest_dir.mkdir(parents=True, exist_ok=True)
    base = load_manifest(dest_dir, since) if since else None
    with store.lock.hold():  # a consistent snapshot of the refs
        wanted = _full_refs(store, list(refs) if refs is not None else None)
    prerequisites: set[bytes] = set()
    if base is not None:
        for value in base.refs.values():
            commit = store.commit_object(value.encode()).id
            prerequisites.add(commit)
    count, objects = store.repo.generate_pack_data(
        have=prerequisites, want=set(wanted.values()), ofs_delta=True)
    packed = []
    progress("pack", 0, count)
    for packed_object in objects:  # reading each object (and its delta) is the work measured
        packed.append(packed_object)
        progress("pack", len(packed), count)
    bundle = Bundle()
    bundle.version = 2
    bundle.capabilities = {}
    bundle.prerequisites = [(p, b"") for p in sorted(prerequisites)]
    bundle.references = dict(sorted(wanted.items()))
    bundle.pack_data = _ObjectList(packed, store.repo.object_format)
    object_count = len(bundle.pack_data)
    raw = BytesIO()
    write_bundle(raw, bundle)
    bundle.close()
    created = datetime.now(timezone.utc)
    backup_id = backup_id or created.strftime("%Y%m%dT%H%M%SZ") + "-" + _random.token_hex(4)
    sealed = key.encrypt(zlib.compress(raw.getvalue(), 6), _aad(backup_id))
    bundle_path, manifest_path = _files(dest_dir, backup_id)
    if bundle_path.exists():
        raise AlreadyExists(f"backup {backup_id!r} exists", subject=backup_id)
    _write_atomic(bundle_path, sealed)
    manifest = BackupManifest(
        backup_id=backup_id, created=created,
        refs={r.decode(): v.decode() for r, v in sorted(wanted.items())},
        prerequisites=tuple(p.decode() for p in sorted(prerequisites)), base=since,
        sha256=hashlib.sha256(sealed).hexdigest(), size=len(sealed),
        object_count=object_count,
    )
    _write_atomic(manifest_path, json.dumps({
        "format": FORMAT, "backup_id": backup_id, "created": created.isoformat(),
        "refs": manifest.refs, "prerequisites": list(manifest.prerequisites), "base": since,
        "sha256": manifest.sha256, "size": manifest.size, "object_count": object_count,
        "key_fingerprint": key.fingerprint,
    }, indent=2).encode())
    return manifest


def _open_bundle(key: StoreKey, backup_dir: Path, manifest: BackupManifest) -> Bundle:
    """Check the file against the manifest, decrypt and parse it (the caller closes it)."""
    bundle_path, _ = _files(backup_dir, manifest.backup_id)
    try:
        sealed = bundle_path.read_bytes()
    except FileNotFoundError:
        raise BackupCorrupt(f"bundle of {manifest.backup_id!r} is missing",
                            subject=manifest.backup_id) from None
    if len(sealed) != manifest.size or hashlib.sha256(sealed).hexdigest() != manifest.sha256:
        raise BackupCorrupt(f"{bundle_path.name} does not match its manifest's sha256",
                            subject=manifest.backup_id)
    try:
        raw = zlib.decompress(key.decrypt(sealed, _aad(manifest.backup_id)))
        bundle = read_bundle(BytesIO(raw))
    except (DecryptionError, zlib.error, AssertionError, ValueError) as exc:
        raise BackupCorrupt(f"{bundle_path.name} cannot be read: {exc}",
                            subject=manifest.backup_id) from exc
    refs = {r.decode(): v.decode() for r, v in bundle.references.items()}
    if refs != manifest.refs:
        bundle.close()
        raise BackupCorrupt("bundle refs differ from the manifest", subject=manifest.backup_id)
    return bundle


def _chain(backup_dir: Path, backup_id: str) -> list[BackupManifest]:
    """The backup and its bases, oldest first."""
    chain = [load_manifest(backup_dir, backup_id)]
    while chain[-1].base:
        chain.append(load_manifest(backup_dir, chain[-1].base))
    return chain[::-1]


def verify_backup(key: StoreKey, backup_dir: Path, backup_id: str, progress: BackupProgress = no_progress) -> BackupManifest:
    """Check a backup and its bases without restoring: sha256, authentication, bundle
    structure, pack checksum and that every object inflates. Raises BackupCorrupt. The
    manifest returned counts the commits of the backup itself (not its bases). ``progress``
    hears of every object inflated (stage `verify`, out of the chain's object counts)."""
    commits = 0
    chain = _chain(backup_dir, backup_id)
    total, done = sum(m.object_count for m in chain), 0
    progress("verify", 0, total)
    for manifest in chain:
        bundle = _open_bundle(key, backup_dir, manifest)
        try:
            pack = bundle.pack_data
            assert isinstance(pack, PackData)
            pack.check()
            types = []
            for obj in PackInflater.for_pack_data(pack):
                types.append(obj.type_num)
                done += 1
                progress("verify", min(done, total), total)
            inflated, commits = len(types), types.count(Commit.type_num)
        except (ChecksumMismatch, KeyError, zlib.error, AssertionError) as exc:
            raise BackupCorrupt(f"pack of {manifest.backup_id!r} is damaged: {exc}",
                                subject=manifest.backup_id) from exc
        finally:
            bundle.close()
        if inflated != manifest.object_count:
            raise BackupCorrupt(f"{manifest.backup_id!r} holds {inflated} objects, manifest says"
                                f" {manifest.object_count}", subject=manifest.backup_id)
    return dataclasses.replace(load_manifest(backup_dir, backup_id), commit_count=commits)


def restore_backup(store: BackupSource, backup_dir: Path, backup_id: str,
                   into: str | None = None, owner: RefOwner | None = None,
                   progress: BackupProgress = no_progress) -> RestoreResult:
    """Bring a backup's objects and refs into ``store`` without losing target-only commits.
    With ``into``, every ref lands beside the existing ones as ``{into}/<name>`` (branches
    under refs/heads, tags under refs/tags) and no existing ref moves. ``progress`` hears of
    the verification first (stage `verify`), then of the objects added (stage `restore`)."""
    key = store.require_key()
    chain = _chain(backup_dir, backup_id)
    verify_backup(key, backup_dir, backup_id, progress)
    total, done = sum(m.object_count for m in chain), 0
    with store.lock.hold():  # consolidation runs under this lock: the pack list read now holds
        object_store = store.reopen().object_store
        for manifest in chain:
            bundle = _open_bundle(key, backup_dir, manifest)
            try:
                missing = [p for p, _ in bundle.prerequisites if p not in object_store]
                if missing:
                    raise Precondition(f"restore base backup {manifest.base!r} first: missing"
                                       f" {missing[0].decode()}", subject=manifest.backup_id)
                assert isinstance(bundle.pack_data, PackData)
                progress("restore", done, total)
                object_store.add_objects(
                    [(obj, None) for obj in PackInflater.for_pack_data(bundle.pack_data)])
                done += manifest.object_count
                progress("restore", done, total)
            finally:
                bundle.close()
        restored: dict[str, str] = {}
        refs = store.repo.refs
        for name, value in chain[-1].refs.items():
            ref, new = name.encode(), value.encode()
            current = store.ref_value(ref)
            if into is not None:
                kind, short = name.removeprefix("refs/").split("/", 1)
                beside = f"refs/{kind}/{into}/{short}"
                # The same backup restored again under the same prefix finds its refs as it left them.
                if not check_ref_format(beside.encode()) or not (
                        refs.add_if_new(beside.encode(), new) or store.ref_value(beside.encode()) == new):
                    raise AlreadyExists(f"{beside} already exists or is not a valid ref", subject=beside)
                store.record_owner(beside.encode(), owner)
                restored[name] = beside
            elif current is None:
                refs.add_if_new(ref, new)
                store.record_owner(ref, owner)
                restored[name] = name
            elif current == new:
                restored[name] = name
            elif ref.startswith(b"refs/heads/") and can_fast_forward(store.repo, current, new):
                refs.set_if_equals(ref, current, new)
                restored[name] = name
            else:
                kind, short = name.removeprefix("refs/").split("/", 1)
                beside = f"refs/{kind}/restore/{backup_id}/{short}"
                if not refs.add_if_new(beside.encode(), new):
                    raise AlreadyExists(f"{beside} already exists", subject=beside)
                store.record_owner(beside.encode(), owner)
                restored[name] = beside
        store.reindex()
    return RestoreResult(backup_id=backup_id, refs=restored)


def list_backups(backup_dir: Path) -> list[BackupManifest]:
    """Every backup in the directory, oldest first."""
    if not backup_dir.is_dir():
        return []
    ids = [p.name[: -len(MANIFEST_SUFFIX)] for p in backup_dir.glob("*" + MANIFEST_SUFFIX)]
    return sorted((load_manifest(backup_dir, i) for i in ids), key=lambda m: m.created)


def delete_backup(backup_dir: Path, backup_id: str) -> None:
    """Delete a backup unless a later incremental backup is based on it."""
    load_manifest(backup_dir, backup_id)
    dependants = [m.backup_id for m in list_backups(backup_dir) if m.base == backup_id]
    if dependants:
        raise Precondition(f"backups {dependants} are incremental on {backup_id!r}; delete"
                           " them first", subject=backup_id)
    for path in _files(backup_dir, backup_id):
        path.unlink(missing_ok=True)
