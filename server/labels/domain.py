"""LabelsService's domain: labels and annotations of live objects read from clusters, changed
only through the versions domain's write path (server.versions.apply.Writer: dry run, one
commit per cluster with the caller as author, write-ahead intent), selections across kinds,
namespaces and clusters, and label history from the store's per-path version index.

Removing a key with server-side apply only works for fields no other field manager owns, so the
keys a change removes are named to the write path, which removes them explicitly (a JSON merge
patch after the apply); staged on a draft, a merge removes what the draft dropped.
"""

from __future__ import annotations

import dataclasses

import asyncio
from collections import Counter
from typing import Any, Awaitable, Callable, Protocol, TypeVar

import yaml

from gitstore import Change, Version
from server import context
from server.errors import FailedPrecondition, InvalidArgument, KubecommitError, NotFound
from server.kube import ApiResource, ClusterConnection, ClusterPool, normalize
from server.kube.cache import NOISY, Informer, WatchCache
from server.kube.labels import Selector, check_annotations, check_key, check_labels, parse_selector
from server.labels.changes import Planned, metadata_changes, plan
from server.labels.inventory import KeyUsage, Similar, similar, usage
from server.labels.model import (
    BatchRequest,
    BatchResult,
    Found,
    HistoryEntry,
    LabelSet,
    Patch,
    Scope,
    Selection,
    UpdateResult,
    UpdateStatus,
)
from server.labels.policies import kind_matches
from server.names import ALL, ResourceName, parse_cluster
from server.paging import decode, encode, offset_page, page_size
from server.security import Permission, authorize, visible
from server.versions.apply import ApplyResult, Removal
from server.storage import Storage
from server.versions.common import MAIN, branch_id, read_stored

T = TypeVar("T")
DEFAULT_MAX_RESOURCES = 500
MAX_RESOURCES = 5000


# The versions domain's history (server.versions.history.History.list_versions):
# (parent, branch, page_size, page_token) -> (resource, versions newest first, next token, total).
ListVersions = Callable[[str, str, int, str], Awaitable[tuple[ResourceName, list[Version], str, int]]]


class ApplyManifest(Protocol):
    """The versions domain's write path (server.versions.apply.Writer.apply_manifest)."""

    def __call__(self, *, cluster: str, manifest: str, message: str, branch: str, dry_run: bool,
                 force: bool, etags: dict[str, str], namespace: str,
                 removals: dict[str, Removal] | None = None) -> Awaitable[ApplyResult]: ...


async def listed(cache: WatchCache, conn: ClusterConnection, rt: ApiResource, namespace: str = "",
                 selector: Selector = Selector()) -> list[dict[str, Any]]:
    """Every object of a kind (in a namespace) the selector matches, in the API server's list
    order: from the watch cache when it is synced, else listed by the cluster."""
    view = await cache.view(conn.name, rt)
    if view is not None:
        return view.items(namespace, selector)[0]
    return (await conn.list_objects(rt, namespace, label_selector=str(selector))).get("items") or []


async def namespace_labels(pool: ClusterPool, cache: WatchCache, cluster: str) -> dict[str, dict[str, str]]:
    """Namespace -> its labels, for policies with a namespace selector."""
    conn = await pool.get(cluster)
    items = await listed(cache, conn, await conn.resolve("namespaces"))
    return {i["metadata"]["name"]: dict(i["metadata"].get("labels") or {}) for i in items}


def labels_resource(name: str, field: str) -> ResourceName:
    """`{resource}/labels` -> the resource."""
    resource, sep, rest = name.rpartition("/")
    if not sep or rest != "labels":
        raise InvalidArgument.field(field, f"{name!r} is not a labels name ({{resource}}/labels)")
    return ResourceName.parse(resource, field)


def _manifest(objs: list[dict[str, Any]]) -> str:
    return yaml.dump_all(objs, Dumper=yaml.CSafeDumper, sort_keys=False)


