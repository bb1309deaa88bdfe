"""Mirroring a store to a git remote (a bare repository on disk, the same protocol code as any
transport) and fetching it into another: branches and tags follow, deletions too, a remote
URL's credentials never reach an error message, and a process holding many descriptors still
fetches over the network."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitstore import Change, RefOwner, RemoteError, Store
from gitstore.remote import redact
from tests.gitstore.conftest import ALICE, API, DEPLOYMENT
from tests.support.descriptors import crowded
from tests.support.gitremote import GitDaemon


def remote_refs(bare: Path) -> dict[str, str]:
    out = subprocess.run(["git", "--git-dir", str(bare), "for-each-ref", "--format=%(refname) %(objectname)"],
                         check=True, capture_output=True, text=True).stdout
    return dict(line.split() for line in out.splitlines())


def test_push_makes_the_remote_equal_and_fetch_brings_it_back(tmp_path: Path) -> None:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    store = Store.open(tmp_path / "store")
    replica = Store.open(tmp_path / "replica")
    try:
        first = store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
        store.create_branch("draft", owner=RefOwner(ALICE, protected=True))
        store.create_tag("v1")
        assert first is not None
        pushed = store.push(str(bare))
        owner = pushed.pop("refs/owners/heads/draft")
        assert pushed == {"refs/heads/main": first.commit_id, "refs/heads/draft": first.commit_id,
                          "refs/tags/v1": first.commit_id}
        assert remote_refs(bare) == {**pushed, "refs/owners/heads/draft": owner}
        replica.fetch(str(bare))  # who made a branch (and whether it is protected) travels too
        assert replica.ref_owner("refs/heads/draft") == RefOwner(ALICE, protected=True)
        store.delete_branch("draft")
        second = store.commit([Change.put(API, {**DEPLOYMENT, "spec": {"replicas": 3}})], author=ALICE)
        assert second is not None
        store.push(str(bare))
        assert remote_refs(bare) == {"refs/heads/main": second.commit_id, "refs/tags/v1": first.commit_id}
        replica.fetch(str(bare))
        assert [v.commit_id for v in replica.list_versions(API)[0]] == [second.commit_id, first.commit_id]
    finally:
        store.close()
        replica.close()


def test_an_unreachable_remote_is_a_remote_error_without_credentials(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store")
    try:
        store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
        with pytest.raises(RemoteError) as failure:
            store.push("http://user:s3cret@127.0.0.1:9/store.git")
        assert "s3cret" not in str(failure.value) and "***@127.0.0.1:9" in str(failure.value)
    finally:
        store.close()


def test_redact_keeps_urls_without_credentials() -> None:
    assert redact("git://127.0.0.1:1/x.git") == "git://127.0.0.1:1/x.git"
    assert redact("https://token@example.com/x.git") == "https://***@example.com/x.git"


def test_a_remote_written_by_someone_else_is_never_overwritten(tmp_path: Path) -> None:
    """Two writers of one remote (an old leader that lost its lease): the second is refused."""
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    old, new = Store.open(tmp_path / "old"), Store.open(tmp_path / "new")
    try:
        old.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
        old.push(str(bare))
        new.fetch(str(bare))
        ahead = new.commit([Change.put(API, {**DEPLOYMENT, "spec": {"replicas": 5}})], author=ALICE)
        new.push(str(bare))
        old.commit([Change.put(API, {**DEPLOYMENT, "spec": {"replicas": 9}})], author=ALICE)
        with pytest.raises(RemoteError, match="lacks"):
            old.push(str(bare))
        assert ahead is not None and remote_refs(bare)["refs/heads/main"] == ahead.commit_id
    finally:
        old.close()
        new.close()



def test_a_fetch_that_negotiates_works_in_a_process_with_many_descriptors(tmp_path: Path) -> None:
    """A replica that already has commits fetches new ones over git:// (dulwich then asks whether
    the remote has more to say, with select() unless gitstore/remote.py replaced it)."""
    (tmp_path / "remote").mkdir()
    daemon = GitDaemon(tmp_path / "remote").start()
    store, replica = Store.open(tmp_path / "store"), Store.open(tmp_path / "replica")
    try:
        store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
        store.push(daemon.url)
        replica.fetch(daemon.url)
        second = store.commit([Change.put(API, {**DEPLOYMENT, "spec": {"replicas": 3}})], author=ALICE)
        assert second is not None
        store.push(daemon.url)
        with crowded():
            assert replica.fetch(daemon.url)["refs/heads/main"] == second.commit_id
        assert replica.list_versions(API)[0][0].commit_id == second.commit_id
    finally:
        store.close()
        replica.close()
        daemon.stop()
