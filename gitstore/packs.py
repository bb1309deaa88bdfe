"""Pack files: one small pack per commit, consolidated geometrically.

Writing each new object as a loose file costs one file creation per object (~8 per commit),
and creating a file costs 0.1-1 ms here (most of it kernel CPU, more under load) while
renaming or unlinking one costs ~0.02 ms. A commit's objects therefore go into ONE pack: ``<tmp>.pack`` and ``<tmp>.idx`` are written under temporary
names (fsynced when ``core.fsyncObjectFiles`` is set), then renamed into ``objects/pack`` —
the pack first, its index last, as git does, so a pack is visible (to git and dulwich alike,
which both open packs through their index) only once complete. The caller moves the ref
only after this returns.

Every pack costs readers a probe per object lookup (dulwich tries the packs in turn), so
:func:`consolidate` keeps their number bounded: when there are more than ``max_packs``, it
merges the smallest packs, taking the next larger one while it holds no more than ``factor``
times what is taken so far (git's geometric repacking). Objects are copied as their
compressed bytes, so the cost is proportional to the objects of the packs merged — mostly
the recent small ones; an object is copied O(log(store)) times over its life, and packs over
``MAX_MERGE_BYTES`` are left alone, so no merge stalls a commit for long. The merged
pack is renamed in before the old ones are deleted, so every object stays reachable
throughout; readers that had a deleted pack open keep their open files (Linux unlink
semantics), and dulwich rescans the pack directory when a pack it listed is gone.
"""

from __future__ import annotations

import binascii
import hashlib
import mmap
import os
import secrets
import struct
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dulwich.object_format import DEFAULT_OBJECT_FORMAT
from dulwich.objects import ShaFile
from dulwich.pack import Pack, load_pack_index, pack_object_header

TEMP_PREFIX = "tmp_kubecommit_"  # only writers holding the store's writer lock create these
MAX_PACKS = 24  # ~0.7 µs per pack per lookup miss; merges every ~20 commits
FACTOR = 2
MAX_MERGE_BYTES = 256 << 20  # bigger packs are left alone: a merge never stalls a commit for long
_DELTA_TYPES = (6, 7)  # OFS_DELTA, REF_DELTA: re-encoded whole when copied


@dataclass(frozen=True)
class PackFile:
    """A complete pack in ``objects/pack`` (its ``.idx`` exists) and its object count."""

    base: Path  # without .pack/.idx
    objects: int
    size: int  # bytes of the .pack


class _PackWriter:
    """Streams entries into a temporary pack and index; :meth:`publish` renames them in."""

    def __init__(self, pack_dir: Path, count: int, *, fsync: bool) -> None:
        self._dir = pack_dir
        self._fsync = fsync
        self._tmp = pack_dir / f"{TEMP_PREFIX}{os.getpid()}_{secrets.token_hex(6)}"
        self._file = _create(self._tmp.with_suffix(".pack.tmp"))
        self._sha = hashlib.sha1()
        self._offset = 0
        self._entries: list[tuple[bytes, int, int]] = []
        self._write(b"PACK" + struct.pack(">LL", 2, count))

    def _write(self, data: bytes) -> None:
        self._file.write(data)
        self._sha.update(data)
        self._offset += len(data)

    def add(self, sha: bytes, entry: bytes) -> None:
        """Append one pack entry (header + zlib data) for the object with binary id ``sha``."""
        self._entries.append((sha, self._offset, binascii.crc32(entry)))
        self._write(entry)

    def abort(self) -> None:
        self._file.close()
        for suffix in (".pack.tmp", ".idx.tmp"):
            self._tmp.with_suffix(suffix).unlink(missing_ok=True)

    def publish(self) -> Path:
        """Finish both files and rename them into place (pack, then index); returns the base."""
        checksum = self._sha.digest()
        self._file.write(checksum)
        self._close(self._file)
        with _create(self._tmp.with_suffix(".idx.tmp")) as idx:
            idx.write(index_v2(self._entries, checksum))
            self._close(idx)
        base = self._dir / f"pack-{checksum.hex()}"
        os.replace(self._tmp.with_suffix(".pack.tmp"), base.with_suffix(".pack"))
        os.replace(self._tmp.with_suffix(".idx.tmp"), base.with_suffix(".idx"))
        return base

    def _close(self, f: BinaryIO) -> None:
        f.flush()
        if self._fsync:
            os.fsync(f.fileno())
        f.close()


