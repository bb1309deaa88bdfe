"""The one write path (commit, rollback, merge): check preconditions, write objects, move the
branch with a compare-and-swap, index the commit, all under the writer lock. Reads take no
lock."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from dulwich.objects import Blob, Commit

from . import documents
from .errors import Conflict, InvalidArgument, InvalidDocument, NotFound
from .history import build_message, commit_meta
from .index import IndexedCommit
from .models import OPERATIONS, Author, Change, CommitInfo
from .paths import validate_path
from .repository import Repository, utc
from .secrets import encrypt_secret


def prepare(repo: Repository, change: Change) -> tuple[str, Blob | None]:
    """The validated path and the blob (Secret values sealed) a change writes; None deletes."""
    path = validate_path(change.path)
    if change.content is None:
        return path, None
    data = documents.parse(change.content, subject=path, max_bytes=repo.max_document_bytes)
    sealed = encrypt_secret(data, path, repo.key)
    raw = documents.serialise(sealed, subject=path, max_bytes=repo.max_document_bytes)
    return path, Blob.from_string(raw)


def commit(repo: Repository, changes: Sequence[Change], *, author: Author, message: str,
           operation: str, request_id: str, branch: str,
           expected: Mapping[str, str | None] | None, expected_head: str | None,
           timestamp: int | None) -> CommitInfo | None:
    """See :meth:`gitstore.Store.commit`."""
    prepared: dict[str, Blob | None] = {}
    for change in changes:
        path, blob = prepare(repo, change)
        if path in prepared:
            raise InvalidDocument(f"{path!r} appears twice in one commit", subject=path)
        prepared[path] = blob
    if not prepared:
        raise InvalidArgument("a commit needs at least one change", subject="changes")
    return write(repo, prepared, author=author, message=message, operation=operation,
                 request_id=request_id, branch=branch, expected=expected,
                 expected_head=expected_head, timestamp=timestamp)


def _check_expected(repo: Repository, expected: Mapping[str, str | None],
                    current: Mapping[str, bytes | None], branch: str, seq: int) -> None:
    """Raise Conflict unless each expected etag names the current version of its path:
    its blob id or the id of the commit that wrote it (None: the path must not exist)."""
    for path, want in expected.items():
        blob = current[path]
        if blob is None:
            if want is None:
                continue
            raise Conflict(f"{path!r} does not exist", subject=path, current=None)
        rows = repo.index.versions(branch, path, seq, None, 1)
        if want not in (blob.decode(), rows[0].meta.commit_id if rows else None):
            raise Conflict(f"{path!r} changed since etag {want}", subject=path,
                           current=blob.decode())


def write(repo: Repository, prepared: Mapping[str, Blob | None], *, author: Author,
          message: str, operation: str, request_id: str, branch: str,
          expected: Mapping[str, str | None] | None = None,
          expected_head: str | None = None, timestamp: int | None = None,
          extra_parents: Sequence[bytes] = ()) -> CommitInfo | None:
    """Write ``prepared`` (path -> blob, None deletes) as one commit on ``branch``."""
    if operation not in OPERATIONS:
        raise InvalidArgument(f"operation must be one of {sorted(OPERATIONS)}",
                              subject="operation")
    ref = repo.branch_ref(branch)
    for path in expected or {}:
        validate_path(path)
    with repo.lock.hold():
        head = repo.ref_value(ref)
        if head is None and (branch != repo.default_branch or repo.repo.refs.as_dict(b"refs/heads")):
            raise NotFound(f"branch {branch!r} does not exist", subject=branch)
        if expected_head is not None and (head or b"").decode() != expected_head:
            raise Conflict(f"branch {branch!r} moved", subject=branch,
                           current=head.decode() if head else None)
        seq = 0
        if head is not None:
            repo.sync(branch, head)
            seq = repo.index.head(branch)[1]  # type: ignore[index]
        root = repo.tree_of(head) if head is not None else None
        current = {p: (e[1] if (e := repo.trees.lookup(root, p)) else None)
                   for p in set(prepared) | set(expected or {})}
        _check_expected(repo, expected or {}, current, branch, seq)
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
        new_root, trees = repo.trees.apply(
            root, {p: (b.id if b is not None else None) for p, b in effective.items()})
        when = int(time.time()) if timestamp is None else timestamp
        paths = sorted(effective)
        new = Commit()
        new.tree = new_root
        new.parents = parents
        new.author = author.identity()
        new.committer = repo.committer.identity()
        new.author_time = new.commit_time = when
        new.author_timezone = new.commit_timezone = 0
        new.encoding = b"UTF-8"
        new.message = build_message(message, paths, operation, request_id)
        repo.add_objects([b for b in effective.values() if b is not None] + trees + [new])
        repo.move_ref(ref, head, new.id)
        repo.remember_written(new.id, new_root)
        meta = commit_meta(new)
        entry = IndexedCommit(meta, [(p, b.id.decode() if b else None) for p, b in effective.items()])
        if repo.index.head(branch) == ((head.decode(), seq) if head else None):
            repo.index.append(branch, [entry], base=None, start_seq=seq)
        else:
            repo.sync(branch, new.id)
        numbers = repo.index.version_numbers(branch, paths, repo.index.head(branch)[1])  # type: ignore[index]
        repo.consolidate()
    repo.notify(operation)
    return CommitInfo(
        commit_id=new.id.decode(), branch=branch,
        parent_ids=tuple(p.decode() for p in parents), author=author, time=utc(when),
        message=meta.message, operation=operation, request_id=request_id,
        paths=tuple(paths), etags={p: b.id.decode() if b else None for p, b in effective.items()},
        versions=numbers,
    )