def check_patch(patch: Patch, prefix: str) -> None:
    check_labels(patch.set_labels, f"{prefix}set_labels")
    check_annotations(patch.set_annotations, f"{prefix}set_annotations")
    for i, key in enumerate(patch.remove_labels):
        check_key(key, f"{prefix}remove_labels[{i}]")
    for i, key in enumerate(patch.remove_annotations):
        check_key(key, f"{prefix}remove_annotations[{i}]")


class Labels:
    def __init__(self, pool: ClusterPool, apply_manifest: ApplyManifest, storage: Storage,
                 cluster_ids: Callable[[], Awaitable[list[str]]],
                 create_branch: Callable[[str, str], Awaitable[Any]], list_versions: ListVersions,
                 cache: WatchCache) -> None:
        self.pool = pool
        # Selections read synced informers instead of the clusters' lists (server/kube/cache.py).
        self.cache = cache
        self.apply_manifest = apply_manifest
        self.storage = storage
        self.cluster_ids = cluster_ids
        self.create_branch = create_branch
        self.list_versions = list_versions

    # -- one resource -----------------------------------------------------------------------

    async def _live(self, rn: ResourceName, field: str) -> tuple[ClusterConnection, ApiResource, dict[str, Any]]:
        conn = await self.pool.get(rn.cluster)
        rt = await conn.resolve(rn.resource, field)
        obj = await conn.get_object(rt, rn.namespace, rn.name)
        obj.setdefault("apiVersion", rt.api_version)
        obj.setdefault("kind", rt.kind)
        return conn, rt, obj

    async def get(self, name: str) -> LabelSet:
        rn = labels_resource(name, "name")
        authorize(context.current().caller, Permission.RESOURCES_READ, rn.cluster, rn.namespace)
        _, _, obj = await self._live(rn, "name")
        return _label_set(rn, obj)

    async def update(self, name: str, patch: Patch, *, overwrite: bool, validate_only: bool, etag: str,
                     message: str) -> LabelSet:
        rn = labels_resource(name, "labels.name")
        check_patch(patch, "")
        _, rt, live = await self._live(rn, "labels.name")
        planned = plan(live, patch, overwrite)
        if planned.absent:
            raise InvalidArgument.field(
                "remove_labels" if planned.absent[0].startswith("label:") else "remove_annotations",
                f"{rn} does not carry {', '.join(planned.absent)}", "KEY_NOT_PRESENT")
        if planned.conflicts:
            raise FailedPrecondition(f"{rn}: changing {', '.join(planned.conflicts)} needs overwrite",
                                     "OVERWRITE_REQUIRED", metadata={"keys": ",".join(planned.conflicts)})
        result = _label_set(rn, planned.obj)
        result.changes = planned.changes
        if not planned.changes:
            return result
        text = message or _default_message(planned)
        applied = await self._write(rn.cluster, [(rt, live, planned)], text, MAIN, validate_only,
                                    {str(rn): etag} if etag else {})
        failed = next((a.failure for a in applied.resources if a.failure is not None), None)
        if failed is not None:  # what reached the cluster is committed; the commit is named
            raise dataclasses.replace(failed, metadata={**failed.metadata, "commit": applied.commit})
        result.commit = applied.commit
        result.etag = applied.resources[0].etag if applied.resources else result.etag
        return result

    async def _write(self, cluster: str, items: list[tuple[ApiResource, dict[str, Any], Planned]], message: str,
                     branch: str, dry_run: bool, etags: dict[str, str]) -> ApplyResult:
        """One write of many objects of one cluster through the versions domain. Removed keys are
        named to it (`removals`): server-side apply alone would keep a key another field manager
        owns."""
        removals = {str(_name_of(cluster, item)): Removal.between(item[1], item[2].obj) for item in items}
        return await self.apply_manifest(cluster=f"clusters/{cluster}", manifest=_manifest(
            [normalize(p.obj) for _, _, p in items]), message=message, branch=branch, dry_run=dry_run,
            force=True, etags=etags, namespace="", removals={n: r for n, r in removals.items() if r})

    async def _record_live(self, items: list[tuple[ApiResource, dict[str, Any], Planned]], cluster: str) -> None:
        """Before removals are staged on a draft: `main` must hold each object as it is live, or a
        merge could not tell which keys the draft removed (it compares the draft with main). Objects
        main lacks or holds otherwise are recorded as one import commit; no cluster changes."""
        names = [_name_of(cluster, item) for item in items]
        stored = await self.storage.run(lambda: {n.store_path: read_stored(self.storage.sync, n.store_path, MAIN)
                                                 for n in names})
        changes = [Change.put(n.store_path, normalize(live)) for n, (_, live, _) in zip(names, items)
                   if stored[n.store_path] is None or stored[n.store_path].data != normalize(live)]
        if changes:
            await self.storage.run(self.storage.sync.commit, changes, author=context.commit_author(),
                                   message=f"Record {len(changes)} live object(s) on main before staging label "
                                           "removals on a draft", operation="import",
                                   request_id=context.commit_request_id(), branch=MAIN)

    # -- many resources ---------------------------------------------------------------------

    async def batch(self, request: BatchRequest) -> BatchResult:
        check_patch(request.patch, "patch.")
        limit = request.max_resources or DEFAULT_MAX_RESOURCES
        if not 0 < limit <= MAX_RESOURCES:
            raise InvalidArgument.field("max_resources", f"must be between 1 and {MAX_RESOURCES}")
        branch = branch_id(request.branch, "branch") if request.branch else MAIN
        scope = Scope(request.parent, request.resource_types, request.namespaces, request.clusters)
        _bound(len(request.names), limit)
        if request.names:
            if request.label_selector or request.resource_types or request.namespaces:
                raise InvalidArgument.field("names", "give either names or a selection (label_selector, "
                                                     "resource_types, namespaces), not both")
            targets, unreachable = await self._named(request.parent, request.names)
        elif not request.resource_types:
            raise InvalidArgument.field("resource_types", "required when no names are given (an empty "
                                                          "label_selector then selects every object of them)")
        else:
            targets, unreachable = await self._select_all(scope, request.label_selector)
        for key in request.etags:
            if key not in {str(f.name) for f, _ in targets}:
                raise InvalidArgument.field(f"etags[{key}]", "names no resource of the batch")
        return await self._run([(f, rt, request.patch) for f, rt in targets], limit=limit, overwrite=request.overwrite,
                               etags=request.etags, validate_only=request.validate_only,
                               message=request.message or _batch_message(request), branch=branch,
                               unreachable=unreachable)

    async def _run(self, targets: list[tuple[Found, ApiResource, Patch]], *, limit: int, overwrite: bool,
                   etags: dict[str, str], validate_only: bool, message: str, branch: str,
                   unreachable: dict[str, str]) -> BatchResult:
        """Plans each target's patch and writes the changes, one commit per cluster."""
        _bound(len(targets), limit)
        result = BatchResult([], validate_only, unreachable=unreachable,
                             branch=f"branches/{branch}" if branch != MAIN else "")
        by_cluster: dict[str, list[tuple[ApiResource, dict[str, Any], Planned]]] = {}
        for found, rt, patch in targets:
            planned = plan(found.obj, patch, overwrite)
            outcome = UpdateResult(str(found.name), UpdateStatus.UPDATED, planned.changes, found.etag)
            if planned.conflicts:
                outcome.status = UpdateStatus.CONFLICT
                outcome.error = FailedPrecondition(
                    f"{found.name}: changing {', '.join(planned.conflicts)} needs overwrite", "OVERWRITE_REQUIRED",
                    metadata={"keys": ",".join(planned.conflicts), "resource": str(found.name)})
            elif not planned.changes:
                outcome.status = UpdateStatus.UNCHANGED
            else:
                by_cluster.setdefault(found.name.cluster, []).append((rt, found.obj, planned))
            result.results.append(outcome)
        if branch != MAIN and by_cluster and not validate_only:
            for cluster, items in sorted(by_cluster.items()):
                removing = [item for item in items if item[2].removes]
                if removing:
                    await self._record_live(removing, cluster)
            await self._ensure_branch(branch)
        outcomes = {r.name: r for r in result.results}
        for cluster, items in sorted(by_cluster.items()):
            guards = {n: e for n, e in etags.items() if n.startswith(f"clusters/{cluster}/")}
            await self._write_batch(cluster, items, outcomes, message, branch, validate_only, guards, result)
        return result

    async def _write_batch(self, cluster: str, items: list[tuple[ApiResource, dict[str, Any], Planned]],
                           outcomes: dict[str, UpdateResult], message: str, branch: str, dry_run: bool,
                           etags: dict[str, str], result: BatchResult) -> None:
        """A cluster's part of a batch, written (or dry-run) together. The write path dry-runs
        every object before it applies any, so a refusal changes nothing: then each object is
        dry-run alone, the refused ones fail with the cluster's (or a policy's) reason and the
        rest is written as one commit."""
        try:
            written = await self._write(cluster, items, message, branch, dry_run, etags)
        except KubecommitError:
            accepted = []
            for item in items:
                name = str(_name_of(cluster, item))
                try:
                    await self._write(cluster, [item], message, branch, True,
                                      {n: e for n, e in etags.items() if n == name})
                    accepted.append(item)
                except KubecommitError as error:
                    outcomes[name].status, outcomes[name].error = UpdateStatus.FAILED, error
            if dry_run or not accepted:
                return
            written = await self._write(cluster, accepted, message, branch, False, etags)
        if written.commit:
            result.commits[f"clusters/{cluster}"] = written.commit
        for applied in written.resources:
            outcome = outcomes[applied.name]
            if not dry_run:
                outcome.etag = applied.etag or outcome.etag
            if applied.action in ("failed", "skipped"):
                outcome.status = UpdateStatus.FAILED
                outcome.error = applied.failure or FailedPrecondition(
                    f"{applied.name}: {applied.error}", "NOT_ATTEMPTED", metadata={"resource": applied.name})

    async def _ensure_branch(self, branch: str) -> None:
        branches = await self.storage.run(self.storage.sync.list_branches)
        if all(b.name != branch for b in branches):
            await self.create_branch(branch, MAIN)

    async def _named(self, parent: str, names: tuple[str, ...]
                     ) -> tuple[list[tuple[Found, ApiResource]], dict[str, str]]:
        within = parse_cluster(parent, "parent", allow_all=True)
        out = []
        seen: set[str] = set()
        for i, text in enumerate(names):
            rn = ResourceName.parse(text, f"names[{i}]")
            if within != ALL and rn.cluster != within:
                raise InvalidArgument.field(f"names[{i}]", f"{text} is not under {parent}")
            if text in seen:
                raise InvalidArgument.field(f"names[{i}]", f"{text} is named twice")
            seen.add(text)
            try:
                _, rt, obj = await self._live(rn, f"names[{i}]")
            except NotFound as error:
                raise NotFound(f"names[{i}]: {error.message}", error.reason, metadata={"resource": text}) from None
            out.append((Found(rn, rt.api_version, rt.kind, obj), rt))
        return out, {}

    # -- selection --------------------------------------------------------------------------

    async def _clusters(self, scope: Scope) -> list[str]:
        within = parse_cluster(scope.parent, "parent", allow_all=True)
        only = {parse_cluster(c, f"clusters[{i}]") for i, c in enumerate(scope.clusters)}
        if within != ALL:
            if only and within not in only:
                raise InvalidArgument.field("clusters", f"names no cluster under {scope.parent}")
            await self.pool.get(within)  # NOT_FOUND for an unknown cluster
            return [within]
        caller = context.current().caller
        return sorted(c for c in await self.cluster_ids() if (not only or c in only) and visible(caller, c))

    async def _each_cluster(self, scope: Scope, work: Callable[[str], Awaitable[T]], empty: T
                            ) -> tuple[list[T], dict[str, str]]:
        """`work(cluster)` for every cluster of the scope, together; a cluster of `clusters/-`
        that cannot be read is reported in the second value (its part is `empty`), not fatal."""
        for i, ns in enumerate(scope.namespaces):
            ResourceName.parse(f"clusters/x/namespaces/{ns}/pods/x", f"namespaces[{i}]")
        clusters = await self._clusters(scope)
        unreachable: dict[str, str] = {}
        spans = parse_cluster(scope.parent, "parent", allow_all=True) == ALL

        async def one(cluster: str) -> T:
            try:
                return await work(cluster)
            except KubecommitError as error:
                if not spans or isinstance(error, InvalidArgument):
                    raise
                unreachable[f"clusters/{cluster}"] = error.message
                return empty
        return list(await asyncio.gather(*(one(c) for c in clusters))), unreachable

    async def _select_all(self, scope: Scope, selector_text: str
                          ) -> tuple[list[tuple[Found, ApiResource]], dict[str, str]]:
        selector = parse_selector(selector_text, "label_selector")
        parts, unreachable = await self._each_cluster(
            scope, lambda cluster: self._select_cluster(cluster, scope, selector), [])
        found = [f for part in parts for f in part]
        found.sort(key=lambda f: (f[0].name.cluster, f[0].name.resource, f[0].name.namespace, f[0].name.name))
        return found, unreachable

    async def _types(self, conn: ClusterConnection, scope: Scope) -> list[ApiResource]:
        if scope.resource_types:
            return [await conn.resolve(t, f"resource_types[{i}]") for i, t in enumerate(scope.resource_types)]
        return [r for r in await conn.resources() if "list" in r.verbs and "patch" in r.verbs
                and r.type not in NOISY and (not scope.kinds or kind_matches(scope.kinds, r.kind, r.type))]

    async def namespace_labels(self, cluster: str) -> dict[str, dict[str, str]]:
        return await namespace_labels(self.pool, self.cache, cluster)

    async def _select_cluster(self, cluster: str, scope: Scope, selector: Selector
                              ) -> list[tuple[Found, ApiResource]]:
        conn, calls = await self._calls(cluster, scope)

        async def one(rt: ApiResource, namespace: str) -> list[tuple[Found, ApiResource]]:
            return self._found(cluster, rt, await listed(self.cache, conn, rt, namespace, selector))
        parts = await asyncio.gather(*(one(rt, ns) for rt, ns in calls))
        return [f for part in parts for f in part]

    async def find(self, scope: Scope, selector: str = "") -> tuple[list[tuple[Found, ApiResource]], dict[str, str]]:
        """Every object of the scope the selector matches, ordered by name; unreachable clusters."""
        return await self._select_all(scope, selector)

    async def run(self, targets: list[tuple[Found, ApiResource, Patch]], *, validate_only: bool, message: str,
                  max_resources: int, branch: str, unreachable: dict[str, str]) -> BatchResult:
        """A batch of per-object patches (compliance fixes): values may be overwritten."""
        limit = max_resources or DEFAULT_MAX_RESOURCES
        if not 0 < limit <= MAX_RESOURCES:
            raise InvalidArgument.field("max_resources", f"must be between 1 and {MAX_RESOURCES}")
        return await self._run(targets, limit=limit, overwrite=True, etags={}, validate_only=validate_only,
                               message=message, branch=branch_id(branch, "branch") if branch else MAIN,
                               unreachable=unreachable)

    async def _calls(self, cluster: str, scope: Scope) -> tuple[ClusterConnection, list[tuple[ApiResource, str]]]:
        """The list calls one cluster's part of a selection makes, in result order."""
        conn = await self.pool.get(cluster)
        calls: list[tuple[ApiResource, str]] = []
        for rt in await self._types(conn, scope):
            if not rt.namespaced:
                if not scope.namespaces:
                    calls.append((rt, ""))
            else:
                calls.extend((rt, ns) for ns in sorted(scope.namespaces) or ("",))
        return conn, calls

    def _found(self, cluster: str, rt: ApiResource, items: list[dict[str, Any]]) -> list[tuple[Found, ApiResource]]:
        caller = context.current().caller
        out = []
        for obj in items:
            meta = obj.get("metadata") or {}
            ns = meta.get("namespace", "") if rt.namespaced else ""
            if not visible(caller, cluster, ns):
                continue
            obj.setdefault("apiVersion", rt.api_version)
            obj.setdefault("kind", rt.kind)
            out.append((Found(ResourceName(cluster, ns, rt.type, meta["name"]), rt.api_version, rt.kind, obj), rt))
        return out

    async def select(self, scope: Scope, selector: str, size: int, page_token: str) -> Selection:
        """One page of the selection: a page costs the objects on it, not the whole selection.
        Each list call is read from the watch cache when it is synced, else with the cluster's own
        `limit`/`continue` paging. The token holds the position (cluster, list call, and within
        the call the cluster's continue token or the last object's key); it is bound to the query."""
        parsed = parse_selector(selector, "label_selector")
        text = str(parsed)
        limit = page_size(size)
        clusters = await self._clusters(scope)
        query = ("SelectResources", scope.parent, text, sorted(scope.resource_types), sorted(scope.namespaces),
                 clusters)
        position = decode(page_token, query, c=int, t=int, k=str, a=str)
        c, t, k, a = position.get("c", 0), position.get("t", 0), position.get("k", ""), position.get("a", "")
        spans = parse_cluster(scope.parent, "parent", allow_all=True) == ALL
        out: list[Found] = []
        unreachable: dict[str, str] = {}
        while c < len(clusters) and len(out) < limit:
            cluster = clusters[c]
            try:
                conn, calls = await self._calls(cluster, scope)
                while t < len(calls) and len(out) < limit:
                    rt, ns = calls[t]
                    items, k, a = await self._page(conn, rt, ns, parsed, limit - len(out), k, a)
                    out += [f for f, _ in self._found(cluster, rt, items)]
                    t += not (k or a)
            except KubecommitError as error:
                if not spans or isinstance(error, InvalidArgument):
                    raise
                unreachable[f"clusters/{cluster}"] = error.message
                c, t, k, a = c + 1, 0, "", ""
                continue
            if t >= len(calls):
                c, t, k, a = c + 1, 0, "", ""
        more = c < len(clusters)
        return Selection(out, encode(query, c=c, t=t, k=k, a=a) if more else "", unreachable)

    async def _page(self, conn: ClusterConnection, rt: ApiResource, namespace: str, selector: Selector, limit: int,
                    continue_token: str, after: str) -> tuple[list[dict[str, Any]], str, str]:
        """Up to `limit` objects of one list call and where it goes on: (items, the cluster's
        continue token, the last key `namespace/name`), both "" when the call is done. A call
        begun on the cluster goes on there; one begun from the cache goes on after its last key,
        from the cache, or from a whole list of the cluster if the cache is no longer synced."""
        view = None if continue_token else await self.cache.view(conn.name, rt)
        if view is None and not after:
            page = await conn.list_objects(rt, namespace, label_selector=str(selector), limit=limit,
                                           continue_token=continue_token)
            return page.get("items") or [], str((page.get("metadata") or {}).get("continue") or ""), ""
        start = after.partition("/")[::2] if after else None
        if view is not None:
            items, last = view.items(namespace, selector, start, limit)
        else:
            rest = [o for o in await listed(self.cache, conn, rt, namespace, selector)
                    if start is None or Informer.key(o) > start]
            items, last = rest[:limit], Informer.key(rest[limit - 1]) if len(rest) > limit else None
        return items, "", "/".join(last) if last else ""

    async def keys(self, scope: Scope, page_size: int, page_token: str
                   ) -> tuple[list[KeyUsage], str, list[Similar], dict[str, str]]:
        """Label keys in use over the scope with their values, a page of them, and the groups of
        near-duplicate keys over all of them. A synced kind is counted from its informer's
        per-namespace tallies (the distinct labels, not every object); others are listed."""
        parts, unreachable = await self._each_cluster(scope, lambda cluster: self._count_cluster(cluster, scope),
                                                      Counter())
        used = usage(sum(parts, Counter()))
        page, token = offset_page(used, ("ListLabelKeys", scope.parent, sorted(scope.resource_types),
                                         sorted(scope.namespaces), sorted(scope.clusters)), page_size, page_token)
        return page, token, similar([u.key for u in used]), unreachable

    async def _count_cluster(self, cluster: str, scope: Scope) -> Counter[tuple[str, str]]:
        """How many objects of one cluster's part of the scope carry each (key, value)."""
        conn, calls = await self._calls(cluster, scope)
        caller = context.current().caller
        total: Counter[tuple[str, str]] = Counter()
        for rt, namespace in calls:
            view = await self.cache.view(cluster, rt)
            if view is None:
                for found, _ in self._found(cluster, rt, await listed(self.cache, conn, rt, namespace)):
                    total.update(found.labels.items())
                continue
            for ns, counts in view.label_counts.items():
                if (not namespace or ns == namespace) and visible(caller, cluster, ns):
                    total.update(counts)
        return total

    # -- history ----------------------------------------------------------------------------

    async def history(self, parent: str, branch: str, page_size: int, page_token: str
                      ) -> tuple[list[HistoryEntry], str]:
        """Versions of the resource that changed a label or annotation, newest first, from the
        versions domain's history (the store's per-path index, O(versions of this resource);
        messages of commits reaching outside the caller's scope withheld there)."""
        rn = ResourceName.parse(parent, "parent")
        ref = branch_id(branch, "branch") if branch else MAIN
        authorize(context.current().caller, Permission.RESOURCES_READ, rn.cluster, rn.namespace)
        versions: list[Version] = []
        token = ""
        while True:
            _, page, token, _ = await self.list_versions(parent, branch, 1000, token)
            versions += page
            if not token:
                break
        if not versions:
            raise NotFound(f"{rn} has no versions on {ref}", "NO_HISTORY", metadata={"resource": str(rn)})

        def read() -> list[HistoryEntry]:
            entries = []
            previous: dict[str, Any] | None = None
            for v in reversed(versions):  # oldest first, to compare each with the one before
                data = None if v.deleted else \
                    self.storage.sync.get_version(rn.store_path, version=v.number, branch=ref).data
                changes = metadata_changes(previous, data)
                if changes:
                    labels = dict(((data or {}).get("metadata") or {}).get("labels") or {})
                    entries.append(HistoryEntry(v.number, v.commit_id, v.author, v.time, v.message, changes, labels))
                previous = data
            return entries[::-1]
        return offset_page(await self.storage.run(read), ("ListLabelHistory", str(rn), ref), page_size, page_token)


