"""The pack write path: one pack per commit, geometric consolidation, readers during it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from dulwich.repo import Repo

from gitstore import Author, Change, Store, packs
from gitstore.store import META_DIR

from .conftest import ALICE, git

ROOT = Path(__file__).resolve().parents[2]


def _node(i: int) -> str:
    return f"clusters/prod/namespaces/ns-{i % 3}/configmaps/cm-{i}.yaml"


def _pack_dir(store: Store) -> Path:
    return store.path / "objects" / "pack"


def _loose_objects(store: Store) -> list[Path]:
    return [p for d in (store.path / "objects").iterdir() if len(d.name) == 2 for p in d.iterdir()]


def test_a_commit_writes_one_pack_and_no_loose_object(store: Store) -> None:
    store.commit([Change.put(_node(0), {"kind": "ConfigMap"})], author=ALICE)
    before = {p.name for p in _pack_dir(store).iterdir()}
    store.commit([Change.put(_node(1), {"kind": "ConfigMap"}), Change.put(_node(2), {"k": 1})],
                 author=ALICE)
    added = {p.name for p in _pack_dir(store).iterdir()} - before
    assert len(added) == 2 and {Path(n).suffix for n in added} == {".pack", ".idx"}
    assert _loose_objects(store) == []
    assert git(store.path, "fsck", "--strict", "--no-dangling").stdout == ""
    assert "garbage: 0" in git(store.path, "count-objects", "-v").stdout


def test_select_is_geometric_and_leaves_big_packs_alone(tmp_path: Path) -> None:
    def pack(objects: int, size: int = 1000) -> packs.PackFile:
        return packs.PackFile(tmp_path / f"pack-{objects}-{size}", objects, size)

    few = [pack(8) for _ in range(3)]
    assert packs.select(few, max_packs=3) == []  # at the bound: nothing to do
    small, medium, big = [pack(8) for _ in range(4)], pack(40), pack(10_000)
    chosen = packs.select([big, medium, *small], max_packs=5, factor=2)
    assert chosen == [*small, medium]  # 40 <= 2 * 32: taken; 10,000 is not
    huge = pack(1, size=packs.MAX_MERGE_BYTES + 1)
    assert huge not in packs.select([huge, *small, medium, big], max_packs=5)


def test_consolidation_bounds_packs_and_keeps_every_version(store: Store, key) -> None:
    commits = packs.MAX_PACKS * 3
    for n in range(commits):
        store.commit([Change.put(_node(n % 10), {"kind": "ConfigMap", "n": n})], author=ALICE)
        assert len(packs.list_packs(_pack_dir(store))) <= packs.MAX_PACKS
    for i in range(10):
        versions, _ = store.list_versions(_node(i), page_size=1000)
        numbers = [v.number for v in versions]
        assert numbers == list(range(len(versions), 0, -1))
        assert [store.get_version(_node(i), version=k).data["n"] for k in (1, len(versions))] == \
            [i, max(n for n in range(commits) if n % 10 == i)]
    assert not list(_pack_dir(store).glob(packs.TEMP_PREFIX + "*"))
    assert git(store.path, "fsck", "--strict", "--no-dangling").stdout == ""
    assert int(git(store.path, "rev-list", "--count", "main").stdout) == commits
    # the index is a cache: rebuilt from the consolidated packs, it says the same
    expected = store.list_versions(_node(3), page_size=1000)[0]
    store.close()
    for leftover in (store.path / META_DIR).glob("index.sqlite*"):
        leftover.unlink()
    with Store.open(store.path, key=key) as rebuilt:
        assert rebuilt.list_versions(_node(3), page_size=1000)[0] == expected


def test_merge_copies_deltas_whole_and_drops_duplicates(store: Store, tmp_path: Path) -> None:
    big = {"kind": "ConfigMap", "data": {f"k{i}": "v" * 40 for i in range(50)}}
    for n in range(6):
        store.commit([Change.put(_node(0), {**big, "n": n})], author=ALICE)
    subprocess.run(["git", "--git-dir", str(store.path), "repack", "-adfq"], check=True)
    deltified = git(store.path, "verify-pack", "-v", *map(str, _pack_dir(store).glob("*.idx")))
    assert " delta" in deltified.stdout or "chain length" in deltified.stdout  # git made deltas
    store.commit([Change.put(_node(1), big)], author=ALICE)
    again = packs.write_objects(_pack_dir(store), [Repo(str(store.path)).object_store[
        store.read(_node(1)).etag.encode()]], fsync=False)  # a duplicate blob in its own pack
    current = packs.list_packs(_pack_dir(store))
    assert len(current) == 3 and again in {p.base for p in current}
    merged = packs.merge(_pack_dir(store), current, fsync=False)
    assert [p.base for p in packs.list_packs(_pack_dir(store))] == [merged.base]
    assert merged.objects == sum(1 for _ in Repo(str(store.path)).object_store)
    assert git(store.path, "fsck", "--strict", "--no-dangling").stdout == ""
    assert store.get_version(_node(0), version=3).data["n"] == 2


def test_a_reader_keeps_working_when_its_packs_are_deleted(store: Store) -> None:
    for n in range(5):
        store.commit([Change.put(_node(n), {"kind": "ConfigMap", "n": n})], author=ALICE)
    reader = Repo(str(store.path))
    first = store.read(_node(0)).etag.encode()
    assert reader.object_store[first].id == first  # the reader now has these packs mapped
    assert store.pack() > 0  # every pack merged into one; the reader's files are unlinked
    assert len(packs.list_packs(_pack_dir(store))) == 1
    for n in range(5):  # served from the unlinked but still mapped packs, or after a rescan
        etag = store.read(_node(n)).etag.encode()
        assert reader.object_store[etag].id == etag
    store.commit([Change.put(_node(9), {"kind": "ConfigMap"})], author=ALICE)
    newest = store.read(_node(9)).etag.encode()
    assert reader.object_store[newest].id == newest  # a miss rescans the pack directory
    reader.close()


READER = """
import random, sys, time
sys.path.insert(0, {root!r})
from gitstore import Store
from gitstore.errors import NotFound
store = Store.open({path!r})
reads, deadline = 0, time.time() + 60
paths = {paths!r}
while time.time() < deadline and not __import__("os").path.exists({stop!r}):
    path = random.choice(paths)
    store.read(path)
    store.list_versions(path)
    for version in store.list_versions(path, page_size=1000)[0][:3]:
        store.get_version(path, version=version.number)
    reads += 1
    if reads == 1:
        open({stop!r} + ".ready." + str(__import__("os").getpid()), "w").close()
