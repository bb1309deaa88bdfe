"""Commit messages with trailers, and catching the index up with the repository.

Every commit message ends with git trailers so plain ``git log`` shows the structure::

    <message>

    Resource: clusters/prod/namespaces/web/deployments.apps/api.yaml
    Operation: apply
    Request-Id: 3f2a...
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dulwich.diff_tree import tree_changes
from dulwich.object_store import BaseObjectStore
from dulwich.objects import Commit

from .index import CommitMeta, HistoryIndex, IndexedCommit
from .models import Author

TRAILER_KEYS = ("Resource", "Operation", "Request-Id")


def build_message(message: str, paths: Sequence[str], operation: str, request_id: str) -> bytes:
    """The full commit message: the caller's text, a blank line, then the trailers."""
    body = message.strip() or f"{operation} {len(paths)} document(s)"
    trailers = [f"Resource: {p}" for p in paths] + [f"Operation: {operation}"]
    if request_id:
        trailers.append(f"Request-Id: {request_id}")
    return (body + "\n\n" + "\n".join(trailers) + "\n").encode()


def parse_message(raw: bytes) -> tuple[str, dict[str, list[str]]]:
    """Split a message into (text without trailers, trailers); tolerates foreign commits."""
    text = raw.decode("utf-8", "replace").rstrip("\n")
    body, sep, last = text.rpartition("\n\n")
    trailers: dict[str, list[str]] = {}
    lines = last.splitlines()
    if lines and all(": " in line and line.split(": ", 1)[0] in TRAILER_KEYS for line in lines):
        for line in lines:
            key, value = line.split(": ", 1)
            trailers.setdefault(key, []).append(value)
        return (body if sep else ""), trailers
    return text, trailers


def commit_meta(commit: Commit) -> CommitMeta:
    text, trailers = parse_message(commit.message)
    author = Author.parse(commit.author)
    return CommitMeta(
        commit_id=commit.id.decode(), author_name=author.name, author_email=author.email,
        time=commit.author_time, message=text,
        operation=(trailers.get("Operation") or ["import"])[0],
        request_id=(trailers.get("Request-Id") or [""])[0],
    )


def changed_paths(store: BaseObjectStore, old_tree: bytes | None, new_tree: bytes
                  ) -> list[tuple[str, str | None]]:
    """(path, new blob id or None) for every file that differs between two trees."""
    out = []
    for change in tree_changes(store, old_tree, new_tree):
        if change.new is not None and change.new.path is not None:
            out.append((change.new.path.decode(), change.new.sha.decode()))
        elif change.old is not None and change.old.path is not None:
            out.append((change.old.path.decode(), None))
    return out


def sync_branch(index: HistoryIndex, get_commit: Callable[[bytes], Commit],
                store: BaseObjectStore, branch: str, head: bytes) -> None:
    """Bring the index rows of ``branch`` in line with its ref ``head``.

    Walks first parents from ``head`` back to the first commit the index already knows
    (on this branch, or on another branch it then copies), indexing only the missing commits.
    Costs O(missing commits) in the usual catch-up case; rebuilds from the root otherwise.
    """
    indexed = index.head(branch)
    if indexed is not None and indexed[0] == head.decode():
        return
    missing: list[Commit] = []
    known: tuple[str, int] | None = None
    cursor: bytes | None = head
    while cursor is not None:
        known = index.find_commit(cursor.decode(), prefer=branch)
        if known is not None:
            break
        commit = get_commit(cursor)
        missing.append(commit)
        cursor = commit.parents[0] if commit.parents else None
    entries = []
    for commit in reversed(missing):
        parent_tree = get_commit(commit.parents[0]).tree if commit.parents else None
        entries.append(IndexedCommit(commit_meta(commit), changed_paths(store, parent_tree, commit.tree)))
    if known is None:
        index.append(branch, entries, base=None, start_seq=0)
    elif known[0] == branch:
        index.append(branch, entries, base=None, start_seq=known[1])
    else:
        index.append(branch, entries, base=known, start_seq=known[1])
