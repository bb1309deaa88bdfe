"""MergeBranch: a three-way merge of a branch into another. Into `main` the merged resources are
applied to their clusters first — Namespaces and CRDs first, deletions last — and only what the
clusters accepted is committed; failures are reported per resource."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from gitstore import Change, CommitInfo, Document, DocumentDiff, MergeConflictItem, MergePlan, document_diff
from server import context
from server.errors import Aborted, FailedPrecondition, FieldViolation, KubecommitError, NotFound
from server.kube import normalize
from server.names import ResourceName
from server.security import Permission, authorize
from server.versions.apply import PartlyApplied, Removal, Writer, apply_object
from server.versions.intents import crash_point
from server.versions.common import MAIN, branch_id, read_stored, resource_at
from server.versions.manifests import apply_order


@dataclass
class Merged:
    name: str
    diff: DocumentDiff
    result: str  # applied | failed | would-apply | would-commit | committed | conflict
    error: str = ""
    # The cluster's refusal, when `result` is failed.
    failure: KubecommitError | None = None


@dataclass
class MergeResult:
    dry_run: bool
    commit: str = ""
    fast_forward: bool = False
    resources: list[Merged] = field(default_factory=list)
    conflicts: list[MergeConflictItem] = field(default_factory=list)


def _order(item: tuple[str, dict[str, Any] | None]) -> tuple[int, int, str]:
    path, doc = item
    if doc is None:  # deletions after every write, foundations deleted last
        return 2, -apply_order(_kind_of(path)), path
    return 0 if resource_at(path) is None else 1, apply_order(doc.get("kind", "")), path


def _kind_of(path: str) -> str:
    rn = resource_at(path)
    return {"namespaces": "Namespace", "customresourcedefinitions.apiextensions.k8s.io":
            "CustomResourceDefinition"}.get(rn.resource if rn else "", "")


def _name(path: str) -> str:
    return path.removesuffix(".yaml")


def conflict_error(conflicts: list[MergeConflictItem]) -> FailedPrecondition:
    fields = [f"{_name(c.path)}: {c.field or '(whole document)'}" for c in conflicts]
    return FailedPrecondition(
        f"{len(conflicts)} conflicting field(s), nothing committed: {'; '.join(fields)}", "MERGE_CONFLICT",
        [FieldViolation(f"{_name(c.path)}#{c.field}", "changed differently on both branches"
                        + ("" if c.redacted else f": ours {c.ours!r}, theirs {c.theirs!r}"))
         for c in conflicts],
        metadata={"conflicts": ",".join(f"{_name(c.path)}#{c.field}" for c in conflicts)})


async def merge_branch(writer: Writer, *, source: str, target: str, message: str, dry_run: bool) -> MergeResult:
    store = writer.store
    src = branch_id(source, "source")
    dst = branch_id(target, "target") if target else MAIN
    if src == dst:
        raise FailedPrecondition(f"cannot merge branch {src!r} into itself", "MERGE_INTO_ITSELF",
                                 [FieldViolation("target", "must differ from source")])
    plan = await writer.storage.run(store.compute_merge, src, dst)
    # Into main the merged state is applied to the clusters and committed as a merge commit, never
    # a fast-forward: a dry run says what the real merge will do.
    caller = context.current().caller
    # A merge changes all it carries: checked before any conflict is reported, since a conflict
    # names its resource and both values.
    for rn in filter(None, map(resource_at, sorted({*plan.documents, *(c.path for c in plan.conflicts)}))):
        authorize(caller, Permission.RESOURCES_APPLY, rn.cluster, rn.namespace)
    result = MergeResult(dry_run, fast_forward=plan.fast_forward and dst != MAIN)
    result.conflicts = list(plan.conflicts)
    if plan.conflicts and not dry_run:
        raise conflict_error(result.conflicts)
    current = await writer.storage.run(lambda: {p: read_stored(store, p, dst) for p in plan.documents})
    items = sorted(plan.documents.items(), key=_order)
    diffs = {p: document_diff(_name(p), current[p].data if current[p] else None, d) for p, d in items}
    conflicted = {c.path for c in plan.conflicts}
    result.resources += [Merged(_name(p), document_diff(_name(p), None, None), "conflict")
                         for p in sorted(conflicted)]
    context.current().targets.extend(_name(p) for p, _ in items)
    if plan.up_to_date:
        return result
    await _admit(writer, items, "source")
    if dst != MAIN:
        result.resources += [Merged(_name(p), diffs[p], "would-commit" if dry_run else "committed") for p, _ in items]
        if not dry_run:
            info = await writer.storage.run(store.commit_merge, plan, author=context.commit_author(),
                                           message=message, request_id=context.commit_request_id())
            result.commit = info.commit_id if info else ""
        return result
    async with writer.locks.hold(plan.documents):
        applied, intent = await _apply_all(writer, items, diffs, dry_run, result, "merge", current)
        if dry_run or not applied:
            await writer.clear_intent(intent)
            return result
        failed = any(r.result == "failed" for r in result.resources)
        info = await _commit(writer, plan, applied, message, intent, complete=not failed)
        result.commit = info.commit_id if info else ""
    return result


async def apply_branch_state(writer: Writer, *, source: str, prefix: str, message: str,
                             dry_run: bool) -> MergeResult:
    """Make main and the clusters hold what `source` holds, for every resource under `prefix`
    that differs: a rollback of many resources at once (how a restored backup is applied).
    What the clusters accepted becomes ONE commit with Operation: rollback."""
    store = writer.store
    root = prefix or "clusters"

    def differing() -> dict[str, dict[str, Any] | None]:
        theirs, ours = store.etags(root, source), store.etags(root, MAIN)
        changed = sorted(p for p in theirs.keys() | ours.keys()
                         if theirs.get(p) != ours.get(p) and resource_at(p) is not None)
        return {p: store.read(p, source).data if p in theirs else None for p in changed}

    documents = await writer.storage.run(differing)
    current = await writer.storage.run(lambda: {p: read_stored(store, p, MAIN) for p in documents})
    caller = context.current().caller
    for rn in filter(None, map(resource_at, documents)):
        authorize(caller, Permission.RESOURCES_ROLLBACK, rn.cluster, rn.namespace)
    context.current().targets.extend(map(_name, documents))
    items = sorted(documents.items(), key=_order)
    diffs = {p: document_diff(_name(p), current[p].data if current[p] else None, d) for p, d in items}
    result = MergeResult(dry_run)
    async with writer.locks.hold(documents):
        applied, intent = await _apply_all(writer, items, diffs, dry_run, result, "rollback", current)
        if dry_run or not applied:
            await writer.clear_intent(intent)
            return result
        changes = [Change.put(p, d) if d is not None else Change.delete(p) for p, d in applied.items()]
        info = await writer.commit(changes, message=message, operation="rollback", intent=intent)
        result.commit = info.commit_id if info else ""
    return result


async def _admit(writer: Writer, items: list[tuple[str, dict[str, Any] | None]], field: str) -> None:
    """The write path's admission check (enforcing label policies) over every document the
    merge brings, per cluster, before anything is applied or committed: a merge cannot bring
    back what ApplyManifest would refuse."""
    if writer.admission is None:
        return
    by_cluster: dict[str, list[tuple[str, ResourceName, dict[str, Any]]]] = {}
    for path, doc in items:
        rn = resource_at(path)
        if rn is not None and doc is not None:
            by_cluster.setdefault(rn.cluster, []).append((field, rn, doc))
    for cluster, documents in sorted(by_cluster.items()):
        await writer.admission(cluster, documents)


async def _apply_all(writer: Writer, items: list[tuple[str, dict[str, Any] | None]],
                     diffs: dict[str, DocumentDiff], dry_run: bool, result: MergeResult, operation: str,
                     current: dict[str, Document | None]) -> tuple[dict[str, dict[str, Any] | None], str]:
    """Applies (or deletes) each resource in order, reporting each in `result`; returns what the
    clusters accepted, as they returned it (normalized), for the commit, and the intent announcing
    the writes ("" on a dry run), which the commit clears. Labels and annotations the target
    branch's version (`current`) has and the merged document dropped are removed from the
    cluster, whoever set them (server.versions.apply.apply_object)."""
    applied: dict[str, dict[str, Any] | None] = {}
    intent = "" if dry_run else await writer.intents.begin(
        operation, [(rn, doc) for rn, doc in ((resource_at(p), d) for p, d in items) if rn is not None])
    for path, doc in items:
        rn = resource_at(path)
        try:
            if rn is not None:
                base = current.get(path)
                if not dry_run:
                    writer.intents.check_fence()  # before each write, not only the first (the intent's)
                live = await _to_cluster(writer, rn, doc, dry_run,
                                         Removal.between(base.data if base else None, doc) if doc else Removal())
                doc = normalize(live) if live is not None and not dry_run else doc
        except KubecommitError as error:
            result.resources.append(Merged(_name(path), diffs[path], "failed", error.message, error))
            continue
        except PartlyApplied as partly:  # the apply is in the cluster: it is committed
            applied[path] = normalize(partly.live)
            result.resources.append(Merged(_name(path), diffs[path], "failed", partly.error.message, partly.error))
            continue
        applied[path] = doc
        result.resources.append(Merged(_name(path), diffs[path], "would-apply" if dry_run else "applied"))
    return applied, intent


async def _to_cluster(writer: Writer, rn: ResourceName, doc: dict[str, Any] | None, dry_run: bool,
                      removal: Removal) -> dict[str, Any] | None:
    """Apply (or delete) one merged resource; a merge is a decision, so it takes over fields."""
    conn = await writer.pool.get(rn.cluster)
    if doc is None:
        rt = await conn.resolve(rn.resource, "source")
        try:
            await conn.delete_object(rt, rn.namespace, rn.name, dry_run=dry_run)
        except NotFound:
            pass  # already gone: the store catches up
        return None
    rt = await conn.resolve_kind(doc["apiVersion"], doc["kind"])
    rt = dataclasses.replace(rt, version=doc["apiVersion"].rpartition("/")[2])
    return await apply_object(conn, rt, doc, removal=removal, force=True, dry_run=dry_run)


async def _commit(writer: Writer, plan: MergePlan, applied: dict[str, dict[str, Any] | None],
                  message: str, intent: str, complete: bool) -> CommitInfo | None:
    """A merge commit (never a fast-forward: main records who applied the branch, when, and why)
    holding what the clusters returned, when everything was applied; else a commit of the applied
    resources only (`complete` is False when one failed, even partly). If main moved meanwhile, the applied resources are still committed: the
    clusters already have them."""
    store = writer.store
    complete = complete and set(applied) == set(plan.documents)
    final = dataclasses.replace(plan, documents=dict(applied) if complete else {**plan.documents, **applied},
                                fast_forward=False)
    message = message or f"Merge branch {plan.source} into {plan.target}"
    crash_point()
    try:
        info = await writer.storage.run(store.commit_merge, final, author=context.commit_author(), message=message,
                                        request_id=context.commit_request_id(),
                                        only_paths=None if complete else list(applied))
    except Aborted:
        changes = [Change.put(p, d) if d is not None else Change.delete(p) for p, d in applied.items()]
        return await writer.commit(changes, message=message, operation="merge", intent=intent)
    await writer.clear_intent(intent)
    return info
