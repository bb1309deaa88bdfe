"""A store with no commit yet reads as empty, not as missing: services start on empty stores."""

from __future__ import annotations

from pathlib import Path

import pytest

import gitstore
from gitstore import Author, Change, Store


def test_new_store_reads_as_empty(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "repo")
    assert store.list_paths("clusters") == []
    assert store.exists("clusters/a/cluster.yaml") is False
    with pytest.raises(gitstore.NotFound):
        store.read("clusters/a/cluster.yaml")
    with pytest.raises(gitstore.NotFound):
        store.list_paths("", ref="no-such-branch")
    store.commit([Change.put("clusters/a/cluster.yaml", {"kind": "Cluster"})], author=Author("a", "a@x"))
    assert store.list_paths("clusters") == ["clusters/a/cluster.yaml"]
    store.close()
