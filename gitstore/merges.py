"""Merging a branch into another: plan (fast-forward or three-way per file and per YAML field,
see :mod:`gitstore.merge`), then commit all of the plan or a subset of its paths."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dulwich.graph import can_fast_forward, find_merge_base

from . import documents
from .errors import Conflict, InvalidArgument, MergeConflict
from .history import changed_paths, commit_meta
from .merge import merge_documents
from .models import Author, Change, CommitInfo, MergePlan
from .repository import Repository, utc
from .secrets import decrypt_secret
from .writes import prepare, write


def _stored(repo: Repository, tree: bytes | None, path: str) -> dict[str, Any] | None:
    entry = repo.trees.lookup(tree, path)
    return None if entry is None else documents.load(repo.get(entry[1]).as_raw_string())


def _plain(repo: Repository, path: str, stored: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if stored is None else decrypt_secret(stored, path, repo.key)[0]


def compute_merge(repo: Repository, source: str, target: str | None) -> MergePlan:
    """Plan merging branch ``source`` into ``target`` without committing anything:
    fast-forward when possible, else a three-way merge per file and per YAML field."""
    target = target or repo.default_branch
    s, t = repo.head(source), repo.head(target)
    plan = dict(source=source, target=target, source_head=s.decode(), target_head=t.decode())
    git = repo.repo
    if s == t or can_fast_forward(git, s, t):
        return MergePlan(**plan, base=s.decode(), fast_forward=False, up_to_date=True)
    bases = find_merge_base(git, [s, t])
    base = bases[0] if bases else None
    base_tree = repo.commit_object(base).tree if base else None
    s_tree, t_tree = repo.commit_object(s).tree, repo.commit_object(t).tree
    if base == t:
        docs = {p: _plain(repo, p, _stored(repo, s_tree, p))
                for p, _ in changed_paths(git.object_store, t_tree, s_tree)}
        return MergePlan(**plan, base=t.decode(), fast_forward=True, up_to_date=False,
                         documents=docs)
    theirs = dict(changed_paths(git.object_store, base_tree, s_tree))
    ours = dict(changed_paths(git.object_store, base_tree, t_tree))
    docs: dict[str, dict[str, Any] | None] = {}
    conflicts = []
    for path, blob in sorted(theirs.items()):
        if path in ours and ours[path] == blob:
            continue
        if path not in ours:
            docs[path] = _plain(repo, path, _stored(repo, s_tree, path))
            continue
        merged, found = merge_documents(_stored(repo, base_tree, path),
                                        _stored(repo, t_tree, path),
                                        _stored(repo, s_tree, path), path)
        conflicts += found
        if not found and merged != _stored(repo, t_tree, path):
            docs[path] = _plain(repo, path, merged)
    return MergePlan(**plan, base=base.decode() if base else None, fast_forward=False,
                     up_to_date=False, documents=docs, conflicts=tuple(conflicts))


def commit_merge(repo: Repository, plan: MergePlan, *, author: Author, message: str,
                 request_id: str, only_paths: Iterable[str] | None) -> CommitInfo | None:
    """See :meth:`gitstore.Store.commit_merge`."""
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
        return _fast_forward(repo, plan)
    prepared = dict(prepare(repo, Change(p, plan.documents[p])) for p in sorted(selected))
    extra = [plan.source_head.encode()] if only_paths is None else []
    return write(repo, prepared, author=author, message=message, operation="merge",
                 request_id=request_id, branch=plan.target,
                 expected_head=plan.target_head, extra_parents=extra)


def _fast_forward(repo: Repository, plan: MergePlan) -> CommitInfo:
    ref = repo.branch_ref(plan.target)
    new = plan.source_head.encode()
    with repo.lock.hold():
        old = repo.ref_value(ref)
        if (old or b"").decode() != plan.target_head:
            raise Conflict(f"branch {plan.target!r} moved", subject=plan.target,
                           current=old.decode() if old else None)
        repo.move_ref(ref, old, new)
        repo.sync(plan.target, new)
        numbers = repo.index.version_numbers(plan.target, sorted(plan.documents),
                                             repo.index.head(plan.target)[1])  # type: ignore[index]
    repo.notify("ref")
    head = repo.commit_object(new)
    meta = commit_meta(head)
    return CommitInfo(commit_id=meta.commit_id, branch=plan.target,
                      parent_ids=tuple(p.decode() for p in head.parents),
                      author=Author(meta.author_name, meta.author_email), time=utc(meta.time),
                      message=meta.message, operation=meta.operation,
                      request_id=meta.request_id, paths=tuple(sorted(plan.documents)),
                      etags={p: (e[1].decode() if (e := repo.trees.lookup(head.tree, p)) else None)
                             for p in plan.documents},
                      versions=numbers)
