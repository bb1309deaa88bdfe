from __future__ import annotations

import pytest

from gitstore import Change, Conflict, MergeConflict, NotFound, Store, merge_documents

from .conftest import ALICE, API, BOB, DB_SECRET, DEPLOYMENT, NODE, SECRET, deployment, git


def _draft(store: Store) -> None:
    store.commit([Change.put(API, DEPLOYMENT), Change.put(NODE, {"kind": "Node", "x": 1})],
                 author=ALICE)
    store.create_branch("draft")


def test_branches_and_ahead_behind(store: Store) -> None:
    _draft(store)
    store.commit([Change.put(API, deployment(replicas=5))], author=BOB, branch="draft")
    store.commit([Change.put(API, deployment(replicas=6))], author=BOB, branch="draft")
    store.commit([Change.put(NODE, {"kind": "Node", "x": 2})], author=ALICE)
    info = {b.name: b for b in store.list_branches()}
    assert (info["draft"].ahead, info["draft"].behind) == (2, 1)
    assert (info["main"].ahead, info["main"].behind) == (0, 0)
    assert store.ahead_behind("draft") == (2, 1)
    assert store.read(API).data == DEPLOYMENT  # drafts never touch main
    assert store.read(API, ref="draft").data == deployment(replicas=6)
    assert [v.number for v in store.list_versions(API, ref="draft")[0]] == [3, 2, 1]
    store.delete_branch("draft")
    assert [b.name for b in store.list_branches()] == ["main"]
    with pytest.raises(NotFound):
        store.read(API, ref="draft")


def test_tags_lightweight_and_annotated(store: Store) -> None:
    first = store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    store.create_tag("production-ready", message="checked by QA", tagger=BOB)
    store.create_tag("light", ref=first.commit_id)
    store.commit([Change.put(API, deployment(replicas=3))], author=ALICE)
    tags = {t.name: t for t in store.list_tags()}
    assert tags["production-ready"].annotated and tags["production-ready"].message == "checked by QA"
    assert tags["production-ready"].tagger == BOB and tags["production-ready"].commit_id == first.commit_id
    assert not tags["light"].annotated
    assert store.read(API, ref="production-ready").data == DEPLOYMENT
    assert git(store.path, "cat-file", "-t", "production-ready").stdout.strip() == "tag"
    store.delete_tag("light")
    assert [t.name for t in store.list_tags()] == ["production-ready"]


def test_fast_forward_merge(store: Store) -> None:
    _draft(store)
    c = store.commit([Change.put(API, deployment(image="nginx:2"))], author=BOB, branch="draft")
    plan = store.compute_merge("draft")
    assert plan.fast_forward and not plan.conflicts
    assert plan.documents == {API: deployment(image="nginx:2")}
    assert store.read(API).data == DEPLOYMENT  # computing commits nothing
    info = store.commit_merge(plan, author=ALICE)
    assert info.commit_id == c.commit_id == store.resolve("main")
    assert [v.number for v in store.list_versions(API)[0]] == [2, 1]
    assert store.compute_merge("draft").up_to_date


def test_clean_three_way_merge_field_level(store: Store) -> None:
    _draft(store)
    store.commit([Change.put(API, deployment(image="nginx:2"))], author=BOB, branch="draft")
    store.commit([Change.put(NODE, {"kind": "Node", "x": 9})], author=BOB, branch="draft")
    store.commit([Change.put(API, deployment(replicas=4))], author=ALICE)  # other field
    plan = store.compute_merge("draft", "main")
    assert not plan.fast_forward and not plan.conflicts
    assert plan.documents[API] == deployment(image="nginx:2", replicas=4)
    assert plan.documents[NODE] == {"kind": "Node", "x": 9}
    main_before = store.resolve("main")
    info = store.commit_merge(plan, author=ALICE, request_id="m1")
    assert info.operation == "merge" and set(info.parent_ids) == {main_before, plan.source_head}
    assert store.read(API).data == deployment(image="nginx:2", replicas=4)
    assert store.ahead_behind("draft") == (0, 2)
    assert store.list_versions(API)[0][0].operation == "merge"


