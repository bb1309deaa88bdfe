"""The versioned YAML store: every write is one git commit in a bare repository.

:class:`Store` is the public face. Reads, version listings and diffs live here; writes
(:mod:`gitstore.writes`), tags and branches (:mod:`gitstore.refs`), merges
(:mod:`gitstore.merges`) and backups (:mod:`gitstore.backup`) are functions over the shared
low layer, :class:`gitstore.repository.Repository` (repository, refs, writer lock, index).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from dulwich.repo import Repo

from . import backup, documents, merges, remote, writes
from . import refs as ref_ops
from .crypto import StoreKey
from .diff import document_diff
from .errors import InvalidArgument, InvalidDocument, NotFound
from .index import CommitMeta
from .models import (Author, BackupManifest, BranchInfo, Change, CommitInfo, Document,
                     DocumentDiff, LogEntry, MergePlan, RefOwner, RestoreResult, TagInfo, Version)
from .paths import under_prefix, validate_path, validate_prefix
from .repository import META_DIR, Repository, utc
from .secrets import decrypt_secret

__all__ = ["DEFAULT_COMMITTER", "META_DIR", "MAX_PAGE_SIZE", "Store"]

DEFAULT_COMMITTER = Author("kubecommit", "kubecommit@localhost")
MAX_PAGE_SIZE = 1000
Content = str | bytes | Mapping[str, Any]
Spec = str | int  # a ref (branch, tag, commit id) or a version number


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

    def __init__(self, repository: Repository) -> None:
        self.repository = repository

    @property
    def path(self) -> Path:
        return self.repository.path

    @property
    def key(self) -> StoreKey | None:
        return self.repository.key

    @property
    def default_branch(self) -> str:
        return self.repository.default_branch

    @property
    def max_document_bytes(self) -> int:
        return self.repository.max_document_bytes

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
        store = cls(Repository(repo_path, key=key, committer=committer,
                               default_branch=default_branch,
                               max_document_bytes=max_document_bytes))
        store.reindex()
        return store

    def close(self) -> None:
        self.repository.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def reindex(self) -> None:
        """Catch the index up with every branch and forget branches that no longer exist."""
        self.repository.reindex()

    def add_listener(self, listener: Callable[[str], None]) -> None:
        """Call ``listener`` after every change of a ref, outside the writer lock: with the
        commit's operation (``apply``, ``merge``...) for a new commit, ``ref`` for a tag or
        branch created, moved without a new commit (fast-forward) or deleted. Mirrors and
        metrics hang here; a failing listener is logged and never fails the write."""
        self.repository.listeners.append(listener)

    def push(self, url: str) -> dict[str, str]:
        """Makes the git remote at ``url`` hold this store's branches and tags (gitstore.remote)."""
        return remote.push(self.path, url)

    def fetch(self, url: str) -> dict[str, str]:
        """Makes this store's branches and tags those of the remote at ``url``: for a replica
        that reads what another one writes. Raises RemoteError, leaving the store as it was."""
        with self.repository.lock.hold():
            refs = remote.fetch(self.path, url)
        self.reindex()
        self.repository.notify("ref")
        return refs

    def resolve(self, ref: str) -> str:
        """The commit id a branch, tag, full ref name or commit id names."""
        return self.repository.resolve(ref).decode()

    # --- writing -----------------------------------------------------------------------------
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
        return writes.commit(self.repository, changes, author=author, message=message,
                             operation=operation, request_id=request_id,
                             branch=branch or self.default_branch, expected=expected,
                             expected_head=expected_head, timestamp=timestamp)

    # --- reading -----------------------------------------------------------------------------
    def _document(self, path: str, blob_id: bytes, commit_id: bytes,
                  version: Version | None = None) -> Document:
        blob = self.repository.get(blob_id)
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
        commit = self.repository.resolve(ref or self.default_branch)
        entry = self.repository.trees.lookup(self.repository.tree_of(commit), path)
        if entry is None:
            raise NotFound(f"{path!r} does not exist at {ref or self.default_branch!r}", subject=path)
        return self._document(path, entry[1], commit)

    def read_if_exists(self, path: str, ref: str | None = None) -> Document | None:
        """Like :meth:`read`, but None when ``path`` does not exist there (one lookup where
        ``exists`` then ``read`` would resolve the ref and walk the trees twice). A new store
        reads as empty, as with :meth:`exists`."""
        path = validate_path(path)
        name = ref or self.default_branch
        if name == self.default_branch and self.repository.ref_value(self.repository.branch_ref(name)) is None:
            return None
        commit = self.repository.resolve(name)
        entry = self.repository.trees.lookup(self.repository.tree_of(commit), path)
        return None if entry is None else self._document(path, entry[1], commit)

    def _root(self, ref: str | None) -> bytes | None:
        """The tree at ``ref``; None for the default branch before its first commit, so a new
        store reads as empty rather than as missing."""
        name = ref or self.default_branch
        if name == self.default_branch and self.repository.ref_value(self.repository.branch_ref(name)) is None:
            return None
        return self.repository.tree_of(self.repository.resolve(name))

    def exists(self, path: str, ref: str | None = None) -> bool:
        path = validate_path(path)
        root = self._root(ref)
        return root is not None and self.repository.trees.lookup(root, path) is not None

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
        return {p: blob.decode() for p, blob in self.repository.trees.walk(root, prefix) if under_prefix(p, prefix)}

    def _version(self, number: int, row_meta: CommitMeta, blob: str | None,
                 tags: Mapping[str, list[str]], current: bool) -> Version:
        return Version(
            number=number, commit_id=row_meta.commit_id,
            author=Author(row_meta.author_name, row_meta.author_email),
            time=utc(row_meta.time), message=row_meta.message, operation=row_meta.operation,
            request_id=row_meta.request_id, etag=blob,
            tags=tuple(sorted(tags.get(row_meta.commit_id, ()))), current=current,
        )

    def list_versions(self, path: str, ref: str | None = None, page_size: int = 50,
                      page_token: str | None = None) -> tuple[list[Version], str | None]:
        """Versions of ``path`` newest first (deletions included), from the index:
        O(versions of this path), whatever the size of the store."""
        path = validate_path(path)
        branch, max_seq, _ = self.repository.locate(ref or self.default_branch)
        before = _decode_token(page_token)
        rows = self.repository.index.versions(branch, path, max_seq, before, _page_size(page_size) + 1)
        if not rows and before is None:
            raise NotFound(f"{path!r} has no history on {ref or branch!r}", subject=path)
        if not rows:
            return [], None
        top = self.repository.index.count_versions(branch, path, rows[0].seq)
        newest = self.repository.index.versions(branch, path, max_seq, None, 1)[0].seq
        tags = ref_ops.tags_by_commit(self.repository)
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
            branch, max_seq, _ = self.repository.locate(branch or self.default_branch)
            total = self.repository.index.count_versions(branch, path, max_seq)
            if not 1 <= version <= total:
                raise NotFound(f"{path!r} has {total} versions, not {version}", subject="version")
            row = self.repository.index.versions(branch, path, max_seq, None, total - version + 1)[-1]
        else:
            branch, max_seq, _ = self.repository.locate(commit or tag)  # type: ignore[arg-type]
            rows = self.repository.index.versions(branch, path, max_seq, None, 1)
            if not rows:
                raise NotFound(f"{path!r} did not exist at {commit or tag!r}", subject=path)
            row, version = rows[0], self.repository.index.count_versions(branch, path, rows[0].seq)
        head_seq = self.repository.index.head(branch)[1]  # type: ignore[index]
        newest = self.repository.index.versions(branch, path, head_seq, None, 1)[0]
        info = self._version(version, row.meta, row.blob, ref_ops.tags_by_commit(self.repository),
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
        branch, max_seq, _ = self.repository.locate(ref or self.default_branch)
        prefix = validate_prefix(prefix)
        size = _page_size(page_size)
        rows = self.repository.index.log(branch, max_seq, before_seq=_decode_token(page_token),
                               limit=size + 1, prefix=prefix, author=author,
                               since=_epoch(since), until=_epoch(until), operation=operation)
        entries = [
            LogEntry(commit_id=m.commit_id, author=Author(m.author_name, m.author_email),
                     time=utc(m.time), message=m.message, operation=m.operation,
                     request_id=m.request_id,
                     paths=tuple(self.repository.index.paths_changed(branch, seq)))
            for seq, m in rows[:size]
        ]
        return entries, (_encode_token(rows[size - 1][0]) if len(rows) > size else None)

    def commit_paths(self, commit_id: str) -> tuple[str, ...]:
        """The paths a commit changed (against its first parent), from the history index."""
        branch, seq, _ = self.repository.locate(commit_id)
        return tuple(self.repository.index.paths_changed(branch, seq))

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
        return ref_ops.create_tag(self.repository, name, ref, message=message, tagger=tagger, owner=owner)

    def ref_owner(self, ref: str) -> RefOwner | None:
        """Who made ``ref`` (``refs/heads/x`` or ``refs/tags/x``), when it was recorded."""
        return self.repository.ref_owner(ref)

    def ref_changes(self, ref: str) -> list[str]:
        """The paths a ref carries: for a branch, what it changed since it left the default
        branch (its merge base); for a tag, what the tagged commit changed."""
        return ref_ops.ref_changes(self.repository, ref)

    def list_tags(self) -> list[TagInfo]:
        return ref_ops.list_tags(self.repository)

    def delete_tag(self, name: str) -> None:
        ref_ops.delete_tag(self.repository, name)

    def create_branch(self, name: str, from_ref: str | None = None, *, owner: RefOwner | None = None
                      ) -> BranchInfo:
        """A draft branch starting at ``from_ref`` (default: the default branch head)."""
        return ref_ops.create_branch(self.repository, name, from_ref, owner)

    def list_branches(self) -> list[BranchInfo]:
        """Every branch with its head and ahead/behind counts against the default branch."""
        return ref_ops.list_branches(self.repository)

    def ahead_behind(self, branch: str, base: str | None = None) -> tuple[int, int]:
        """(commits on ``branch`` not on ``base``, commits on ``base`` not on ``branch``)."""
        return ref_ops.ahead_behind(self.repository, branch, base)

    def delete_branch(self, name: str) -> None:
        ref_ops.delete_branch(self.repository, name)

    # --- merges ------------------------------------------------------------------------------
    def compute_merge(self, source: str, target: str | None = None) -> MergePlan:
        """Plan merging branch ``source`` into ``target`` without committing anything:
        fast-forward when possible, else a three-way merge per file and per YAML field."""
        return merges.compute_merge(self.repository, source, target)

    def commit_merge(self, plan: MergePlan, *, author: Author, message: str = "",
                     request_id: str = "", only_paths: Iterable[str] | None = None
                     ) -> CommitInfo | None:
        """Commit a plan from :meth:`compute_merge`, all of it or only ``only_paths``.

        The whole plan fast-forwards when it can, else makes a merge commit with both heads
        as parents. A subset is an ordinary commit on the target (source is not recorded
        as merged, since part of it is not). Raises MergeConflict if the committed paths
        have conflicts, Conflict if the target moved since the plan was computed."""
        return merges.commit_merge(self.repository, plan, author=author, message=message,
                                   request_id=request_id, only_paths=only_paths)

    # --- maintenance and backups -------------------------------------------------------------
    def pack(self) -> int:
        """Combine loose objects and every pack into one pack; returns its object count.

        Costs O(store): an optional maintenance step (e.g. before a backup or a clone).
        Writes keep the number of packs bounded by themselves (:mod:`gitstore.packs`)."""
        return self.repository.pack()

    def create_backup(self, dest_dir: str | os.PathLike[str], *, refs: Sequence[str] | None = None,
                      since: str | None = None, backup_id: str | None = None,
                      progress: backup.BackupProgress = backup.no_progress) -> BackupManifest:
        """See :func:`gitstore.backup.create_backup`."""
        return backup.create_backup(self.repository, Path(dest_dir), refs=refs, since=since,
                                    backup_id=backup_id, progress=progress)

    def verify_backup(self, backup_dir: str | os.PathLike[str], backup_id: str,
                      progress: backup.BackupProgress = backup.no_progress) -> BackupManifest:
        """See :func:`gitstore.backup.verify_backup`."""
        return backup.verify_backup(self.repository.require_key(), Path(backup_dir), backup_id, progress)

    def restore_backup(self, backup_dir: str | os.PathLike[str], backup_id: str,
                       into: str | None = None, owner: RefOwner | None = None,
                       progress: backup.BackupProgress = backup.no_progress) -> RestoreResult:
        """See :func:`gitstore.backup.restore_backup`; ``owner`` is recorded for the refs it makes."""
        return backup.restore_backup(self.repository, Path(backup_dir), backup_id, into=into, owner=owner,
                                     progress=progress)

    @staticmethod
    def list_backups(backup_dir: str | os.PathLike[str]) -> list[BackupManifest]:
        return backup.list_backups(Path(backup_dir))

    @staticmethod
    def delete_backup(backup_dir: str | os.PathLike[str], backup_id: str) -> None:
        backup.delete_backup(Path(backup_dir), backup_id)
