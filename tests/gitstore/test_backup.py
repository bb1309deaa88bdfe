from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitstore import Change, NotFound, Precondition, Store
from gitstore.backup import BackupCorrupt

from .conftest import ALICE, API, DB_SECRET, DEPLOYMENT, NODE, SECRET, deployment, git


def _populate(store: Store) -> None:
    store.commit([Change.put(API, DEPLOYMENT), Change.put(DB_SECRET, SECRET)], author=ALICE)
    store.create_tag("v1", message="release 1")
    store.create_branch("draft")
    store.commit([Change.put(NODE, {"kind": "Node"})], author=ALICE, branch="draft")


def test_full_backup_verify_and_restore_into_new_store(store: Store, key, tmp_path: Path) -> None:
    _populate(store)
    backups = tmp_path / "backups"
    manifest = store.create_backup(backups)
    assert set(manifest.refs) == {"refs/heads/main", "refs/heads/draft", "refs/tags/v1"}
    assert manifest.base is None and manifest.object_count > 0
    raw = (backups / f"{manifest.backup_id}.bundle.enc").read_bytes()
    assert b"git bundle" not in raw and b"super-secret" not in raw  # encrypted
    on_disk = json.loads((backups / f"{manifest.backup_id}.json").read_text())
    assert on_disk["sha256"] == manifest.sha256
    assert store.verify_backup(backups, manifest.backup_id) == manifest
    assert [m.backup_id for m in Store.list_backups(backups)] == [manifest.backup_id]

    fresh = Store.open(tmp_path / "restored.git", key=key)
    result = fresh.restore_backup(backups, manifest.backup_id)
    assert result.refs["refs/heads/main"] == "refs/heads/main"
    assert fresh.read(DB_SECRET).data == SECRET
    assert fresh.read(NODE, ref="draft").data == {"kind": "Node"}
    assert fresh.list_tags()[0].message == "release 1"
    assert [v.number for v in fresh.list_versions(API)[0]] == [1]
    assert git(fresh.path, "fsck", "--strict").returncode == 0
    fresh.close()


def test_tampered_backup_fails_verification(store: Store, tmp_path: Path) -> None:
    _populate(store)
    backups = tmp_path / "backups"
    m = store.create_backup(backups)
    path = backups / f"{m.backup_id}.bundle.enc"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(BackupCorrupt, match="sha256"):
        store.verify_backup(backups, m.backup_id)
    # also fix up the manifest hash: authentication must still catch it
    import hashlib
    manifest = json.loads((backups / f"{m.backup_id}.json").read_text())
    manifest["sha256"] = hashlib.sha256(bytes(data)).hexdigest()
    (backups / f"{m.backup_id}.json").write_text(json.dumps(manifest))
    with pytest.raises(BackupCorrupt, match="cannot be read"):
        store.verify_backup(backups, m.backup_id)


def test_incremental_backup_and_chain_restore(store: Store, key, tmp_path: Path) -> None:
    _populate(store)
    backups = tmp_path / "backups"
    full = store.create_backup(backups, refs=["main"])
    store.commit([Change.put(API, deployment(replicas=9))], author=ALICE)
    inc = store.create_backup(backups, refs=["main"], since=full.backup_id)
    assert inc.base == full.backup_id and inc.prerequisites
    assert inc.object_count == 8  # only the new commit, its 6 trees on the path and 1 blob
    store.verify_backup(backups, inc.backup_id)
    fresh = Store.open(tmp_path / "r.git", key=key)
    fresh.restore_backup(backups, inc.backup_id)
    assert fresh.read(API).data == deployment(replicas=9)
    assert [v.number for v in fresh.list_versions(API)[0]] == [2, 1]
    fresh.close()
    with pytest.raises(Precondition):
        Store.delete_backup(backups, full.backup_id)  # the incremental depends on it
    Store.delete_backup(backups, inc.backup_id)
    Store.delete_backup(backups, full.backup_id)
    assert Store.list_backups(backups) == []
    with pytest.raises(NotFound):
        store.verify_backup(backups, full.backup_id)


def test_restore_into_same_store_never_loses_commits(store: Store, tmp_path: Path) -> None:
    _populate(store)
    backups = tmp_path / "backups"
    m = store.create_backup(backups, refs=["main"])
    newer = store.commit([Change.put(API, deployment(replicas=3))], author=ALICE)
    result = store.restore_backup(backups, m.backup_id)
    # main has commits the backup lacks, and the backup is an ancestor: nothing moves
    assert store.resolve("main") == newer.commit_id
    assert result.refs["refs/heads/main"] == f"refs/heads/restore/{m.backup_id}/main"
    assert store.resolve(f"restore/{m.backup_id}/main") == m.refs["refs/heads/main"]


def test_restore_fast_forwards_when_target_is_behind(store: Store, key, tmp_path: Path) -> None:
    store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    backups = tmp_path / "backups"
    first = store.create_backup(backups)
    other = Store.open(tmp_path / "other.git", key=key)
    other.restore_backup(backups, first.backup_id)
    store.commit([Change.put(API, deployment(replicas=8))], author=ALICE)
    second = store.create_backup(backups, since=first.backup_id)
    result = other.restore_backup(backups, second.backup_id)
    assert result.refs["refs/heads/main"] == "refs/heads/main"
    assert other.read(API).data == deployment(replicas=8)
    other.close()
