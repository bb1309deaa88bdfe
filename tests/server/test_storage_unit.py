"""server.storage: store work leaves the event loop through one adapter, and store errors come
out of it as domain errors (server.errors), whether raised by a direct call or inside work."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from gitstore import Author, Change, Store
from server import errors
from server.storage import Storage, invalid_path

PATH = "clusters/c/namespaces/web/configmaps/app.yaml"


@pytest.fixture()
def storage(tmp_path: Path) -> Storage:
    store = Store.open(tmp_path / "store")
    yield Storage(store)
    store.close()


def test_store_errors_become_domain_errors(storage: Storage) -> None:
    with pytest.raises(errors.NotFound):
        asyncio.run(storage.run(storage.sync.read, PATH))
    info = asyncio.run(storage.run(storage.sync.commit, [Change.put(PATH, {"kind": "ConfigMap"})],
                                   author=Author("a", "a@x")))
    assert info is not None
    with pytest.raises(errors.Aborted) as stale:
        storage.sync.commit([Change.put(PATH, {"kind": "ConfigMap", "data": {"a": "b"}})],
                            author=Author("a", "a@x"), expected={PATH: "0" * 40})
    assert stale.value.metadata["etag"] == info.etags[PATH]
    with pytest.raises(errors.InvalidArgument) as refused:
        storage.sync.create_branch("-bad")
    assert [v.field for v in refused.value.violations] == ["branch"]


def test_work_using_the_raw_store_is_translated_at_the_boundary(storage: Storage, tmp_path: Path) -> None:
    raw = Store.open(tmp_path / "store")
    try:
        with pytest.raises(errors.NotFound):
            asyncio.run(storage.run(lambda: raw.read(PATH)))
    finally:
        raw.close()


def test_invalid_path_says_why() -> None:
    assert invalid_path(PATH) is None
    assert invalid_path("../etc/passwd")
