"""The low layer every store operation shares: the bare repository, its refs, the writer lock,
the history index and the object caches.

Writes (:mod:`gitstore.writes`), refs (:mod:`gitstore.refs`), merges (:mod:`gitstore.merges`)
and backups (:mod:`gitstore.backup`) are functions over one :class:`Repository`, so none of them
reaches into another module's private state, and nothing here imports them back.

Durability choice: a commit's objects are written as one pack (renamed into place, see
:mod:`gitstore.packs`) *before* the ref moves, so a crash at any point leaves the ref on a
complete commit; at worst an unreferenced pack remains (``git fsck`` calls its objects
dangling, which is harmless). Packs are not fsynced per commit unless the repository sets
``core.fsyncObjectFiles=true``; dulwich fsyncs the ref. A power loss may lose the last
commits (see docs/gitstore.md, "Concurrency, crashes and durability").
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from dulwich.objects import Blob, Commit, ShaFile, Tag, Tree
from dulwich.refs import check_ref_format
from dulwich.repo import Repo

from . import packs
from .crypto import StoreKey
from .errors import Conflict, InvalidArgument, NotFound, Precondition
from .history import sync_branch
from .index import HistoryIndex
from .locking import WriterLock
from .models import Author, RefOwner
from .trees import TreeCache

log = logging.getLogger(__name__)
META_DIR = "kubecommit"  # inside the bare repo; git ignores it, clones do not copy it
_WRITTEN_CACHE_BYTES = 8 << 20  # recently written blobs and commits kept in memory
_COMMIT_ID = re.compile(r"[0-9a-f]{40}")
MAX_REF_NAME_BYTES = 200


def utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


def check_ref_name(name: str, subject: str) -> str:
    """``name`` (a branch or tag name, without ``refs/heads/``) when git's check-ref-format
    rules accept it and it cannot be read as an option or a reserved name; InvalidArgument
    naming ``subject`` otherwise."""
    problem = ""
    if not name:
        problem = "must not be empty"
    elif len(name.encode("utf-8", "surrogatepass")) > MAX_REF_NAME_BYTES:
        problem = f"is longer than {MAX_REF_NAME_BYTES} bytes"
    elif name.startswith("-") or name in ("HEAD", "@") or name.split("/")[-1] == "HEAD":
        problem = "must not start with '-' or be HEAD or @"
    elif not _valid_ref(name):
        problem = ("breaks git's ref name rules (no '..', '@{', control characters, space, ~^:?*[\\, "
                   "empty or dot-led components, or a trailing '.', '/' or '.lock')")
    if problem:
        raise InvalidArgument(f"{name!r} is not a valid {subject} name: {problem}", subject=subject)
    return name


def _valid_ref(name: str) -> bool:
    try:
        return check_ref_format(b"refs/heads/" + name.encode())
    except UnicodeEncodeError:  # lone surrogates
        return False


def _owner_ref(ref: bytes) -> bytes:
    return b"refs/owners/" + ref.removeprefix(b"refs/")


class Repository:
    """A bare git repository plus its history index; safe to share between threads."""

    def __init__(self, path: Path, *, key: StoreKey | None, committer: Author,
                 default_branch: str, max_document_bytes: int) -> None:
        self.path = path
        self.key = key
        self.committer = committer
        self.default_branch = default_branch
        self.max_document_bytes = max_document_bytes
        meta = path / META_DIR
        meta.mkdir(exist_ok=True)
        # Bumped whenever this store merges packs away: threads then reopen their repo.
        self._packs_merged = 0
        self._local = threading.local()
        self.lock = WriterLock(meta / "lock")
        self.index = HistoryIndex(meta / "index.sqlite")
        self.trees = TreeCache(self.get)
        self._last_commit: tuple[bytes, bytes] | None = None  # (commit id, tree id) last written
        self.written: OrderedDict[bytes, ShaFile] = OrderedDict()  # recent blobs and commits
        self._written_bytes = 0
        self._written_lock = threading.Lock()
        # Test hook: called with "objects-written" and "ref-updated" during every write.
        self.checkpoint: Callable[[str], None] | None = None
        self.listeners: list[Callable[[str], None]] = []

    def notify(self, operation: str) -> None:
        """Tell the listeners (:meth:`gitstore.Store.add_listener`) that a ref changed; called
        outside the writer lock. A failing listener is logged and never fails the write."""
        for listener in self.listeners:
            try:
                listener(operation)
            except Exception:
                log.exception("store listener failed")

    def close(self) -> None:
        self.index.close()
        self.lock.close()
        repo = getattr(self._local, "repo", None)
        if repo is not None:
            repo.close()
            self._local.repo = None

    @property
    def repo(self) -> Repo:
        """This thread's repo; opened anew after this store merged packs away, since dulwich
        loads a pack's index lazily and would look for files that are gone."""
        repo = getattr(self._local, "repo", None)
        if repo is not None and self._local.generation != self._packs_merged:
            repo.close()
            repo = None
        if repo is None:
            repo = self._local.repo = Repo(str(self.path))
            self._local.generation = self._packs_merged
        return repo

    def reopen(self) -> Repo:
        """This thread's repo, opened anew: its pack list may name packs merged away since."""
        stale = getattr(self._local, "repo", None)
        if stale is not None:
            stale.close()
        self._local.repo = None
        return self.repo

    def get(self, sha: bytes) -> ShaFile:
        """Read an object; on a miss reopen the repo once (another process may have packed).

        Objects this store wrote recently come from memory: reading a document right after
        writing it (what an apply does) then opens no new pack."""
        with self._written_lock:
            obj = self.written.get(sha)
        if obj is not None:
            return obj
        try:
            return self.repo.object_store[sha]
        except (KeyError, FileNotFoundError):
            # A miss, or a pack this thread's repo listed but a consolidation has since merged
            # away (its index is loaded lazily): look again with a fresh pack list.
            try:
                return self.reopen().object_store[sha]
            except KeyError:
                raise NotFound(f"object {sha.decode()} not found", subject=sha.decode()) from None

    def commit_object(self, sha: bytes) -> Commit:
        """The commit ``sha`` names, peeling an annotated tag."""
        obj = self.get(sha)
        if isinstance(obj, Tag):
            obj = self.get(obj.object[1])
        if not isinstance(obj, Commit):
            raise NotFound(f"{sha.decode()} is not a commit", subject=sha.decode())
        return obj

    def tree_of(self, commit: bytes) -> bytes:
        """The root tree of ``commit``; the one this store wrote last is remembered, so the
        next write on the branch need not read its commit back (and open its pack)."""
        last = self._last_commit
        return last[1] if last is not None and last[0] == commit else self.commit_object(commit).tree

    def remember_written(self, commit: bytes, tree: bytes) -> None:
        self._last_commit = (commit, tree)

    # --- refs --------------------------------------------------------------------------------
    def ref_value(self, ref: bytes) -> bytes | None:
        try:
            return self.repo.refs[ref]
        except KeyError:
            return None

    def branch_ref(self, branch: str) -> bytes:
        return b"refs/heads/" + check_ref_name(branch, "branch").encode()

    def tag_ref(self, tag: str) -> bytes:
        return b"refs/tags/" + check_ref_name(tag, "tag").encode()

    def record_owner(self, ref: bytes, owner: RefOwner | None) -> None:
        """Keep ``owner`` beside ``ref`` as a blob under refs/owners/ (inside the writer lock)."""
        if owner is None:
            return
        blob = Blob.from_string(json.dumps({"name": owner.author.name, "email": owner.author.email,
                                            "protected": owner.protected}).encode())
        self.add_objects([blob])
        self.repo.refs[_owner_ref(ref)] = blob.id

    def forget_owner(self, ref: bytes) -> None:
        self.repo.refs.remove_if_equals(_owner_ref(ref), None)

    def ref_owner(self, ref: str) -> RefOwner | None:
        """Who made ``ref`` (``refs/heads/x`` or ``refs/tags/x``), when it was recorded."""
        value = self.ref_value(_owner_ref(ref.encode()))
        if value is None:
            return None
        raw = json.loads(self.get(value).as_raw_string())
        return RefOwner(Author(raw["name"], raw["email"]), bool(raw.get("protected")))

    def head(self, branch: str) -> bytes:
        head = self.ref_value(self.branch_ref(branch))
        if head is None:
            raise NotFound(f"branch {branch!r} does not exist", subject=branch)
        return head

    def sync(self, branch: str, head: bytes) -> None:
        sync_branch(self.index, self.commit_object, self.repo.object_store, branch, head)

    def fresh(self, branch: str) -> tuple[bytes, int]:
        """The branch head and its index seq, catching the index up if it lags the ref."""
        head = self.head(branch)
        indexed = self.index.head(branch)
        if indexed is None or indexed[0] != head.decode():
            with self.lock.hold():
                head = self.head(branch)
                self.sync(branch, head)
            indexed = self.index.head(branch)
            assert indexed is not None
        return head, indexed[1]

    def reindex(self) -> None:
        """Catch the index up with every branch and forget branches that no longer exist."""
        with self.lock.hold():
            refs = self.repo.refs.as_dict(b"refs/heads")
            for name in self.index.branches():
                if name.encode() not in refs:
                    self.index.drop_branch(name)
            default = self.default_branch.encode()
            for name in sorted(refs, key=lambda n: n != default):  # main first: others copy it
                self.sync(name.decode(), refs[name])

    def resolve(self, ref: str) -> bytes:
        """The commit id a branch, tag, full ref name or commit id names."""
        if not ref:
            raise InvalidArgument("ref must not be empty", subject="ref")
        if not _COMMIT_ID.fullmatch(ref):
            check_ref_name(ref.removeprefix("refs/"), "ref")
        candidates = [b"refs/heads/" + ref.encode(), b"refs/tags/" + ref.encode()]
        if ref.startswith("refs/"):
            candidates.insert(0, ref.encode())
        for candidate in candidates:
            value = self.ref_value(candidate)
            if value is not None:
                return self.commit_object(value).id
        if len(ref) == 40 and all(c in "0123456789abcdef" for c in ref):
            try:
                return self.commit_object(ref.encode()).id
            except NotFound:
                pass
        raise NotFound(f"no branch, tag or commit named {ref!r}", subject=ref)

    def locate(self, ref: str) -> tuple[str, int, bytes]:
        """(branch, seq, commit) of ``ref`` in the index: a branch head, or a commit on the
        first-parent chain of some branch (the default branch preferred)."""
        if not _COMMIT_ID.fullmatch(ref):
            check_ref_name(ref.removeprefix("refs/"), "ref")
        if self.ref_value(b"refs/heads/" + ref.encode()) is not None:
            head, seq = self.fresh(ref)
            return ref, seq, head
        commit = self.resolve(ref)
        self.fresh(self.default_branch)
        found = self.index.find_commit(commit.decode(), prefer=self.default_branch)
        if found is None:
            raise NotFound(f"{ref!r} is on no branch's first-parent history", subject=ref)
        return found[0], found[1], commit

    def move_ref(self, ref: bytes, old: bytes | None, new: bytes) -> None:
        """Compare-and-swap ``ref`` from ``old`` to ``new`` (caller holds the writer lock).

        A ``<ref>.lock`` file seen while we hold the writer lock was left by a killed writer,
        so it is removed first rather than blocking the branch forever."""
        stale = self.path / (ref.decode() + ".lock")
        stale.unlink(missing_ok=True)
        refs = self.repo.refs
        moved = refs.add_if_new(ref, new) if old is None else refs.set_if_equals(ref, old, new)
        if not moved:
            current = self.ref_value(ref)
            raise Conflict(f"{ref.decode()} moved during the write", subject=ref.decode(),
                           current=current.decode() if current else None)
        if self.checkpoint:
            self.checkpoint("ref-updated")

    # --- objects and packs -------------------------------------------------------------------
    @property
    def pack_dir(self) -> Path:
        return Path(self.repo.object_store.pack_dir)

    def add_objects(self, objects: Sequence[ShaFile]) -> None:
        """Write new objects as ONE pack (two new files, whatever the count) before the ref
        moves; fsynced only when the repository sets ``core.fsyncObjectFiles``."""
        packs.write_objects(self.pack_dir, objects,
                            fsync=self.repo.object_store.fsync_object_files)
        with self._written_lock:
            for obj in objects:
                if not isinstance(obj, Tree):  # trees live in the TreeCache
                    self.written[obj.id] = obj
                    self._written_bytes += obj.raw_length()
            while self._written_bytes > _WRITTEN_CACHE_BYTES:
                self._written_bytes -= self.written.popitem(last=False)[1].raw_length()
        if self.checkpoint:
            self.checkpoint("objects-written")

    def consolidate(self) -> None:
        """Keep the number of packs bounded (caller holds the writer lock). The commit is
        already complete, so a failure here is logged, not raised: the next write retries."""
        try:
            if packs.consolidate(self.pack_dir, fsync=self.repo.object_store.fsync_object_files):
                self._packs_merged += 1
        except OSError:
            log.warning("consolidating the packs of %s failed", self.path, exc_info=True)

    def pack(self) -> int:
        """Combine loose objects and every pack into one pack; returns its object count."""
        with self.lock.hold():
            self.repo.object_store.pack_loose_objects()
            packs.clear_temporaries(self.pack_dir)
            current = packs.list_packs(self.pack_dir)
            if len(current) <= 1:
                return sum(p.objects for p in current)
            merged = packs.merge(self.pack_dir, current, fsync=self.repo.object_store.fsync_object_files)
            self._packs_merged += 1
            return merged.objects

    def require_key(self) -> StoreKey:
        if self.key is None:
            raise Precondition("this store was opened without a key", subject="key")
        return self.key
