"""Backup options the server relies on: a chosen id, restoring every ref under a prefix without
moving any existing ref, and the commit count verify reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitstore import AlreadyExists, Change, InvalidArgument, Store

from .conftest import ALICE, API, deployment


def test_chosen_id_prefix_restore_and_commit_count(store: Store, tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    store.commit([Change.put(API, deployment(image="web:1"))], author=ALICE)
    store.commit([Change.put(API, deployment(image="web:2"))], author=ALICE)
    manifest = store.create_backup(backups, backup_id="before-upgrade")
    assert manifest.backup_id == "before-upgrade"
    assert store.verify_backup(backups, "before-upgrade").commit_count == 2
    with pytest.raises(InvalidArgument):
        store.create_backup(backups, backup_id="../escape")

    head = store.resolve("main")
    store.commit([Change.put(API, deployment(image="web:3"))], author=ALICE)
    result = store.restore_backup(backups, "before-upgrade", into="restore/before-upgrade")
    assert result.refs == {"refs/heads/main": "refs/heads/restore/before-upgrade/main"}
    assert store.resolve("restore/before-upgrade/main") == head
    assert store.read(API).data == deployment(image="web:3")  # main did not move
    assert store.list_versions(API, "restore/before-upgrade/main")[0][0].number == 2
    # Restoring the same backup again under the same prefix finds its branch as it left it...
    assert store.restore_backup(backups, "before-upgrade", into="restore/before-upgrade").refs == result.refs
    # ...but never moves a branch that has moved since.
    store.commit([Change.put(API, deployment(image="web:4"))], author=ALICE, branch="restore/before-upgrade/main")
    with pytest.raises(AlreadyExists):
        store.restore_backup(backups, "before-upgrade", into="restore/before-upgrade")
