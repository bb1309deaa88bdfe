"""Readers that listed packs before they were merged away keep reading: dulwich loads a pack's
index lazily, so a stale pack list would otherwise look for files that are gone."""

from __future__ import annotations

import threading
from pathlib import Path

from gitstore import Author, Change, Store, StoreKey

AUTHOR = Author("a", "a@x")


def _paths(n: int) -> list[str]:
    return [f"clusters/c/namespaces/ns/configmaps/cm{i}.yaml" for i in range(n)]


def test_reader_of_another_store_survives_a_merge(tmp_path: Path) -> None:
    writer = Store.open(tmp_path / "repo")
    for i, path in enumerate(_paths(12)):
        writer.commit([Change.put(path, {"kind": "ConfigMap", "data": {"i": str(i)}})], author=AUTHOR)
    reader = Store.open(tmp_path / "repo")
    assert reader.read(_paths(12)[-1]).data["data"] == {"i": "11"}  # lists every pack, loads few
    writer.pack()  # every pack merged into one; the old files are deleted
    assert [reader.read(p).data["data"]["i"] for p in _paths(12)] == [str(i) for i in range(12)]


def test_threads_of_the_merging_store_reopen(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "repo")
    for i, path in enumerate(_paths(12)):
        store.commit([Change.put(path, {"kind": "ConfigMap", "data": {"i": str(i)}})], author=AUTHOR)
    store.repository.written.clear()  # read from packs, as a long-lived server thread would
    seen: list[str] = []
    merged = threading.Event()

    def reader() -> None:
        seen.append(store.read(_paths(12)[-1]).data["data"]["i"])
        merged.wait(10)
        seen.extend(store.read(p).data["data"]["i"] for p in _paths(12))

    thread = threading.Thread(target=reader)
    thread.start()
    store.pack()
    merged.set()
    thread.join(10)
    assert seen == ["11", *[str(i) for i in range(12)]]


def test_restore_in_a_thread_that_saw_packs_before_a_merge(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "repo", key=StoreKey.generate())
    store.commit([Change.put(_paths(1)[0], {"kind": "ConfigMap", "data": {"i": "0"}})], author=AUTHOR)
    manifest = store.create_backup(tmp_path / "backups")
    store.create_branch("draft")
    outcome: list[object] = []
    ready, merged = threading.Event(), threading.Event()

    def restorer() -> None:
        store.list_paths("clusters")  # this thread's repo lists today's packs
        ready.set()
        merged.wait(10)
        try:
            outcome.append(store.restore_backup(tmp_path / "backups", manifest.backup_id))
        except Exception as error:  # the assertion below shows what went wrong
            outcome.append(error)

    thread = threading.Thread(target=restorer)
    thread.start()
    ready.wait(10)
    for i, path in enumerate(_paths(40)):  # enough packs for consolidation to merge some away
        store.commit([Change.put(path, {"kind": "ConfigMap", "data": {"i": f"{i}-new"}})], author=AUTHOR,
                     branch="draft")
    merged.set()
    thread.join(20)
    assert len(outcome) == 1 and not isinstance(outcome[0], Exception), outcome
