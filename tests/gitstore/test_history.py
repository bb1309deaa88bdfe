from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from gitstore import Change, NotFound, Store
from gitstore.store import META_DIR

from .conftest import ALICE, API, BOB, DEPLOYMENT, NODE, deployment


def _five_versions(store: Store) -> list[str]:
    ids = []
    for i in range(5):
        info = store.commit([Change.put(API, deployment(replicas=i))], author=ALICE if i % 2 else BOB,
                            message=f"replicas {i}", request_id=f"r{i}")
        ids.append(info.commit_id)
        store.commit([Change.put(NODE, {"kind": "Node", "n": i})], author=ALICE)  # noise
    return ids


def test_versions_newest_first_with_numbers_and_current(store: Store) -> None:
    ids = _five_versions(store)
    versions, token = store.list_versions(API)
    assert token is None
    assert [v.number for v in versions] == [5, 4, 3, 2, 1]
    assert [v.commit_id for v in versions] == ids[::-1]
    assert [v.current for v in versions] == [True, False, False, False, False]
    assert versions[0].message == "replicas 4" and versions[0].request_id == "r4"
    assert versions[0].author == BOB and versions[1].author == ALICE
    assert versions[0].operation == "apply"
    assert versions[0].etag == store.read(API).etag


def test_versions_pagination(store: Store) -> None:
    ids = _five_versions(store)
    page1, token = store.list_versions(API, page_size=2)
    page2, token2 = store.list_versions(API, page_size=2, page_token=token)
    page3, token3 = store.list_versions(API, page_size=2, page_token=token2)
    assert [v.number for v in page1 + page2 + page3] == [5, 4, 3, 2, 1]
    assert token3 is None
    # a new commit does not shift the pages already handed out
    store.commit([Change.put(API, deployment(replicas=9))], author=ALICE)
    again, _ = store.list_versions(API, page_size=2, page_token=token)
    assert [v.commit_id for v in again] == [ids[2], ids[1]]


def test_versions_include_deletion_and_tags(store: Store) -> None:
    store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    store.create_tag("v1", message="first release", tagger=BOB)
    store.create_tag("light")
    store.commit([Change.delete(API)], author=ALICE, operation="delete")
    versions, _ = store.list_versions(API)
    assert versions[0].deleted and versions[0].operation == "delete" and not versions[0].current
    assert versions[1].tags == ("light", "v1")
    # history up to a tag
    at_tag, _ = store.list_versions(API, ref="v1")
    assert [v.number for v in at_tag] == [1] and at_tag[0].current


def test_get_version_by_number_commit_and_tag(store: Store) -> None:
    ids = _five_versions(store)
    store.create_tag("three", ref=ids[2])
    assert store.get_version(API, version=2).data == deployment(replicas=1)
    by_commit = store.get_version(API, commit=ids[3])
    assert by_commit.data == deployment(replicas=3) and by_commit.version.number == 4
    by_tag = store.get_version(API, tag="three")
    assert by_tag.version.number == 3 and not by_tag.version.current
    assert store.get_version(API, version=5).version.current


def test_log_filters(store: Store) -> None:
    t0 = datetime.now(timezone.utc) - timedelta(days=10)
    store.commit([Change.put(API, DEPLOYMENT)], author=ALICE, timestamp=int(t0.timestamp()),
                 operation="import")
    store.commit([Change.put(NODE, {"kind": "Node"})], author=BOB,
                 timestamp=int((t0 + timedelta(days=1)).timestamp()), operation="sync")
    store.commit([Change.put(API, deployment(replicas=7))], author=BOB,
                 timestamp=int((t0 + timedelta(days=2)).timestamp()))
    entries, _ = store.log()
    assert [e.operation for e in entries] == ["apply", "sync", "import"]
    assert [e.paths for e in store.log(prefix="clusters/prod/nodes")[0]] == [(NODE,)]
    assert len(store.log(prefix="clusters/prod/namespaces/web/")[0]) == 2
    assert [e.author for e in store.log(author="alice@example.com")[0]] == [ALICE]
    assert len(store.log(author="Bob")[0]) == 2
    window = store.log(since=t0 + timedelta(hours=12), until=t0 + timedelta(days=1, hours=12))[0]
    assert [e.operation for e in window] == ["sync"]
    assert [e.operation for e in store.log(operation="import")[0]] == ["import"]
    first, token = store.log(page_size=2)
    rest, end = store.log(page_size=2, page_token=token)
    assert len(first) == 2 and len(rest) == 1 and end is None
    assert store.log(prefix="clusters/none")[0] == []