def test_field_conflict_commits_nothing(store: Store) -> None:
    _draft(store)
    store.commit([Change.put(API, deployment(image="nginx:2"))], author=BOB, branch="draft")
    store.commit([Change.put(API, deployment(image="nginx:3"))], author=ALICE)
    head = store.resolve("main")
    plan = store.compute_merge("draft")
    assert [(c.path, c.field, c.base, c.ours, c.theirs) for c in plan.conflicts] == [
        (API, "spec.template.spec.containers[name=web].image", "nginx:1.25", "nginx:3", "nginx:2")]
    with pytest.raises(MergeConflict) as err:
        store.commit_merge(plan, author=ALICE)
    assert err.value.conflicts == list(plan.conflicts)
    assert store.resolve("main") == head


def test_dry_run_then_commit_only_applied_subset(store: Store) -> None:
    _draft(store)
    store.commit([Change.put(API, deployment(image="nginx:2")),
                  Change.put(NODE, {"kind": "Node", "x": 2})], author=BOB, branch="draft")
    store.commit([Change.put(DB_SECRET, SECRET)], author=ALICE)  # main moves: no fast-forward
    plan = store.compute_merge("draft")
    assert set(plan.documents) == {API, NODE}
    info = store.commit_merge(plan, author=ALICE, only_paths=[API])
    assert info.paths == (API,) and len(info.parent_ids) == 1  # draft not recorded as merged
    assert store.read(API).data == deployment(image="nginx:2")
    assert store.read(NODE).data == {"kind": "Node", "x": 1}
    stale = plan
    with pytest.raises(Conflict):  # main moved since the plan was computed
        store.commit_merge(stale, author=ALICE, only_paths=[NODE])


def test_delete_versus_modify_is_a_conflict(store: Store) -> None:
    _draft(store)
    store.commit([Change.delete(NODE)], author=BOB, branch="draft", operation="delete")
    store.commit([Change.put(NODE, {"kind": "Node", "x": 5})], author=ALICE)
    plan = store.compute_merge("draft")
    assert [(c.path, c.field) for c in plan.conflicts] == [(NODE, "")]


def test_merge_documents_pure() -> None:
    base = {"a": 1, "items": [{"name": "x", "v": 1}, {"name": "y", "v": 1}], "gone": 1}
    ours = {"a": 2, "items": [{"name": "x", "v": 2}, {"name": "y", "v": 1}], "gone": 1}
    theirs = {"a": 1, "items": [{"name": "y", "v": 3}, {"name": "x", "v": 1}, {"name": "z"}]}
    merged, conflicts = merge_documents(base, ours, theirs)
    assert conflicts == []
    assert merged == {"a": 2, "items": [{"name": "x", "v": 2}, {"name": "y", "v": 3}, {"name": "z"}]}


def test_secret_merge_conflict_is_redacted(store: Store) -> None:
    store.commit([Change.put(DB_SECRET, SECRET)], author=ALICE)
    store.create_branch("draft")
    mine = {**SECRET, "stringData": {"token": "token-on-main-quokka"}}
    theirs = {**SECRET, "stringData": {"token": "token-on-draft-wombat"}}
    store.commit([Change.put(DB_SECRET, theirs)], author=BOB, branch="draft")
    store.commit([Change.put(DB_SECRET, mine)], author=ALICE)
    plan = store.compute_merge("draft")
    assert [(c.field, c.redacted, c.ours, c.theirs) for c in plan.conflicts] == [
        ("stringData.token", True, None, None)]
    # Words no commit id can hold (ids are hex), so a hit is the value itself.
    assert "wombat" not in repr(plan) and "quokka" not in repr(plan)
