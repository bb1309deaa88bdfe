from __future__ import annotations

import pytest

from gitstore import (AlreadyExists, Change, InvalidArgument, InvalidDocument, InvalidPath,
                      NotFound, Precondition, Store, resource_path)

from .conftest import ALICE, API, DEPLOYMENT


@pytest.mark.parametrize("path", [
    "", "/etc/passwd.yaml", "clusters/../etc.yaml", "clusters//x.yaml", "clusters/./x.yaml",
    "clusters/prod/x.json", "clusters/.git/x.yaml", "clusters\\x.yaml", ".yaml", "a/b\x00.yaml",
])
def test_paths_outside_the_layout_are_rejected(store: Store, path: str) -> None:
    with pytest.raises(InvalidPath) as err:
        store.commit([Change.put(path, DEPLOYMENT)], author=ALICE)
    assert err.value.subject == path
    assert str(err.value)


def test_bad_prefix_rejected(store: Store) -> None:
    with pytest.raises(InvalidPath):
        store.list_paths("../x")


@pytest.mark.parametrize("content, why", [
    ("a: [unclosed", "not valid YAML"),
    ("a: 1\n---\nb: 2\n", "exactly one"),
    ("- a\n- b\n", "mapping"),
    ("", "exactly one"),
    ("just a string", "mapping"),
])
def test_bad_documents_rejected(store: Store, content: str, why: str) -> None:
    with pytest.raises(InvalidDocument, match=why) as err:
        store.commit([Change.put(API, content)], author=ALICE)
    assert err.value.subject == API


def test_size_limit(tmp_path) -> None:
    small = Store.open(tmp_path / "s.git", max_document_bytes=200)
    with pytest.raises(InvalidDocument, match="over the limit"):
        small.commit([Change.put(API, "a: " + "x" * 300)], author=ALICE)
    with pytest.raises(InvalidDocument, match="over the limit"):
        small.commit([Change.put(API, {"a": "x" * 300})], author=ALICE)
    small.close()


def test_unknown_refs(store: Store) -> None:
    store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    for ref in ("nope", "0" * 40, "refs/heads/nope"):
        with pytest.raises(NotFound) as err:
            store.read(API, ref=ref)
        assert err.value.subject == ref
    with pytest.raises(NotFound):
        store.commit([Change.put(API, DEPLOYMENT)], author=ALICE, branch="draft")
    with pytest.raises(NotFound):
        store.delete_tag("v9")
    with pytest.raises(NotFound):
        store.get_version(API, version=7)
    with pytest.raises(InvalidArgument) as err:
        store.create_branch("bad..name")
    assert err.value.subject == "branch"


def test_misc_argument_errors(store: Store) -> None:
    store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    with pytest.raises(InvalidArgument, match="operation"):
        store.commit([Change.put(API, {"a": 1})], author=ALICE, operation="explode")
    with pytest.raises(InvalidDocument, match="twice"):
        store.commit([Change.put(API, {"a": 1}), Change.delete(API)], author=ALICE)
    with pytest.raises(InvalidArgument) as err:
        store.list_versions(API, page_token="garbage!")
    assert err.value.subject == "page_token"
    with pytest.raises(InvalidArgument):
        store.list_versions(API, page_size=0)
    with pytest.raises(InvalidPath):
        store.commit([Change.put("clusters/prod/nodes/n.yaml/x.yaml", {"a": 1}),
                      Change.put("clusters/prod/nodes/n.yaml", {"a": 1})], author=ALICE)
    store.create_tag("v1")
    with pytest.raises(AlreadyExists):
        store.create_tag("v1")
    with pytest.raises(Precondition):
        store.delete_branch("main")


def test_resource_path_layout() -> None:
    assert resource_path("prod", "deployments.apps", "api", namespace="web") == API
    assert resource_path("prod", "clusterroles.rbac.authorization.k8s.io", "system:view") == \
        "clusters/prod/clusterroles.rbac.authorization.k8s.io/system:view.yaml"
    with pytest.raises(InvalidPath):
        resource_path("prod", "pods", "../x")
