"""ResourceQuota and LimitRange CRUD. Every write is a manifest handed to the versions domain's
Writer (server-side dry run with the diff, one commit by the caller, write-ahead intent), after
the API server's own spec checks ran here (server/quotas/rules.py); reads join the live object
(status.used) with what main holds in git (the desired spec)."""

from __future__ import annotations

import asyncio
from typing import Any, Callable

import yaml

from gitstore import document_diff
from server import context
from server.clusters.inventory import list_all
from server.errors import AlreadyExists, InvalidArgument, KubecommitError, NotFound, Unavailable
from server.kube import ClusterConnection, ClusterPool
from server.paging import offset_page
from server.names import ALL, ResourceName, parse_namespace_parent
from server.registry import ClusterRegistry
from server.quotas import rules
from server.quotas.model import LimitRangeSpec, QuotaSpec, Refusal, Stored
from server.security.scope import visible
from server.versions.apply import Writer
from server.versions.common import read_stored
from server.versions.manifests import parse_manifest

QUOTAS, LIMIT_RANGES = "resourcequotas", "limitranges"
KINDS = {QUOTAS: "ResourceQuota", LIMIT_RANGES: "LimitRange"}
FIELDS = {QUOTAS: "resource_quota", LIMIT_RANGES: "limit_range"}
# Workloads whose pod template decides what their next rollout creates.
WORKLOADS = ("deployments.apps", "statefulsets.apps", "daemonsets.apps", "replicasets.apps", "jobs.batch")
Spec = QuotaSpec | LimitRangeSpec


def _quota_spec(spec: QuotaSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"hard": dict(spec.hard)}
    if spec.scopes:
        out["scopes"] = list(spec.scopes)
    if spec.scope_selector:
        out["scopeSelector"] = {"matchExpressions": [
            {"scopeName": r.scope_name, "operator": r.operator, **({"values": list(r.values)} if r.values else {})}
            for r in spec.scope_selector]}
    return out


def _limits_spec(spec: LimitRangeSpec) -> dict[str, Any]:
    return {"limits": [{"type": item.type, **{k: dict(v) for k, v in item.bounds.items() if v}}
                       for item in spec.limits]}


def _where(name: str) -> tuple[str, str]:
    rn = ResourceName.parse(name)
    return rn.cluster, rn.namespace


