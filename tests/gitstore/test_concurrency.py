"""Many writers at once (threads and processes) lose nothing; a killed writer corrupts nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from gitstore import Author, Change, Store
from gitstore.store import META_DIR

from .conftest import ALICE, API, DEPLOYMENT, git

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys
sys.path.insert(0, {root!r})
from gitstore import Author, Change, Store
store = Store.open({path!r})
for i in range({count}):
    store.commit([Change.put(f"clusters/p{wid}/nodes/n{{i}}.yaml", {{"kind": "Node", "i": i}})],
                 author=Author("proc{wid}", "p@x"), request_id=f"p{wid}-{{i}}")
store.close()
"""


def _spawn_writer(path: Path, wid: int, count: int) -> subprocess.Popen[bytes]:
    code = WRITER.format(root=str(ROOT), path=str(path), count=count, wid=wid)
    return subprocess.Popen([sys.executable, "-c", code])


def test_threads_and_processes_write_at_once(store: Store) -> None:
    threads, per_thread, procs, per_proc = 4, 25, 3, 25
    procs_running = [_spawn_writer(store.path, w, per_proc) for w in range(procs)]
    errors: list[BaseException] = []

    def write(tid: int) -> None:
        try:
            for i in range(per_thread):
                store.commit([Change.put(f"clusters/t{tid}/nodes/n{i}.yaml", {"kind": "Node"})],
                             author=Author(f"thread{tid}", "t@x"), request_id=f"t{tid}-{i}")
                store.list_versions(f"clusters/t{tid}/nodes/n{i}.yaml")  # readers interleave
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    workers = [threading.Thread(target=write, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert [p.wait(timeout=60) for p in procs_running] == [0] * procs
    assert not errors
    total = threads * per_thread + procs * per_proc
    assert git(store.path, "rev-list", "--count", "main").stdout.strip() == str(total)
    assert git(store.path, "fsck", "--strict").returncode == 0
    ids = {e.request_id for e in _all_log(store)}
    assert len(ids) == total
    assert len(store.list_paths()) == total


def _all_log(store: Store):
    entries, token = store.log(page_size=1000)
    while token:
        more, token = store.log(page_size=1000, page_token=token)
        entries += more
    return entries


CRASHER = """
import os, sys, time
sys.path.insert(0, {root!r})
from gitstore import Author, Change, Store
store = Store.open({path!r})
def stop(point):
    if point == {point!r}:
        open({marker!r}, "w").close()
        time.sleep(60)  # the parent kills us here with SIGKILL
store.repository.checkpoint = stop
store.commit([Change.put("clusters/prod/nodes/crash.yaml", {{"kind": "Node"}})],
             author=Author("crasher", "c@x"))
"""


def _crash_at(store: Store, point: str, tmp_path: Path) -> None:
    marker = tmp_path / f"at-{point}"
    code = CRASHER.format(root=str(ROOT), path=str(store.path), point=point, marker=str(marker))
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.time() + 30
    while not marker.exists():
        assert proc.poll() is None and time.time() < deadline, "writer never reached the point"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_kill_between_objects_and_ref_update(store: Store, key, tmp_path: Path) -> None:
    before = store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    _crash_at(store, "objects-written", tmp_path)
    reopened = Store.open(store.path, key=key)
    assert reopened.resolve("main") == before.commit_id  # the ref never moved
    assert reopened.list_paths() == [API]
    # the killed writer's objects went in as one complete pack that nothing references
    assert len(list((store.path / "objects" / "pack").glob("pack-*.idx"))) == 2
    assert git(store.path, "fsck", "--strict").returncode == 0  # only dangling objects
    # the writer lock died with the process: writing goes on
    assert reopened.commit([Change.put(API, {"kind": "Deployment"})], author=ALICE) is not None
    reopened.close()


def test_kill_after_ref_update_index_recovers(store: Store, key, tmp_path: Path) -> None:
    store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    _crash_at(store, "ref-updated", tmp_path)
    # the ref moved but the index was never told: the next read catches up
    versions, _ = store.list_versions("clusters/prod/nodes/crash.yaml")
    assert [(v.number, v.author.name) for v in versions] == [(1, "crasher")]
    assert [e.author.name for e in store.log()[0]] == ["crasher", "Alice"]
    assert git(store.path, "fsck", "--strict").returncode == 0
    assert not list((store.path / "refs" / "heads").glob("*.lock"))


def test_stale_ref_lock_file_is_cleared(store: Store) -> None:
    store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    (store.path / "refs" / "heads" / "main.lock").write_text("garbage\n")  # a killed writer's
    assert store.commit([Change.put(API, {"kind": "Deployment"})], author=ALICE) is not None


def test_index_file_survives_concurrent_open(store: Store, key) -> None:
    store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    assert (store.path / META_DIR / "index.sqlite").exists()
    others = [Store.open(store.path, key=key) for _ in range(3)]
    for other in others:
        assert other.read(API).data == DEPLOYMENT
        other.close()