def test_index_rebuilt_when_missing(store: Store, key, tmp_path) -> None:
    _five_versions(store)
    store.create_branch("draft")
    store.commit([Change.put(API, deployment(image="x:1"))], author=ALICE, branch="draft")
    expected = store.list_versions(API)[0]
    store.close()
    for f in (store.path / META_DIR).glob("index.sqlite*"):
        f.unlink()
    reopened = Store.open(store.path, key=key)
    assert reopened.list_versions(API)[0] == expected
    assert [v.number for v in reopened.list_versions(API, ref="draft")[0]] == [6, 5, 4, 3, 2, 1]
    reopened.close()


def test_index_catches_up_with_commits_made_by_git(store: Store, tmp_path) -> None:
    """A commit pushed by plain git (not through the store) shows up in the history."""
    store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    work = tmp_path / "clone"
    import subprocess
    subprocess.run(["git", "clone", "-q", str(store.path), str(work)], check=True)
    (work / API).write_text("kind: Deployment\nmetadata:\n  name: api\n")
    env = ["-c", "user.name=Git User", "-c", "user.email=git@example.com"]
    subprocess.run(["git", "-C", str(work), *env, "commit", "-qam", "edit by hand"], check=True)
    subprocess.run(["git", "-C", str(work), "push", "-q", "origin", "main"], check=True)
    versions, _ = store.list_versions(API)
    assert [v.number for v in versions] == [2, 1]
    assert versions[0].author.email == "git@example.com" and versions[0].message == "edit by hand"
    assert versions[0].operation == "import"  # foreign commits carry no Operation trailer


def test_history_of_unknown_path(store: Store) -> None:
    store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    with pytest.raises(NotFound):
        store.list_versions(NODE)


def test_rollback_is_a_new_commit(store: Store) -> None:
    ids = _five_versions(store)
    store.create_tag("good", ref=ids[1])
    info = store.rollback(API, 2, author=BOB, request_id="rb-1")
    assert info.operation == "rollback" and info.parent_ids == (store.log()[0][1].commit_id,)
    assert store.read(API).data == deployment(replicas=1)
    versions, _ = store.list_versions(API)
    assert [v.number for v in versions] == [6, 5, 4, 3, 2, 1]  # history kept, not rewritten
    assert versions[0].operation == "rollback" and versions[0].etag == versions[4].etag
    assert store.rollback(API, "good", author=BOB) is None  # already that content
    store.rollback(API, ids[0], author=BOB)
    assert store.read(API).data == deployment(replicas=0)


def test_rollback_to_a_deletion_and_back(store: Store) -> None:
    store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    store.commit([Change.delete(API)], author=ALICE, operation="delete")
    with pytest.raises(NotFound):
        store.read(API)
    store.rollback(API, 1, author=BOB)
    assert store.read(API).data == DEPLOYMENT
    store.rollback(API, 2, author=BOB)  # version 2 is the deletion
    assert not store.exists(API)


def test_version_listing_reads_the_index_not_the_commits(store: Store, monkeypatch) -> None:
    """History of a path must not walk git history: O(versions), not O(commits)."""
    _five_versions(store)

    def forbidden(*_args, **_kwargs):
        raise AssertionError("list_versions walked the repository")

    monkeypatch.setattr(store.repository, "commit_object", forbidden)
    monkeypatch.setattr(type(store.repository.repo), "get_walker", forbidden)
    assert [v.number for v in store.list_versions(API)[0]] == [5, 4, 3, 2, 1]
    assert len(store.log(prefix="clusters/prod/nodes")[0]) == 5