class QuotaObjects:
    """Create, read, list, update and delete ResourceQuotas and LimitRanges in every cluster."""

    def __init__(self, pool: ClusterPool, clusters: ClusterRegistry, writer: Writer, cluster_timeout: float) -> None:
        self.pool, self.clusters, self.writer, self.timeout = pool, clusters, writer, cluster_timeout

    # -- reads ------------------------------------------------------------------------------

    async def get(self, kind: str, name: str) -> Stored:
        rn = self._name(kind, name, "name")
        conn = await self.pool.get(rn.cluster)
        live = await conn.get_object(await conn.resolve(kind), rn.namespace, rn.name)
        return Stored(str(rn), live, await self._committed(rn))

    async def _committed(self, rn: ResourceName) -> dict[str, Any] | None:
        doc = await self.writer.storage.run(read_stored, self.writer.store, rn.store_path)
        return doc.data if doc is not None else None

    async def list(self, kind: str, parent: str, page_size: int, page_token: str,
                   label_selector: str) -> tuple[list[Stored], str, list[str]]:
        """One namespace, every namespace (`namespaces/-`) of one cluster or of every cluster
        (`clusters/-`); sorted by name, paged by offset. Also the clusters that did not answer."""
        cluster, namespace = self._parent(parent)
        clusters = [r.id for r in await self.clusters.list()] if cluster == ALL else [cluster]
        found, unreachable = await self.each_cluster(
            clusters, lambda conn, c: self._list_one(conn, c, kind, namespace, label_selector))
        if cluster != ALL and unreachable:
            raise Unavailable(f"cluster {cluster} did not answer: {unreachable[0]}", "CLUSTER_UNREACHABLE")
        caller = context.current().caller
        objects = sorted((o for items in found.values() for o in items
                          if visible(caller, *_where(o[0]))), key=lambda o: o[0])
        page, token = offset_page(objects, ("quotas.list", kind, parent, label_selector), page_size, page_token)
        paths = [ResourceName.parse(n).store_path for n, _ in page]
        stored = await self.writer.storage.run(lambda: {p: read_stored(self.writer.store, p) for p in paths})
        return ([Stored(n, o, (d.data if (d := stored[p]) else None)) for (n, o), p in zip(page, paths)],
                token, unreachable)

    async def _list_one(self, conn: ClusterConnection, cluster: str, kind: str, namespace: str,
                        label_selector: str) -> list[tuple[str, dict[str, Any]]]:
        items = await list_all(conn, await conn.resolve(kind), "" if namespace == ALL else namespace,
                               label_selector=label_selector)
        return [(f"clusters/{cluster}/namespaces/{o['metadata']['namespace']}/{kind}/{o['metadata']['name']}", o)
                for o in items]

    async def each_cluster(self, clusters: list[str], fn: Callable[[ClusterConnection, str], Any]
                           ) -> tuple[dict[str, Any], list[str]]:
        """`fn` on every cluster in parallel, each bounded by the per-cluster timeout: the answers
        of those that answered, and `cluster: reason` for those that did not (not waited for)."""
        async def one(cluster: str) -> Any:
            conn = await self.pool.get(cluster)
            return await asyncio.wait_for(fn(conn, cluster), self.timeout)

        results = await asyncio.gather(*(one(c) for c in clusters), return_exceptions=True)
        answered, failed = {}, []
        for cluster, result in zip(clusters, results):
            if isinstance(result, (KubecommitError, asyncio.TimeoutError, TimeoutError)):
                failed.append(f"clusters/{cluster}: "
                              f"{result.message if isinstance(result, KubecommitError) else 'timed out'}")
            elif isinstance(result, BaseException):
                raise result
            else:
                answered[cluster] = result
        return answered, failed

    # -- writes -----------------------------------------------------------------------------

    async def create(self, kind: str, parent: str, object_id: str, spec: Spec, validate_only: bool,
                     message: str) -> Stored:
        cluster, namespace = self._parent(parent, allow_all=False)
        rn = self._name(kind, f"{parent}/{kind}/{object_id}", f"{FIELDS[kind]}_id")
        conn = await self.pool.get(cluster)
        await self._namespace_exists(conn, namespace)
        if await self.writer.live(conn, await conn.resolve(kind), rn) is not None:
            raise AlreadyExists(f"{rn} already exists", "ALREADY_EXISTS", metadata={"resource": str(rn)})
        obj = self._manifest(kind, rn, spec, None)
        return await self._write(conn, kind, rn, obj, "", validate_only, message or f"Create {rn}")

    async def update(self, kind: str, name: str, spec: Spec, mask: list[str], etag: str, validate_only: bool,
                     message: str) -> Stored:
        rn = self._name(kind, name, f"{FIELDS[kind]}.name")
        conn = await self.pool.get(rn.cluster)
        current = await self.writer.live(conn, await conn.resolve(kind), rn)
        if current is None:
            raise NotFound(f"{rn} does not exist", "NOT_FOUND", metadata={"resource": str(rn)})
        obj = self._manifest(kind, rn, spec, (current, mask))
        return await self._write(conn, kind, rn, obj, etag, validate_only, message or f"Update {rn}")

    async def delete(self, kind: str, name: str, etag: str, validate_only: bool, message: str) -> Stored:
        rn = self._name(kind, name, "name")
        before = await self.get(kind, name)
        commit = await self.writer.delete_resource(name=str(rn), message=message or f"Delete {rn}", etag=etag,
                                                   dry_run=validate_only, branch="")
        before.commit = commit
        before.diff = document_diff(str(rn), before.committed or before.live, None)
        return before

    async def _write(self, conn: ClusterConnection, kind: str, rn: ResourceName, obj: dict[str, Any], etag: str,
                     validate_only: bool, message: str) -> Stored:
        refusals = await self.refused_pods(conn, rn, obj) if kind == LIMIT_RANGES else []
        text = yaml.dump(obj, Dumper=yaml.CSafeDumper, sort_keys=False)
        result = await self.writer.apply_manifest(
            cluster=rn.cluster_name, manifest=text, message=message, branch="", dry_run=validate_only,
            force=True, etags={str(rn): etag} if etag else {}, namespace=rn.namespace)
        applied = result.resources[0]
        if validate_only:
            live = {**obj, "metadata": {**obj["metadata"], "resourceVersion": applied.etag}}
        else:
            live = await conn.get_object(await conn.resolve(kind), rn.namespace, rn.name)
        return Stored(str(rn), live, await self._committed(rn), result.commit, applied.diff, refusals)

    async def refused_pods(self, conn: ClusterConnection, rn: ResourceName, obj: dict[str, Any]) -> list[Refusal]:
        """What the LimitRange `obj` would refuse today: every pod of the namespace not owned by
        a workload, and the pod template of every workload (its next rollout)."""
        items = rules.limit_items(obj.get("spec") or {})
        out: list[Refusal] = []
        for pod in await list_all(conn, await conn.resolve("pods"), rn.namespace):
            if not (pod["metadata"].get("ownerReferences")):
                out += rules.refusals(items, f"clusters/{rn.cluster}/namespaces/{rn.namespace}/pods/"
                                      f"{pod['metadata']['name']}", pod)
        for workload in WORKLOADS:
            try:
                rt = await conn.resolve(workload)
            except KubecommitError:
                continue
            for w in await list_all(conn, rt, rn.namespace):
                if workload == "replicasets.apps" and w["metadata"].get("ownerReferences"):
                    continue  # a Deployment's ReplicaSet: reported through its Deployment
                template = (w.get("spec") or {}).get("template") or {}
                out += rules.refusals(items, f"clusters/{rn.cluster}/namespaces/{rn.namespace}/{workload}/"
                                      f"{w['metadata']['name']}", template)
        return out

    # -- building the object ----------------------------------------------------------------

    def _manifest(self, kind: str, rn: ResourceName, spec: Spec,
                  update: tuple[dict[str, Any], list[str]] | None) -> dict[str, Any]:
        """The object to apply: from the YAML, or the structured fields (on update only those in
        the mask, over the live object), checked as the API server would check it."""
        field = FIELDS[kind]
        if spec.yaml and (update is None or "yaml" in update[1] or not update[1]):
            obj = self._from_yaml(kind, rn, spec.yaml)
        else:
            current = update[0] if update else {}
            meta = current.get("metadata") or {}
            obj = {"apiVersion": "v1", "kind": KINDS[kind],
                   "metadata": {"name": rn.name, "namespace": rn.namespace,
                                "labels": dict(meta.get("labels") or {}),
                                "annotations": dict(meta.get("annotations") or {})},
                   "spec": dict(current.get("spec") or {})}
            mask = update[1] if update else []
            new_spec = _quota_spec(spec) if isinstance(spec, QuotaSpec) else _limits_spec(spec)
            writable = {"labels", "annotations", *(("hard", "scopes", "scope_selector") if kind == QUOTAS
                                                   else ("limits",))}
            for path in mask or sorted(writable):
                if path not in writable:
                    raise InvalidArgument.field("update_mask", f"{path!r} is not a writable field "
                                                f"({', '.join(sorted(writable | {'yaml'}))})")
                if path in ("labels", "annotations"):
                    obj["metadata"][path] = dict(getattr(spec, path))
                else:
                    key = {"scope_selector": "scopeSelector"}.get(path, path)
                    if key in new_spec:
                        obj["spec"][key] = new_spec[key]
                    else:
                        obj["spec"].pop(key, None)
            for key in ("labels", "annotations"):
                if not obj["metadata"][key]:
                    del obj["metadata"][key]
        self._check(kind, obj, field)
        return obj

    def _from_yaml(self, kind: str, rn: ResourceName, text: str) -> dict[str, Any]:
        field = f"{FIELDS[kind]}.yaml"
        docs = parse_manifest(text, field)
        if len(docs) != 1 or docs[0].obj.get("kind") != KINDS[kind] or docs[0].obj.get("apiVersion") != "v1":
            raise InvalidArgument.field(field, f"one v1 {KINDS[kind]} document")
        obj = docs[0].obj
        meta = obj.setdefault("metadata", {})
        for key, want in (("name", rn.name), ("namespace", rn.namespace)):
            if meta.setdefault(key, want) != want:
                raise InvalidArgument.field(f"{field}.metadata.{key}", f"{meta[key]!r} is not {want!r}")
        for key in ("resourceVersion", "uid", "creationTimestamp", "managedFields", "generation"):
            meta.pop(key, None)
        obj.pop("status", None)
        return obj

    @staticmethod
    def _check(kind: str, obj: dict[str, Any], field: str) -> None:
        spec = obj.get("spec") or {}
        if kind == QUOTAS:
            hard = {str(k): str(v) for k, v in (spec.get("hard") or {}).items()}
            rules.check_hard(hard, f"{field}.hard")
            selector = [rules.ScopeRequirement(e.get("scopeName", ""), e.get("operator", ""), list(e.get("values") or []))
                        for e in (spec.get("scopeSelector") or {}).get("matchExpressions") or []]
            rules.check_scopes(hard, list(spec.get("scopes") or []), selector, field)
        else:
            rules.check_limits(rules.limit_items(spec), f"{field}.limits")

    # -- names ------------------------------------------------------------------------------

    @staticmethod
    def _name(kind: str, name: str, field: str) -> ResourceName:
        rn = ResourceName.parse(name, field)
        if rn.resource != kind or not rn.namespace:
            raise InvalidArgument.field(field, f"{name!r} is not a {KINDS[kind]} name "
                                        f"(clusters/{{cluster}}/namespaces/{{namespace}}/{kind}/{{name}})")
        return rn

    @staticmethod
    def _parent(parent: str, allow_all: bool = True) -> tuple[str, str]:
        parts = (parent or "").split("/")
        if allow_all and len(parts) == 4 and parts[1] == ALL:
            if parts[3] != ALL:
                raise InvalidArgument.field("parent", "across clusters (clusters/-) the namespace must be `-` too")
            return ALL, ALL
        cluster, namespace = parse_namespace_parent(parent, "parent")
        if namespace == ALL and not allow_all:
            raise InvalidArgument.field("parent", "name one namespace")
        return cluster, namespace

    async def _namespace_exists(self, conn: ClusterConnection, namespace: str) -> None:
        try:
            await conn.get_object(await conn.resolve("namespaces"), "", namespace)
        except NotFound:
            raise InvalidArgument.field("parent", f"namespace {namespace!r} does not exist in the cluster",
                                        "NAMESPACE_NOT_FOUND") from None
