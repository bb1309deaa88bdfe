from __future__ import annotations

import pytest

from gitstore import Change, Conflict, NotFound, Store
from gitstore.history import parse_message

from .conftest import ALICE, API, DEPLOYMENT, NODE, deployment, git


def test_commit_and_read_back(store: Store) -> None:
    info = store.commit([Change.put(API, DEPLOYMENT)], author=ALICE, message="create api",
                        request_id="req-1")
    assert info is not None and info.paths == (API,) and info.parent_ids == ()
    doc = store.read(API)
    assert doc.data == DEPLOYMENT
    assert doc.etag == info.etags[API]
    assert doc.commit_id == info.commit_id
    assert store.read(API, ref=info.commit_id).data == DEPLOYMENT


def test_commit_author_committer_and_trailers(store: Store) -> None:
    info = store.commit([Change.put(API, DEPLOYMENT), Change.put(NODE, {"kind": "Node"})],
                        author=ALICE, message="two docs", operation="sync", request_id="r-9")
    raw = git(store.path, "cat-file", "commit", info.commit_id).stdout
    assert "author Alice <alice@example.com>" in raw
    assert "committer kubecommit <kubecommit@localhost>" in raw
    text, trailers = parse_message(git(store.path, "log", "-1", "--format=%B").stdout.encode())
    assert text == "two docs"
    assert trailers == {"Resource": [API, NODE], "Operation": ["sync"], "Request-Id": ["r-9"]}
    assert git(store.path, "log", "-1", "--format=%(trailers:key=Operation,valueonly)").stdout.strip() == "sync"


def test_multi_document_apply_is_one_commit(store: Store) -> None:
    paths = [f"clusters/prod/namespaces/web/configmaps/cm{i}.yaml" for i in range(5)]
    store.commit([Change.put(p, {"kind": "ConfigMap", "data": {"i": str(i)}})
                  for i, p in enumerate(paths)], author=ALICE)
    assert git(store.path, "rev-list", "--count", "main").stdout.strip() == "1"
    assert store.list_paths("clusters/prod/namespaces/web/configmaps") == sorted(paths)


def test_identical_write_makes_no_commit(store: Store) -> None:
    first = store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    reordered = dict(reversed(list(DEPLOYMENT.items())))
    assert store.commit([Change.put(API, reordered)], author=ALICE) is None
    text = store.read(API).text
    assert store.commit([Change.put(API, text)], author=ALICE) is None
    assert store.resolve("main") == first.commit_id


def test_delete_and_list_paths(store: Store) -> None:
    store.commit([Change.put(API, DEPLOYMENT), Change.put(NODE, {"kind": "Node"})], author=ALICE)
    assert store.list_paths() == [API, NODE]
    assert store.list_paths("clusters/prod/nodes/") == [NODE]
    store.commit([Change.delete(NODE)], author=ALICE, operation="delete")
    assert store.list_paths() == [API]
    with pytest.raises(NotFound) as err:
        store.read(NODE)
    assert err.value.subject == NODE
    with pytest.raises(NotFound):
        store.commit([Change.delete(NODE)], author=ALICE, operation="delete")
    # the deleted document is still readable in history
    assert store.get_version(NODE, version=1).data == {"kind": "Node"}


def test_etag_precondition(store: Store) -> None:
    v1 = store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    etag = v1.etags[API]
    v2 = store.commit([Change.put(API, deployment(image="nginx:2"))], author=ALICE,
                      expected={API: etag})
    with pytest.raises(Conflict) as err:
        store.commit([Change.put(API, deployment(image="nginx:3"))], author=ALICE,
                     expected={API: etag})
    assert err.value.subject == API and err.value.current == v2.etags[API]
    # the commit id of the current version is accepted as an etag too
    store.commit([Change.put(API, deployment(image="nginx:3"))], author=ALICE,
                 expected={API: v2.commit_id})
    # None means "must not exist yet"
    with pytest.raises(Conflict):
        store.commit([Change.put(API, deployment(image="nginx:4"))], author=ALICE,
                     expected={API: None})
    store.commit([Change.put(NODE, {"kind": "Node"})], author=ALICE, expected={NODE: None})
    assert store.read(API).data == deployment(image="nginx:3")


def test_expected_head_precondition(store: Store) -> None:
    v1 = store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    v2 = store.commit([Change.put(API, deployment(replicas=3))], author=ALICE,
                      expected_head=v1.commit_id)
    with pytest.raises(Conflict) as err:
        store.commit([Change.put(API, deployment(replicas=4))], author=ALICE,
                     expected_head=v1.commit_id)
    assert err.value.current == v2.commit_id and err.value.subject == "main"


def test_reopen_keeps_everything(tmp_path, key) -> None:
    with Store.open(tmp_path / "s.git", key=key) as s:
        s.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    with Store.open(tmp_path / "s.git", key=key) as s:
        assert s.read(API).data == DEPLOYMENT
        assert len(s.list_versions(API)[0]) == 1


def test_read_if_exists_reads_or_says_none(store: Store) -> None:
    assert store.read_if_exists(API) is None  # a new store reads as empty
    store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    doc = store.read_if_exists(API)
    assert doc is not None and doc == store.read(API)
    assert store.read_if_exists(NODE) is None
    store.create_branch("draft")
    assert store.read_if_exists(API, "draft") == store.read(API, "draft")
    with pytest.raises(NotFound):
        store.read_if_exists(API, "no-such-branch")


def test_commit_reports_the_version_numbers_list_versions_gives(store: Store) -> None:
    first = store.commit([Change.put(API, DEPLOYMENT), Change.put(NODE, {"kind": "Node"})],
                         author=ALICE)
    assert first.versions == {API: 1, NODE: 1}
    store.commit([Change.delete(NODE)], author=ALICE)
    again = store.commit([Change.put(NODE, {"kind": "Node"}), Change.put(API, DEPLOYMENT)],
                         author=ALICE)  # API unchanged: not in the commit
    assert again.versions == {NODE: 3}  # the deletion was version 2
    for path, number in again.versions.items():
        assert store.list_versions(path, page_size=1)[0][0].number == number
    store.create_branch("draft")
    on_draft = store.commit([Change.put(API, {"kind": "Deployment"})], author=ALICE, branch="draft")
    assert on_draft.versions == {API: 2}
    merged = store.commit_merge(store.compute_merge("draft"), author=ALICE)  # a fast-forward
    assert merged.versions == {API: 2}