def index_v2(entries: list[tuple[bytes, int, int]], pack_checksum: bytes) -> bytes:
    """A version-2 pack index of (binary id, offset, crc32) entries, built with whole-array
    packing: dulwich's writer issues a hashed write per field (~0.4 ms for a small pack)."""
    entries = sorted(entries)
    fan_out = [0] * 256
    for sha, _, _ in entries:
        fan_out[sha[0]] += 1
    for i in range(1, 256):
        fan_out[i] += fan_out[i - 1]
    n = len(entries)
    large = [offset for _, offset, _ in entries if offset >= 1 << 31]
    small_offsets, k = [], 0
    for _, offset, _ in entries:
        if offset >= 1 << 31:
            small_offsets.append((1 << 31) | k)
            k += 1
        else:
            small_offsets.append(offset)
    body = b"".join([
        b"\377tOc", struct.pack(">L", 2), struct.pack(">256L", *fan_out),
        b"".join(sha for sha, _, _ in entries),
        struct.pack(f">{n}L", *(crc for _, _, crc in entries)),
        struct.pack(f">{n}L", *small_offsets), struct.pack(f">{len(large)}Q", *large),
        pack_checksum,
    ])
    return body + hashlib.sha1(body).digest()


def _create(path: Path) -> BinaryIO:
    """A new read-only-mode file opened for writing (one creation, no chmod afterwards)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o444)
    return os.fdopen(fd, "wb")


def _entry(obj: ShaFile) -> bytes:
    raw = obj.as_raw_string()
    header = pack_object_header(obj.type_num, None, len(raw), DEFAULT_OBJECT_FORMAT)
    return bytes(header) + zlib.compress(raw)


def write_objects(pack_dir: Path, objects: Sequence[ShaFile], *, fsync: bool) -> Path:
    """Write ``objects`` as one new pack in ``pack_dir``; returns its base path."""
    writer = _PackWriter(pack_dir, len(objects), fsync=fsync)
    try:
        for obj in objects:
            writer.add(obj.sha().digest(), _entry(obj))
        return writer.publish()
    except BaseException:
        writer.abort()
        raise


def list_packs(pack_dir: Path) -> list[PackFile]:
    """The complete packs (pack + index) that git's ``.keep`` files do not pin."""
    return [PackFile(pack_dir / stem, _object_count(pack_dir / (stem + ".idx")),
                     (pack_dir / (stem + ".pack")).stat().st_size)
            for stem in _pack_stems(pack_dir)]


def _pack_stems(pack_dir: Path) -> list[str]:
    names = set(os.listdir(pack_dir))
    return [name[:-4] for name in names
            if name.startswith("pack-") and name.endswith(".idx")
            and name[:-4] + ".pack" in names and name[:-4] + ".keep" not in names]


def _object_count(idx: Path) -> int:
    """The last fan-out entry of an index (v2: after an 8-byte header; v1: no header)."""
    with open(idx, "rb") as f:
        head = f.read(8 + 256 * 4)
    offset = 8 if head[:4] == b"\377tOc" else 0
    return struct.unpack_from(">L", head, offset + 255 * 4)[0]


def select(packs: Sequence[PackFile], *, max_packs: int = MAX_PACKS, factor: int = FACTOR,
           max_bytes: int = MAX_MERGE_BYTES) -> list[PackFile]:
    """The packs to merge: none while there are at most ``max_packs``; otherwise the two
    smallest, then each next larger one that holds at most ``factor`` times as many objects
    as those taken so far (so big old packs are rarely rewritten). Packs over ``max_bytes``
    are never taken: the number of packs then grows by one per ``max_bytes`` of history,
    and no single merge copies more than a few times ``max_bytes``."""
    if len(packs) <= max_packs:
        return []
    taken: list[PackFile] = []
    total = 0
    for pack in sorted((p for p in packs if p.size <= max_bytes), key=lambda p: p.objects):
        if len(taken) >= 2 and pack.objects > factor * total:
            break
        taken.append(pack)
        total += pack.objects
    return taken if len(taken) >= 2 else []


