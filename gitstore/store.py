"""The versioned YAML store: every write is one git commit in a bare repository.

Writes go straight to dulwich's object store (blobs, the trees on the changed paths, one
commit) and then move the branch with a compare-and-swap ref update, all under the writer
lock; the SQLite history index is updated in the same locked section. Reads take no lock.

Durability choice: a commit's objects are written as one pack (renamed into place, see
:mod:`gitstore.packs`) *before* the ref moves, so a crash at any point leaves the ref on a
complete commit; at worst an unreferenced pack remains (``git fsck`` calls its objects
dangling, which is harmless). Packs are not fsynced per commit unless the repository sets
``core.fsyncObjectFiles=true``; dulwich fsyncs the ref. A power loss may lose the last
commits (see docs/gitstore.md, "Concurrency, crashes and durability").
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dulwich.graph import can_fast_forward, find_merge_base
from dulwich.objects import Blob, Commit, ShaFile, Tag, Tree
from dulwich.refs import check_ref_format
from dulwich.repo import Repo

from . import backup, documents, packs, remote
from .crypto import StoreKey
from .diff import document_diff
from .errors import (AlreadyExists, Conflict, InvalidArgument, InvalidDocument, MergeConflict,
                     NotFound, Precondition)
from .history import build_message, changed_paths, commit_meta, sync_branch
from .index import CommitMeta, HistoryIndex, IndexedCommit
from .locking import WriterLock
from .merge import merge_documents
from .models import (OPERATIONS, Author, BackupManifest, BranchInfo, Change, CommitInfo,
                     Document, DocumentDiff, LogEntry, MergePlan, RefOwner, RestoreResult, TagInfo, Version)
from .paths import under_prefix, validate_path, validate_prefix
from .secrets import decrypt_secret, encrypt_secret
from .trees import TreeCache

log = logging.getLogger(__name__)
DEFAULT_COMMITTER = Author("kubecommit", "kubecommit@localhost")
META_DIR = "kubecommit"  # inside the bare repo; git ignores it, clones do not copy it
MAX_PAGE_SIZE = 1000
_WRITTEN_CACHE_BYTES = 8 << 20  # recently written blobs and commits kept in memory
Content = str | bytes | Mapping[str, Any]
Spec = str | int  # a ref (branch, tag, commit id) or a version number


_COMMIT_ID = re.compile(r"[0-9a-f]{40}")
MAX_REF_NAME_BYTES = 200


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


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


def _epoch(when: datetime | None) -> int | None:
    return None if when is None else int(when.timestamp())


def _encode_token(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode()


def _decode_token(token: str | None) -> int | None:
    if not token:
        return None
    try:
        kind, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind == "seq":
            return int(value)
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidArgument("page_token is not one this store issued", subject="page_token")


def _page_size(size: int) -> int:
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidArgument(f"page_size must be 1..{MAX_PAGE_SIZE}", subject="page_size")
    return size


class Store:
    """A bare git repository of YAML documents plus its history index.

    Open with :meth:`open`; one instance is safe to share between threads, and several
    processes may open the same path.
    """

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
        self._lock = WriterLock(meta / "lock")
        self._index = HistoryIndex(meta / "index.sqlite")
        self._trees = TreeCache(self._get)
        self._last_commit: tuple[bytes, bytes] | None = None  # (commit id, tree id) last written
        self._written: OrderedDict[bytes, ShaFile] = OrderedDict()  # recent blobs and commits
        self._written_bytes = 0
        self._written_lock = threading.Lock()
        # Test hook: called with "objects-written" and "ref-updated" during every write.
        self._checkpoint: Callable[[str], None] | None = None
        self._listeners: list[Callable[[str], None]] = []

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, key: StoreKey | None = None,
             committer: Author = DEFAULT_COMMITTER, default_branch: str = "main",
             max_document_bytes: int = documents.DEFAULT_MAX_DOCUMENT_BYTES) -> Store:
        """Open the store at ``path``, creating a bare repository if there is none, and
        catch the history index up with the refs (rebuilding it if missing)."""
        repo_path = Path(path)
        if not (repo_path / "HEAD").exists():
            repo_path.mkdir(parents=True, exist_ok=True)
            repo = Repo.init_bare(str(repo_path))
            repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/" + default_branch.encode())
            repo.close()
        store = cls(repo_path, key=key, committer=committer, default_branch=default_branch,
                    max_document_bytes=max_document_bytes)
        store.reindex()
        return store

    def close(self) -> None:
        self._index.close()
        self._lock.close()

    def add_listener(self, listener: Callable[[str], None]) -> None:
        """Call ``listener`` after every change of a ref, outside the writer lock: with the
        commit's operation (``apply``, ``merge``...) for a new commit, ``ref`` for a tag or
        branch created, moved without a new commit (fast-forward) or deleted. Mirrors and
        metrics hang here; a failing listener is logged and never fails the write."""
        self._listeners.append(listener)

    def _notify(self, operation: str) -> None:
        for listener in self._listeners:
            try:
                listener(operation)
            except Exception:
                log.exception("store listener failed")
        repo = getattr(self._local, "repo", None)
        if repo is not None:
            repo.close()
            self._local.repo = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- low-level access (shared with gitstore.backup) --------------------------------------
    @property
    def _repo(self) -> Repo:
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

    def _get(self, sha: bytes) -> ShaFile:
        """Read an object; on a miss reopen the repo once (another process may have packed).

        Objects this store wrote recently come from memory: reading a document right after
        writing it (what an apply does) then opens no new pack."""
        with self._written_lock:
            obj = self._written.get(sha)
        if obj is not None:
            return obj
        try:
            return self._repo.object_store[sha]
        except (KeyError, FileNotFoundError):
            # A miss, or a pack this thread's repo listed but a consolidation has since merged
            # away (its index is loaded lazily): look again with a fresh pack list.
            try:
                return self._reopen().object_store[sha]
            except KeyError:
                raise NotFound(f"object {sha.decode()} not found", subject=sha.decode()) from None

    def _reopen(self) -> Repo:
        """This thread's repo, opened anew: its pack list may name packs merged away since."""
        stale = getattr(self._local, "repo", None)
        if stale is not None:
            stale.close()
        self._local.repo = None
        return self._repo

    def _tree_of(self, commit: bytes) -> bytes:
        """The root tree of ``commit``; the one this store wrote last is remembered, so the
        next write on the branch need not read its commit back (and open its pack)."""
        last = self._last_commit
        return last[1] if last is not None and last[0] == commit else self._commit(commit).tree

    def _commit(self, sha: bytes) -> Commit:
        obj = self._get(sha)
        if isinstance(obj, Tag):
            obj = self._get(obj.object[1])
        if not isinstance(obj, Commit):
            raise NotFound(f"{sha.decode()} is not a commit", subject=sha.decode())
        return obj

    def _ref_value(self, ref: bytes) -> bytes | None:
        try:
            return self._repo.refs[ref]
        except KeyError:
            return None

    def _branch_ref(self, branch: str) -> bytes:
        return b"refs/heads/" + check_ref_name(branch, "branch").encode()

    def _tag_ref(self, tag: str) -> bytes:
        return b"refs/tags/" + check_ref_name(tag, "tag").encode()

    def _head(self, branch: str) -> bytes:
        head = self._ref_value(self._branch_ref(branch))
        if head is None:
            raise NotFound(f"branch {branch!r} does not exist", subject=branch)
        return head

    def _sync(self, branch: str, head: bytes) -> None:
        sync_branch(self._index, self._commit, self._repo.object_store, branch, head)

    def _fresh(self, branch: str) -> tuple[bytes, int]:
        """The branch head and its index seq, catching the index up if it lags the ref."""
        head = self._head(branch)
        indexed = self._index.head(branch)
        if indexed is None or indexed[0] != head.decode():
            with self._lock.hold():
                head = self._head(branch)
                self._sync(branch, head)
            indexed = self._index.head(branch)
            assert indexed is not None
        return head, indexed[1]

    def reindex(self) -> None:
        """Catch the index up with every branch and forget branches that no longer exist."""
        with self._lock.hold():
            refs = self._repo.refs.as_dict(b"refs/heads")
            for name in self._index.branches():
                if name.encode() not in refs:
                    self._index.drop_branch(name)
            default = self.default_branch.encode()
            for name in sorted(refs, key=lambda n: n != default):  # main first: others copy it
                self._sync(name.decode(), refs[name])

    def push(self, url: str) -> dict[str, str]:
        """Makes the git remote at ``url`` hold this store's branches and tags (gitstore.remote)."""
        return remote.push(self.path, url)

    def fetch(self, url: str) -> dict[str, str]:
        """Makes this store's branches and tags those of the remote at ``url``: for a replica
        that reads what another one writes. Raises RemoteError, leaving the store as it was."""
        with self._lock.hold():
            refs = remote.fetch(self.path, url)
        self.reindex()
        self._notify("ref")
        return refs

    def resolve(self, ref: str) -> str:
        """The commit id a branch, tag, full ref name or commit id names."""
        return self._resolve(ref).decode()

    def _resolve(self, ref: str) -> bytes:
        if not ref:
            raise InvalidArgument("ref must not be empty", subject="ref")
        if not _COMMIT_ID.fullmatch(ref):
            check_ref_name(ref.removeprefix("refs/"), "ref")
        candidates = [b"refs/heads/" + ref.encode(), b"refs/tags/" + ref.encode()]
        if ref.startswith("refs/"):
            candidates.insert(0, ref.encode())
        for candidate in candidates:
            value = self._ref_value(candidate)
            if value is not None:
                return self._commit(value).id
        if len(ref) == 40 and all(c in "0123456789abcdef" for c in ref):
            try:
                return self._commit(ref.encode()).id
            except NotFound:
                pass
        raise NotFound(f"no branch, tag or commit named {ref!r}", subject=ref)

    def _locate(self, ref: str) -> tuple[str, int, bytes]:
        """(branch, seq, commit) of ``ref`` in the index: a branch head, or a commit on the
        first-parent chain of some branch (the default branch preferred)."""
        if not _COMMIT_ID.fullmatch(ref):
            check_ref_name(ref.removeprefix("refs/"), "ref")
        if self._ref_value(b"refs/heads/" + ref.encode()) is not None:
            head, seq = self._fresh(ref)
            return ref, seq, head
        commit = self._resolve(ref)
        self._fresh(self.default_branch)
        found = self._index.find_commit(commit.decode(), prefer=self.default_branch)
        if found is None:
            raise NotFound(f"{ref!r} is on no branch's first-parent history", subject=ref)
        return found[0], found[1], commit

    # --- writing -----------------------------------------------------------------------------
    def _prepare(self, change: Change) -> tuple[str, Blob | None]:
        path = validate_path(change.path)
        if change.content is None:
            return path, None
        data = documents.parse(change.content, subject=path, max_bytes=self.max_document_bytes)
        sealed = encrypt_secret(data, path, self.key)
        raw = documents.serialise(sealed, subject=path, max_bytes=self.max_document_bytes)
        return path, Blob.from_string(raw)

    def commit(self, changes: Sequence[Change], *, author: Author, message: str = "",
               operation: str = "apply", request_id: str = "", branch: str | None = None,
               expected: Mapping[str, str | None] | None = None,
               expected_head: str | None = None, timestamp: int | None = None
               ) -> CommitInfo | None:
        """Put and delete documents in ONE commit on ``branch``.

        ``expected`` maps paths to the etag the caller last saw (blob id, or the id of the
        commit that wrote that version; ``None`` = must not exist); ``expected_head`` is the
        branch head the caller last saw. A mismatch raises :class:`Conflict` carrying the
        current value. Returns None when every document equals the stored one (no commit).
        """
        prepared: dict[str, Blob | None] = {}
        for change in changes:
            path, blob = self._prepare(change)
            if path in prepared:
                raise InvalidDocument(f"{path!r} appears twice in one commit", subject=path)
            prepared[path] = blob
        if not prepared:
            raise InvalidArgument("a commit needs at least one change", subject="changes")
        return self._write(prepared, author=author, message=message, operation=operation,
                           request_id=request_id, branch=branch or self.default_branch,
                           expected=expected, expected_head=expected_head, timestamp=timestamp)

    def _check_expected(self, expected: Mapping[str, str | None],
                        current: Mapping[str, bytes | None], branch: str, seq: int) -> None:
        """Raise Conflict unless each expected etag names the current version of its path:
        its blob id or the id of the commit that wrote it (None: the path must not exist)."""
        for path, want in expected.items():
            blob = current[path]
            if blob is None:
                if want is None:
                    continue
                raise Conflict(f"{path!r} does not exist", subject=path, current=None)
            rows = self._index.versions(branch, path, seq, None, 1)
            if want not in (blob.decode(), rows[0].meta.commit_id if rows else None):
                raise Conflict(f"{path!r} changed since etag {want}", subject=path,
                               current=blob.decode())

    def _write(self, prepared: Mapping[str, Blob | None], *, author: Author, message: str,
               operation: str, request_id: str, branch: str,
               expected: Mapping[str, str | None] | None = None,
               expected_head: str | None = None, timestamp: int | None = None,
               extra_parents: Sequence[bytes] = ()) -> CommitInfo | None:
        """The one write path (commit, rollback, merge): check preconditions, write objects,
        move the ref, index the commit, all under the writer lock."""
        if operation not in OPERATIONS:
            raise InvalidArgument(f"operation must be one of {sorted(OPERATIONS)}",
                                  subject="operation")
        ref = self._branch_ref(branch)
        for path in expected or {}:
            validate_path(path)
        with self._lock.hold():
            head = self._ref_value(ref)
            if head is None and (branch != self.default_branch or self._repo.refs.as_dict(b"refs/heads")):
                raise NotFound(f"branch {branch!r} does not exist", subject=branch)
            if expected_head is not None and (head or b"").decode() != expected_head:
                raise Conflict(f"branch {branch!r} moved", subject=branch,
                               current=head.decode() if head else None)
            seq = 0
            if head is not None:
                self._sync(branch, head)
                seq = self._index.head(branch)[1]  # type: ignore[index]
            root = self._tree_of(head) if head is not None else None
            current = {p: (e[1] if (e := self._trees.lookup(root, p)) else None)
                       for p in set(prepared) | set(expected or {})}
            self._check_expected(expected or {}, current, branch, seq)
            effective: dict[str, Blob | None] = {}
            for path, blob in prepared.items():
                if blob is None and current[path] is None:
                    raise NotFound(f"cannot delete {path!r}: it does not exist on {branch!r}",
                                   subject=path)
                if (blob.id if blob is not None else None) != current[path]:
                    effective[path] = blob
            parents = ([head] if head is not None else []) + \
                [p for p in extra_parents if p != head]
            if not effective and len(parents) <= 1:
                return None
            new_root, trees = self._trees.apply(
                root, {p: (b.id if b is not None else None) for p, b in effective.items()})
            when = int(time.time()) if timestamp is None else timestamp
            paths = sorted(effective)
            commit = Commit()
            commit.tree = new_root
            commit.parents = parents
            commit.author = author.identity()
            commit.committer = self.committer.identity()
            commit.author_time = commit.commit_time = when
            commit.author_timezone = commit.commit_timezone = 0
            commit.encoding = b"UTF-8"
            commit.message = build_message(message, paths, operation, request_id)
            self._add_objects([b for b in effective.values() if b is not None] + trees + [commit])
            self._move_ref(ref, head, commit.id)
            self._last_commit = (commit.id, new_root)
            meta = commit_meta(commit)
            entry = IndexedCommit(meta, [(p, b.id.decode() if b else None) for p, b in effective.items()])
            if self._index.head(branch) == ((head.decode(), seq) if head else None):
                self._index.append(branch, [entry], base=None, start_seq=seq)
            else:
                self._sync(branch, commit.id)
            numbers = self._index.version_numbers(branch, paths, self._index.head(branch)[1])  # type: ignore[index]
            self._consolidate()
        self._notify(operation)
        return CommitInfo(
            commit_id=commit.id.decode(), branch=branch,
            parent_ids=tuple(p.decode() for p in parents), author=author, time=_utc(when),
            message=meta.message, operation=operation, request_id=request_id,
            paths=tuple(paths), etags={p: b.id.decode() if b else None for p, b in effective.items()},
            versions=numbers,
        )

    @property
    def _pack_dir(self) -> Path:
        return Path(self._repo.object_store.pack_dir)

    def _add_objects(self, objects: Sequence[ShaFile]) -> None:
        """Write new objects as ONE pack (two new files, whatever the count) before the ref
        moves; fsynced only when the repository sets ``core.fsyncObjectFiles``."""
        packs.write_objects(self._pack_dir, objects,
                            fsync=self._repo.object_store.fsync_object_files)
        with self._written_lock:
            for obj in objects:
                if not isinstance(obj, Tree):  # trees live in the TreeCache
                    self._written[obj.id] = obj
                    self._written_bytes += obj.raw_length()
            while self._written_bytes > _WRITTEN_CACHE_BYTES:
                self._written_bytes -= self._written.popitem(last=False)[1].raw_length()
        if self._checkpoint:
            self._checkpoint("objects-written")

    def _consolidate(self) -> None:
        """Keep the number of packs bounded (caller holds the writer lock). The commit is
        already complete, so a failure here is logged, not raised: the next write retries."""
        try:
            if packs.consolidate(self._pack_dir, fsync=self._repo.object_store.fsync_object_files):
                self._packs_merged += 1
        except OSError:
            log.warning("consolidating the packs of %s failed", self.path, exc_info=True)

    def _move_ref(self, ref: bytes, old: bytes | None, new: bytes) -> None:
        """Compare-and-swap ``ref`` from ``old`` to ``new`` (caller holds the writer lock).

        A ``<ref>.lock`` file seen while we hold the writer lock was left by a killed writer,
        so it is removed first rather than blocking the branch forever."""
        stale = self.path / (ref.decode() + ".lock")
        stale.unlink(missing_ok=True)
        refs = self._repo.refs
        moved = refs.add_if_new(ref, new) if old is None else refs.set_if_equals(ref, old, new)
        if not moved:
            current = self._ref_value(ref)
            raise Conflict(f"{ref.decode()} moved during the write", subject=ref.decode(),
                           current=current.decode() if current else None)
        if self._checkpoint:
            self._checkpoint("ref-updated")

    # --- reading -----------------------------------------------------------------------------
    def _document(self, path: str, blob_id: bytes, commit_id: bytes,
                  version: Version | None = None) -> Document:
        blob = self._get(blob_id)
        data = documents.load(blob.as_raw_string())
        if not isinstance(data, dict):
            raise InvalidDocument(f"stored {path!r} is not a YAML mapping", subject=path)
        plain, locked = decrypt_secret(data, path, self.key)
        text = blob.as_raw_string().decode() if plain is data else documents.dump(plain)
        return Document(path=path, text=text, data=plain, etag=blob_id.decode(),
                        commit_id=commit_id.decode(), encrypted=locked, version=version)

    def read(self, path: str, ref: str | None = None) -> Document:
        """The document at ``path`` on a branch (default: main), tag or commit."""
        path = validate_path(path)
        commit = self._resolve(ref or self.default_branch)
        entry = self._trees.lookup(self._tree_of(commit), path)
        if entry is None:
            raise NotFound(f"{path!r} does not exist at {ref or self.default_branch!r}", subject=path)
        return self._document(path, entry[1], commit)

    def read_if_exists(self, path: str, ref: str | None = None) -> Document | None:
        """Like :meth:`read`, but None when ``path`` does not exist there (one lookup where
        ``exists`` then ``read`` would resolve the ref and walk the trees twice). A new store
        reads as empty, as with :meth:`exists`."""
        path = validate_path(path)
        name = ref or self.default_branch
        if name == self.default_branch and self._ref_value(self._branch_ref(name)) is None:
            return None
        commit = self._resolve(name)
        entry = self._trees.lookup(self._tree_of(commit), path)
        return None if entry is None else self._document(path, entry[1], commit)

    def _root(self, ref: str | None) -> bytes | None:
        """The tree at ``ref``; None for the default branch before its first commit, so a new
        store reads as empty rather than as missing."""
        name = ref or self.default_branch
        if name == self.default_branch and self._ref_value(self._branch_ref(name)) is None:
            return None
        return self._tree_of(self._resolve(name))

    def exists(self, path: str, ref: str | None = None) -> bool:
        path = validate_path(path)
        root = self._root(ref)
        return root is not None and self._trees.lookup(root, path) is not None

    def list_paths(self, prefix: str = "", ref: str | None = None) -> list[str]:
        """Every document path under directory ``prefix`` at ``ref``, sorted."""
        return list(self.etags(prefix, ref))

    def etags(self, prefix: str = "", ref: str | None = None) -> dict[str, str]:
        """path -> etag of every document under directory ``prefix`` at ``ref`` (sorted by path):
        a snapshot a long writer (a cluster sync) can pass back as ``expected`` preconditions."""
        prefix = validate_prefix(prefix)
        root = self._root(ref)
        if root is None:
            return {}
        return {p: blob.decode() for p, blob in self._trees.walk(root, prefix) if under_prefix(p, prefix)}

    def _tags_by_commit(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, sha in self._repo.refs.as_dict(b"refs/tags").items():
            try:
                out.setdefault(self._commit(sha).id.decode(), []).append(name.decode())
            except NotFound:
                continue
        return out

    def _version(self, number: int, row_meta: CommitMeta, blob: str | None,
                 tags: Mapping[str, list[str]], current: bool) -> Version:
        return Version(
            number=number, commit_id=row_meta.commit_id,
            author=Author(row_meta.author_name, row_meta.author_email),
            time=_utc(row_meta.time), message=row_meta.message, operation=row_meta.operation,
            request_id=row_meta.request_id, etag=blob,
            tags=tuple(sorted(tags.get(row_meta.commit_id, ()))), current=current,
        )

    def list_versions(self, path: str, ref: str | None = None, page_size: int = 50,
                      page_token: str | None = None) -> tuple[list[Version], str | None]:
        """Versions of ``path`` newest first (deletions included), from the index:
        O(versions of this path), whatever the size of the store."""
        path = validate_path(path)
        branch, max_seq, _ = self._locate(ref or self.default_branch)
        before = _decode_token(page_token)
        rows = self._index.versions(branch, path, max_seq, before, _page_size(page_size) + 1)
        if not rows and before is None:
            raise NotFound(f"{path!r} has no history on {ref or branch!r}", subject=path)
        if not rows:
            return [], None
        top = self._index.count_versions(branch, path, rows[0].seq)
        newest = self._index.versions(branch, path, max_seq, None, 1)[0].seq
        tags = self._tags_by_commit()
        versions = [
            self._version(top - i, row.meta, row.blob, tags,
                          current=row.seq == newest and row.blob is not None)
            for i, row in enumerate(rows[:page_size])
        ]
        token = _encode_token(rows[page_size - 1].seq) if len(rows) > page_size else None
        return versions, token

    def get_version(self, path: str, *, version: int | None = None, commit: str | None = None,
                    tag: str | None = None, branch: str | None = None) -> Document:
        """The document as of version number N on ``branch`` or as of a commit or tag, with
        its :class:`Version` attached. Raises NotFound if that version deleted it."""
        path = validate_path(path)
        if sum(x is not None for x in (version, commit, tag)) != 1:
            raise InvalidArgument("give exactly one of version, commit, tag", subject="version")
        if version is not None:
            branch, max_seq, _ = self._locate(branch or self.default_branch)
            total = self._index.count_versions(branch, path, max_seq)
            if not 1 <= version <= total:
                raise NotFound(f"{path!r} has {total} versions, not {version}", subject="version")
            row = self._index.versions(branch, path, max_seq, None, total - version + 1)[-1]
        else:
            branch, max_seq, _ = self._locate(commit or tag)  # type: ignore[arg-type]
            rows = self._index.versions(branch, path, max_seq, None, 1)
            if not rows:
                raise NotFound(f"{path!r} did not exist at {commit or tag!r}", subject=path)
            row, version = rows[0], self._index.count_versions(branch, path, rows[0].seq)
        head_seq = self._index.head(branch)[1]  # type: ignore[index]
        newest = self._index.versions(branch, path, head_seq, None, 1)[0]
        info = self._version(version, row.meta, row.blob, self._tags_by_commit(),
                             current=newest.seq == row.seq and row.blob is not None)
        if row.blob is None:
            raise NotFound(f"version {version} of {path!r} is its deletion", subject="version")
        return self._document(path, row.blob.encode(), row.meta.commit_id.encode(), info)

    def log(self, *, prefix: str | None = None, author: str | None = None,
            since: datetime | None = None, until: datetime | None = None,
            operation: str | None = None, ref: str | None = None, page_size: int = 50,
            page_token: str | None = None) -> tuple[list[LogEntry], str | None]:
        """The first-parent history of a branch (or up to a tag/commit), newest first,
        filtered by path prefix, author (name or email), time range [since, until) and
        operation."""
        branch, max_seq, _ = self._locate(ref or self.default_branch)
        prefix = validate_prefix(prefix)
        size = _page_size(page_size)
        rows = self._index.log(branch, max_seq, before_seq=_decode_token(page_token),
                               limit=size + 1, prefix=prefix, author=author,
                               since=_epoch(since), until=_epoch(until), operation=operation)
        entries = [
            LogEntry(commit_id=m.commit_id, author=Author(m.author_name, m.author_email),
                     time=_utc(m.time), message=m.message, operation=m.operation,
                     request_id=m.request_id,
                     paths=tuple(self._index.paths_changed(branch, seq)))
            for seq, m in rows[:size]
        ]
        return entries, (_encode_token(rows[size - 1][0]) if len(rows) > size else None)

    def commit_paths(self, commit_id: str) -> tuple[str, ...]:
        """The paths a commit changed (against its first parent), from the history index."""
        branch, seq, _ = self._locate(commit_id)
        return tuple(self._index.paths_changed(branch, seq))

    # --- diffs and rollback ------------------------------------------------------------------
    def _side(self, path: str, spec: Spec | None, branch: str | None) -> dict[str, Any] | None:
        """The parsed document a diff side names, or None when it is absent there."""
        try:
            if isinstance(spec, int):
                return self.get_version(path, version=spec, branch=branch).data
            return self.read(path, spec or branch).data
        except NotFound as exc:
            if exc.subject in (path, "version"):
                return None
            raise

    def diff(self, path: str, old: Spec, new: Spec | None = None, *,
             document: Content | None = None, branch: str | None = None) -> DocumentDiff:
        """Diff ``path`` between two refs or version numbers (``new`` defaults to the branch
        head), or between ``old`` and a supplied ``document``. Secret values are redacted."""
        path = validate_path(path)
        before = self._side(path, old, branch)
        if document is not None:
            after: dict[str, Any] | None = documents.parse(
                document, subject="document", max_bytes=self.max_document_bytes)
        else:
            after = self._side(path, new, branch)
        return document_diff(path, before, after)

    def rollback(self, path: str, to: Spec, *, author: Author, message: str = "",
                 request_id: str = "", branch: str | None = None,
                 expected: Mapping[str, str | None] | None = None) -> CommitInfo | None:
        """Commit the content ``path`` had at version ``to`` (or ref) as a new commit;
        history is never rewritten. Rolling back to a deletion deletes the document."""
        path = validate_path(path)
        branch = branch or self.default_branch
        target = self._side(path, to, branch)
        if target is None and not self.exists(path, branch):
            return None
        change = Change.put(path, target) if target is not None else Change.delete(path)
        return self.commit([change], author=author, operation="rollback", request_id=request_id,
                           message=message or f"Roll back {path} to {to}", branch=branch,
                           expected=expected)

    # --- tags and branches -------------------------------------------------------------------
    def create_tag(self, name: str, ref: str | None = None, *, message: str | None = None,
                   tagger: Author | None = None, owner: RefOwner | None = None) -> TagInfo:
        """A lightweight tag, or an annotated one when ``message`` is given; ``owner`` is
        recorded beside it (see :meth:`ref_owner`)."""
        tag_ref = self._tag_ref(name)
        target = self._resolve(ref or self.default_branch)
        with self._lock.hold():
            value = target
            if message is not None:
                tag = Tag()
                tag.name = name.encode()
                tag.object = (Commit, target)
                tag.tagger = (tagger or self.committer).identity()
                tag.tag_time = int(time.time())
                tag.tag_timezone = 0
                tag.message = message.encode() + (b"" if message.endswith("\n") else b"\n")
                self._add_objects([tag])
                value = tag.id
            if not self._repo.refs.add_if_new(tag_ref, value):
                raise AlreadyExists(f"tag {name!r} already exists", subject=name)
            self._record_owner(tag_ref, owner)
        self._notify("ref")
        return self._tag_info(name, value)

    def _record_owner(self, ref: bytes, owner: RefOwner | None) -> None:
        """Keep ``owner`` beside ``ref`` as a blob under refs/owners/ (inside the writer lock)."""
        if owner is None:
            return
        blob = Blob.from_string(json.dumps({"name": owner.author.name, "email": owner.author.email,
                                            "protected": owner.protected}).encode())
        self._add_objects([blob])
        self._repo.refs[_owner_ref(ref)] = blob.id

    def _forget_owner(self, ref: bytes) -> None:
        self._repo.refs.remove_if_equals(_owner_ref(ref), None)

    def ref_owner(self, ref: str) -> RefOwner | None:
        """Who made ``ref`` (``refs/heads/x`` or ``refs/tags/x``), when it was recorded."""
        value = self._ref_value(_owner_ref(ref.encode()))
        if value is None:
            return None
        raw = json.loads(self._get(value).as_raw_string())
        return RefOwner(Author(raw["name"], raw["email"]), bool(raw.get("protected")))

    def ref_changes(self, ref: str) -> list[str]:
        """The paths a ref carries: for a branch, what it changed since it left the default
        branch (its merge base); for a tag, what the tagged commit changed."""
        if ref.startswith("refs/heads/"):
            head = self._head(ref.removeprefix("refs/heads/"))
            bases = find_merge_base(self._repo, [head, self._head(self.default_branch)])
            base = bases[0] if bases else None
        else:
            head = self._resolve(ref)
            parents = self._commit(head).parents
            base = parents[0] if parents else None
        old_tree = self._tree_of(base) if base is not None else None
        return sorted(p for p, _ in changed_paths(self._repo.object_store, old_tree, self._tree_of(head)))

    def _tag_info(self, name: str, value: bytes) -> TagInfo:
        obj = self._get(value)
        if isinstance(obj, Tag):
            return TagInfo(name=name, commit_id=obj.object[1].decode(), annotated=True,
                           message=obj.message.decode().rstrip("\n"),
                           tagger=Author.parse(obj.tagger), time=_utc(obj.tag_time))
        return TagInfo(name=name, commit_id=value.decode(), annotated=False)

    def list_tags(self) -> list[TagInfo]:
        return [self._tag_info(n.decode(), v)
                for n, v in sorted(self._repo.refs.as_dict(b"refs/tags").items())]

    def delete_tag(self, name: str) -> None:
        tag_ref = self._tag_ref(name)
        with self._lock.hold():
            if self._ref_value(tag_ref) is None:
                raise NotFound(f"tag {name!r} does not exist", subject=name)
            self._repo.refs.remove_if_equals(tag_ref, None)
            self._forget_owner(tag_ref)
        self._notify("ref")

    def create_branch(self, name: str, from_ref: str | None = None, *, owner: RefOwner | None = None
                      ) -> BranchInfo:
        """A draft branch starting at ``from_ref`` (default: the default branch head)."""
        ref = self._branch_ref(name)
        start = self._resolve(from_ref or self.default_branch)
        with self._lock.hold():
            if not self._repo.refs.add_if_new(ref, start):
                raise AlreadyExists(f"branch {name!r} already exists", subject=name)
            self._record_owner(ref, owner)
            self._sync(name, start)
        self._notify("ref")
        return self._branch_info(name, start)

    def _branch_info(self, name: str, head: bytes) -> BranchInfo:
        base = self._head(self.default_branch)
        ahead, behind = self._count_between(head, base), self._count_between(base, head)
        return BranchInfo(name=name, head=head.decode(), ahead=ahead, behind=behind)

    def _count_between(self, include: bytes, exclude: bytes) -> int:
        """Commits reachable from ``include`` but not from ``exclude``."""
        if include == exclude:
            return 0
        return sum(1 for _ in self._repo.get_walker(include=[include], exclude=[exclude]))

    def list_branches(self) -> list[BranchInfo]:
        """Every branch with its head and ahead/behind counts against the default branch."""
        return [self._branch_info(n.decode(), v)
                for n, v in sorted(self._repo.refs.as_dict(b"refs/heads").items())]

    def ahead_behind(self, branch: str, base: str | None = None) -> tuple[int, int]:
        """(commits on ``branch`` not on ``base``, commits on ``base`` not on ``branch``)."""
        a, b = self._resolve(branch), self._resolve(base or self.default_branch)
        return self._count_between(a, b), self._count_between(b, a)

    def delete_branch(self, name: str) -> None:
        if name == self.default_branch:
            raise Precondition(f"the default branch {name!r} cannot be deleted", subject=name)
        ref = self._branch_ref(name)
        with self._lock.hold():
            if self._ref_value(ref) is None:
                raise NotFound(f"branch {name!r} does not exist", subject=name)
            self._repo.refs.remove_if_equals(ref, None)
            self._forget_owner(ref)
            self._index.drop_branch(name)
        self._notify("ref")

    # --- merges ------------------------------------------------------------------------------
    def _stored(self, tree: bytes | None, path: str) -> dict[str, Any] | None:
        entry = self._trees.lookup(tree, path)
        return None if entry is None else documents.load(self._get(entry[1]).as_raw_string())

    def _plain(self, path: str, stored: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if stored is None else decrypt_secret(stored, path, self.key)[0]

    def compute_merge(self, source: str, target: str | None = None) -> MergePlan:
        """Plan merging branch ``source`` into ``target`` without committing anything:
        fast-forward when possible, else a three-way merge per file and per YAML field."""
        target = target or self.default_branch
        s, t = self._head(source), self._head(target)
        plan = dict(source=source, target=target, source_head=s.decode(), target_head=t.decode())
        if s == t or can_fast_forward(self._repo, s, t):
            return MergePlan(**plan, base=s.decode(), fast_forward=False, up_to_date=True)
        bases = find_merge_base(self._repo, [s, t])
        base = bases[0] if bases else None
        base_tree = self._commit(base).tree if base else None
        s_tree, t_tree = self._commit(s).tree, self._commit(t).tree
        if base == t:
            docs = {p: self._plain(p, self._stored(s_tree, p))
                    for p, _ in changed_paths(self._repo.object_store, t_tree, s_tree)}
            return MergePlan(**plan, base=t.decode(), fast_forward=True, up_to_date=False,
                             documents=docs)
        theirs = dict(changed_paths(self._repo.object_store, base_tree, s_tree))
        ours = dict(changed_paths(self._repo.object_store, base_tree, t_tree))
        docs: dict[str, dict[str, Any] | None] = {}
        conflicts = []
        for path, blob in sorted(theirs.items()):
            if path in ours and ours[path] == blob:
                continue
            if path not in ours:
                docs[path] = self._plain(path, self._stored(s_tree, path))
                continue
            merged, found = merge_documents(self._stored(base_tree, path),
                                            self._stored(t_tree, path),
                                            self._stored(s_tree, path), path)
            conflicts += found
            if not found and merged != self._stored(t_tree, path):
                docs[path] = self._plain(path, merged)
        return MergePlan(**plan, base=base.decode() if base else None, fast_forward=False,
                         up_to_date=False, documents=docs, conflicts=tuple(conflicts))

    def commit_merge(self, plan: MergePlan, *, author: Author, message: str = "",
                     request_id: str = "", only_paths: Iterable[str] | None = None
                     ) -> CommitInfo | None:
        """Commit a plan from :meth:`compute_merge`, all of it or only ``only_paths``.

        The whole plan fast-forwards when it can, else makes a merge commit with both heads
        as parents. A subset is an ordinary commit on the target (source is not recorded
        as merged, since part of it is not). Raises MergeConflict if the committed paths
        have conflicts, Conflict if the target moved since the plan was computed."""
        selected = set(plan.documents) if only_paths is None else set(only_paths)
        unknown = selected - set(plan.documents)
        if unknown:
            raise InvalidArgument(f"paths not in the merge plan: {sorted(unknown)}",
                                  subject="only_paths")
        conflicts = [c for c in plan.conflicts if only_paths is None or c.path in selected]
        if conflicts:
            raise MergeConflict(f"{len(conflicts)} conflicting field(s); nothing committed",
                                subject=plan.target, conflicts=conflicts)
        if plan.up_to_date:
            return None
        message = message or f"Merge {plan.source} into {plan.target}"
        if plan.fast_forward and only_paths is None:
            return self._fast_forward(plan)
        prepared = dict(self._prepare(Change(p, plan.documents[p])) for p in sorted(selected))
        extra = [plan.source_head.encode()] if only_paths is None else []
        return self._write(prepared, author=author, message=message, operation="merge",
                           request_id=request_id, branch=plan.target,
                           expected_head=plan.target_head, extra_parents=extra)

    def _fast_forward(self, plan: MergePlan) -> CommitInfo:
        ref = self._branch_ref(plan.target)
        new = plan.source_head.encode()
        with self._lock.hold():
            old = self._ref_value(ref)
            if (old or b"").decode() != plan.target_head:
                raise Conflict(f"branch {plan.target!r} moved", subject=plan.target,
                               current=old.decode() if old else None)
            self._move_ref(ref, old, new)
            self._sync(plan.target, new)
            numbers = self._index.version_numbers(plan.target, sorted(plan.documents),
                                                  self._index.head(plan.target)[1])  # type: ignore[index]
        self._notify("ref")
        head = self._commit(new)
        meta = commit_meta(head)
        return CommitInfo(commit_id=meta.commit_id, branch=plan.target,
                          parent_ids=tuple(p.decode() for p in head.parents),
                          author=Author(meta.author_name, meta.author_email), time=_utc(meta.time),
                          message=meta.message, operation=meta.operation,
                          request_id=meta.request_id, paths=tuple(sorted(plan.documents)),
                          etags={p: (e[1].decode() if (e := self._trees.lookup(head.tree, p)) else None)
                                 for p in plan.documents},
                          versions=numbers)

    # --- maintenance and backups -------------------------------------------------------------
    def pack(self) -> int:
        """Combine loose objects and every pack into one pack; returns its object count.

        Costs O(store): an optional maintenance step (e.g. before a backup or a clone).
        Writes keep the number of packs bounded by themselves (:mod:`gitstore.packs`)."""
        with self._lock.hold():
            self._repo.object_store.pack_loose_objects()
            packs.clear_temporaries(self._pack_dir)
            current = packs.list_packs(self._pack_dir)
            if len(current) <= 1:
                return sum(p.objects for p in current)
            merged = packs.merge(self._pack_dir, current, fsync=self._repo.object_store.fsync_object_files)
            self._packs_merged += 1
            return merged.objects

    def create_backup(self, dest_dir: str | os.PathLike[str], *, refs: Sequence[str] | None = None,
                      since: str | None = None, backup_id: str | None = None) -> BackupManifest:
        """See :func:`gitstore.backup.create_backup`."""
        return backup.create_backup(self, Path(dest_dir), refs=refs, since=since,
                                    backup_id=backup_id)

    def verify_backup(self, backup_dir: str | os.PathLike[str], backup_id: str) -> BackupManifest:
        """See :func:`gitstore.backup.verify_backup`."""
        return backup.verify_backup(self._require_key(), Path(backup_dir), backup_id)

    def restore_backup(self, backup_dir: str | os.PathLike[str], backup_id: str,
                       into: str | None = None, owner: RefOwner | None = None) -> RestoreResult:
        """See :func:`gitstore.backup.restore_backup`; ``owner`` is recorded for the refs it makes."""
        return backup.restore_backup(self, Path(backup_dir), backup_id, into=into, owner=owner)

    @staticmethod
    def list_backups(backup_dir: str | os.PathLike[str]) -> list[BackupManifest]:
        return backup.list_backups(Path(backup_dir))

    @staticmethod
    def delete_backup(backup_dir: str | os.PathLike[str], backup_id: str) -> None:
        backup.delete_backup(Path(backup_dir), backup_id)

    def _require_key(self) -> StoreKey:
        if self.key is None:
            raise Precondition("this store was opened without a key", subject="key")
        return self.key