def _bound(count: int, limit: int) -> None:
    """More targets than the caller's bound: refused whole, never cut."""
    if count > limit:
        raise FailedPrecondition(f"the batch matches {count} resources, more than max_resources={limit}; narrow it "
                                 "or raise max_resources", "TOO_MANY_RESOURCES",
                                 metadata={"max_resources": str(limit), "matched": str(count)})


def _name_of(cluster: str, item: tuple[ApiResource, dict[str, Any], Planned]) -> ResourceName:
    rt, live, _ = item
    meta = live.get("metadata") or {}
    return ResourceName(cluster, meta.get("namespace", "") if rt.namespaced else "", rt.type, meta["name"])


def _label_set(rn: ResourceName, obj: dict[str, Any]) -> LabelSet:
    """Annotations as normalize() keeps them: `last-applied-configuration` would carry a whole
    object (a Secret's data among them) and is the API server's bookkeeping, not a label."""
    shown = normalize(obj).get("metadata") or {}
    return LabelSet(rn, dict(shown.get("labels") or {}), dict(shown.get("annotations") or {}),
                    str((obj.get("metadata") or {}).get("resourceVersion") or ""))


def _keys(changes: list[Any]) -> str:
    return ", ".join(f"{c.key_type} {c.key} {c.change.value}" for c in changes)


def _default_message(planned: Planned) -> str:
    return f"Labels: {_keys(planned.changes)}"


def _batch_message(request: BatchRequest) -> str:
    p = request.patch
    parts = [f"set {k}={v}" for k, v in sorted(p.set_labels.items())]
    parts += [f"remove {k}" for k in p.remove_labels]
    parts += [f"set annotation {k}" for k in sorted(p.set_annotations)]
    parts += [f"remove annotation {k}" for k in p.remove_annotations]
    target = f"selector {request.label_selector!r}" if request.label_selector else f"{len(request.names)} resources"
    return f"Labels batch ({target}): {', '.join(parts)}"
