"""A sync commits what it read only if none of the cluster's documents changed in the store while
it was reading: an apply landing mid-sync is never overwritten by the older snapshot."""

from __future__ import annotations

from pathlib import Path
import pytest

from gitstore import Author, Change, Store
from server.clusters.sync import Snapshot, write_snapshot
from server.errors import Aborted
from server.kube import ApiResource
from server.storage import Storage

CONFIGMAPS = ApiResource(group="", version="v1", plural="configmaps", kind="ConfigMap", namespaced=True,
                         verbs=("list",))
PATH = "clusters/c/namespaces/web/configmaps/app.yaml"


def configmap(value: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app", "namespace": "web"},
            "data": {"k": value}}


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "store")
    store.commit([Change.put(PATH, configmap("v1"))], author=Author("a", "a@x"))
    yield store
    store.close()


def test_change_during_the_read_aborts_the_sync(store: Store) -> None:
    snapshot = Snapshot(objects={"configmaps": [configmap("read-by-sync")]}, before=store.etags("clusters/c"))
    applied = store.commit([Change.put(PATH, configmap("applied-meanwhile"))], author=Author("b", "b@x"))
    with pytest.raises(Aborted, match="sync again") as failure:
        write_snapshot(Storage(store).sync, "c", [CONFIGMAPS], snapshot, False, "sync")
    assert failure.value.reason == "SYNC_RACED"
    assert store.read(PATH).etag == applied.etags[PATH]  # the apply stands


def test_quiet_store_commits_the_snapshot(store: Store) -> None:
    snapshot = Snapshot(objects={"configmaps": [configmap("v2")]}, before=store.etags("clusters/c"))
    info, written, deleted = write_snapshot(Storage(store).sync, "c", [CONFIGMAPS], snapshot, False, "sync")
    assert info is not None and (written, deleted) == (1, 0)
    assert store.read(PATH).data["data"] == {"k": "v2"}