print(reads)
"""


def test_readers_in_threads_and_processes_during_consolidation(store: Store, tmp_path: Path) -> None:
    paths = [_node(i) for i in range(12)]
    for i, path in enumerate(paths):
        store.commit([Change.put(path, {"kind": "ConfigMap", "n": i})], author=ALICE)
    stop = tmp_path / "stop"
    code = READER.format(root=str(ROOT), path=str(store.path), paths=paths, stop=str(stop))
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    errors: list[BaseException] = []
    thread_reads = [0]

    def read_in_thread() -> None:
        try:
            while not stop.exists():
                for path in paths:
                    store.read(path)
                    store.get_version(path, version=1)
                thread_reads[0] += 1
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    thread = threading.Thread(target=read_in_thread)
    thread.start()
    deadline = time.time() + 60
    while len(list(tmp_path.glob("stop.ready.*"))) < len(procs):  # both readers are reading
        assert time.time() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.02)
    for n in range(packs.MAX_PACKS * 4):  # several consolidations while they read
        store.commit([Change.put(paths[n % len(paths)], {"kind": "ConfigMap", "n": n + 100})],
                     author=Author("writer", "w@x"))
    store.pack()  # and one full merge: every pack they hold is unlinked
    stop.touch()
    thread.join(timeout=60)
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert all(int(out) > 0 for out, _ in outputs)
    assert not errors and thread_reads[0] > 0
    assert len(packs.list_packs(_pack_dir(store))) == 1
    assert git(store.path, "fsck", "--strict", "--no-dangling").stdout == ""


def test_leftovers_of_a_killed_writer_are_harmless_and_cleared(store: Store) -> None:
    store.commit([Change.put(_node(0), {"kind": "ConfigMap"})], author=ALICE)
    pack_dir = _pack_dir(store)
    (pack_dir / f"{packs.TEMP_PREFIX}1_dead.pack.tmp").write_bytes(b"PACK partial")
    (pack_dir / f"{packs.TEMP_PREFIX}1_dead.idx.tmp").write_bytes(b"")
    orphan = next(pack_dir.glob("*.pack"))
    shutil.copy(orphan, pack_dir / ("pack-" + "0" * 40 + ".pack"))  # renamed in, index never
    assert git(store.path, "fsck", "--strict").returncode == 0
    for n in range(packs.MAX_PACKS + 2):  # until a consolidation runs
        store.commit([Change.put(_node(1), {"kind": "ConfigMap", "n": n})], author=ALICE)
    assert not list(pack_dir.glob(packs.TEMP_PREFIX + "*"))
    assert store.read(_node(0)).data == {"kind": "ConfigMap"}
    assert os.path.exists(pack_dir / ("pack-" + "0" * 40 + ".pack"))  # ignored; git gc removes it


def test_fsync_object_files_fsyncs_pack_and_index(store: Store, key, monkeypatch) -> None:
    git(store.path, "config", "core.fsyncObjectFiles", "true")
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    with Store.open(store.path, key=key) as durable:
        durable.commit([Change.put(_node(0), {"kind": "ConfigMap"})], author=ALICE)
    assert len(synced) == 3  # the pack, its index, the ref