def _entries(pack: PackFile, data: mmap.mmap, located: list[tuple[int, bytes]]
             ) -> Iterator[tuple[bytes, bytes]]:
    """(binary id, pack entry) of each object of ``pack`` given its (offset, id) pairs in
    offset order; deltas come back re-encoded whole (their base offsets would not survive
    the copy)."""
    ends = [offset for offset, _ in located[1:]] + [len(data) - 20]
    delta_pack: Pack | None = None
    try:
        for (offset, sha), end in zip(located, ends):
            if (data[offset] >> 4) & 7 not in _DELTA_TYPES:
                yield sha, data[offset:end]
                continue
            if delta_pack is None:
                delta_pack = Pack(str(pack.base), object_format=DEFAULT_OBJECT_FORMAT)
            type_num, raw = delta_pack.get_raw(sha)
            header = pack_object_header(type_num, None, len(raw), DEFAULT_OBJECT_FORMAT)
            yield sha, bytes(header) + zlib.compress(raw)
    finally:
        if delta_pack is not None:
            delta_pack.close()


def _locate(pack: PackFile) -> list[tuple[int, bytes]]:
    """(offset, binary id) of every object in ``pack``, in pack order. Version-2 indexes
    (what git and dulwich write) are read with whole-array unpacking; others via dulwich."""
    idx_path = pack.base.with_suffix(".idx")
    data = idx_path.read_bytes()
    if data[:8] != b"\377tOc" + struct.pack(">L", 2):
        with load_pack_index(str(idx_path), DEFAULT_OBJECT_FORMAT) as idx:
            return sorted((offset, sha) for sha, offset, _ in idx.iterentries())
    n = struct.unpack_from(">L", data, 8 + 255 * 4)[0]
    names_at = 8 + 256 * 4
    offsets_at = names_at + 24 * n  # after the names and the crc32s
    offsets = struct.unpack_from(f">{n}L", data, offsets_at)
    large = offsets_at + 4 * n
    return sorted(
        (struct.unpack_from(">Q", data, large + 8 * (o & 0x7FFFFFFF))[0] if o & 0x80000000 else o,
         data[names_at + 20 * i:names_at + 20 * i + 20])
        for i, o in enumerate(offsets))


def merge(pack_dir: Path, packs: Sequence[PackFile], *, fsync: bool) -> PackFile:
    """Write the objects of ``packs`` (duplicates once) as one pack, rename it in, then
    delete the merged packs. The caller holds the writer lock."""
    located = [_locate(pack) for pack in packs]
    unique = {sha for pairs in located for _, sha in pairs}
    count = len(unique)
    writer = _PackWriter(pack_dir, count, fsync=fsync)
    try:
        for pack, pairs in zip(packs, located):
            with open(pack.base.with_suffix(".pack"), "rb") as f, \
                    mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
                for sha, entry in _entries(pack, data, pairs):
                    if sha in unique:
                        unique.discard(sha)
                        writer.add(sha, entry)
        merged = writer.publish()
    except BaseException:
        writer.abort()
        raise
    for pack in packs:
        if pack.base != merged:
            remove(pack.base)
    return PackFile(merged, count, merged.with_suffix(".pack").stat().st_size)


def remove(base: Path) -> None:
    """Delete a pack: its index first (it disappears for readers at once), then the data and
    the files git may keep beside it."""
    for suffix in (".idx", ".pack", ".rev", ".bitmap", ".mtimes", ".promisor"):
        base.with_suffix(suffix).unlink(missing_ok=True)


def clear_temporaries(pack_dir: Path) -> None:
    """Remove temporary files left by a killed writer (the caller holds the writer lock, so
    no live writer owns any)."""
    for path in pack_dir.glob(TEMP_PREFIX + "*"):
        path.unlink(missing_ok=True)


def consolidate(pack_dir: Path, *, fsync: bool, max_packs: int = MAX_PACKS,
                factor: int = FACTOR) -> int:
    """Merge the smallest packs when there are more than ``max_packs`` (see :func:`select`);
    returns how many packs were merged (0: nothing to do). Reads no index unless needed."""
    if len(_pack_stems(pack_dir)) <= max_packs:
        return 0
    chosen = select(list_packs(pack_dir), max_packs=max_packs, factor=factor)
    if chosen:
        clear_temporaries(pack_dir)
        merge(pack_dir, chosen, fsync=fsync)
    return len(chosen)
