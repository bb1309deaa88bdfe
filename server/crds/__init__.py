"""The CRD domain: which CustomResourceDefinitions exist in which clusters and where they
differ, their schemas as `kubectl explain` shows them, custom objects as rows of their printer
columns, and local validation of custom objects and CRD updates before anything is applied.

Custom objects are read and written by the generic paths (ClustersService, the versions
domain's apply); this domain adds typed views and validation only. Its dependencies (the cluster
registry and connection pool) come through the constructor.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any, Protocol


from server import context, paging
from server.crds import columns as cols
from server.crds.model import (BrokenObject, Comparison, Crd, CrdInCluster, CrdPage, CrdVersion,
                               ObjectValidation, PrinterColumn, Row, Rows, SchemaView, UpdateCheck)
from server.crds.schema import check_structural, differences, flatten, resolve
from server.crds.validation import (CompiledSchema, ValidatorCache, Violation, cel_rules, compile_schema,
                                    validate)
from server.errors import FailedPrecondition, FieldViolation, InvalidArgument, KubecommitError, NotFound
from server.kube import ApiResource, ClusterConnection, ClusterPool
from server.names import ALL, ResourceName, check_dns_label, parse_cluster
from server.security import Permission, authorize, scope
from server.versions.manifests import ManifestDocument, parse_manifest

COLLECTION = "customresourcedefinitions.apiextensions.k8s.io"
CRD_TYPE = ApiResource(group="apiextensions.k8s.io", version="v1", plural="customresourcedefinitions",
                       kind="CustomResourceDefinition", namespaced=False, verbs=("get", "list"))
_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
CRD_NAME = re.compile(rf"^{_LABEL}(\.{_LABEL})+$")
DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True)
class _Check:
    """One object bound to the CRD version and validator it is checked with."""

    name: str
    field: str
    crd_name: str
    version: str
    compiled: CompiledSchema
    obj: dict[str, Any]

    def run(self) -> ObjectValidation:
        return ObjectValidation(self.name, self.field, self.crd_name, self.version, validate(self.compiled, self.obj),
                                cel_rules(self.compiled, self.obj))


class Registry(Protocol):
    async def get(self, cluster: str) -> Any: ...
    async def list(self) -> list[Any]: ...


def check_crd_name(crd: str, field: str) -> str:
    """`{plural}.{group}`, as the API server requires of a CRD's metadata.name."""
    if not CRD_NAME.match(crd) or len(crd) > 253:
        raise InvalidArgument.field(field, f"{crd!r} is not a CRD name: expected {{plural}}.{{group}}, "
                                    "e.g. widgets.example.com", "INVALID_CRD_NAME")
    return crd


def parse_crd_name(text: str, field: str = "name", suffix: str = "", allow_all: bool = False) -> tuple[str, str]:
    """(cluster, `{plural}.{group}`) of `clusters/{c}/customresourcedefinitions.apiextensions.k8s.io/{crd}[/suffix]`."""
    parts = text.split("/")
    expected = 4 + (1 if suffix else 0)
    if len(parts) != expected or parts[0] != "clusters" or parts[2] != COLLECTION or (suffix and parts[4] != suffix):
        raise InvalidArgument.field(field, f"expected clusters/{{cluster}}/{COLLECTION}/{{plural}}.{{group}}"
                                    + (f"/{suffix}" if suffix else "") + f", got {text!r}")
    cluster = parse_cluster("/".join(parts[:2]), field, allow_all=allow_all)
    return cluster, check_crd_name(parts[3], field)


def _crd(cluster: str, raw: dict[str, Any]) -> Crd:
    spec, meta, status = raw.get("spec") or {}, raw.get("metadata") or {}, raw.get("status") or {}
    names = spec.get("names") or {}
    versions = [CrdVersion(
        name=v.get("name", ""), served=bool(v.get("served")), storage=bool(v.get("storage")),
        deprecated=bool(v.get("deprecated")), deprecation_warning=v.get("deprecationWarning") or "",
        schema=(v.get("schema") or {}).get("openAPIV3Schema"),
        status_subresource="status" in (v.get("subresources") or {}),
        scale_subresource="scale" in (v.get("subresources") or {}),
        columns=[PrinterColumn(c.get("name", ""), c.get("type", "string"), c.get("jsonPath", ""),
                               c.get("format") or "", c.get("description") or "", int(c.get("priority") or 0))
                 for c in v.get("additionalPrinterColumns") or ()])
        for v in spec.get("versions") or ()]
    return Crd(cluster=cluster, crd_name=meta.get("name", ""), group=spec.get("group", ""),
               plural=names.get("plural", ""), singular=names.get("singular", ""), kind=names.get("kind", ""),
               list_kind=names.get("listKind", ""), short_names=list(names.get("shortNames") or ()),
               categories=list(names.get("categories") or ()), namespaced=spec.get("scope") != "Cluster",
               versions=versions, stored_versions=list(status.get("storedVersions") or ()),
               conditions={c.get("type", ""): c.get("status", "") for c in status.get("conditions") or ()},
               conversion_strategy=(spec.get("conversion") or {}).get("strategy") or "None",
               etag=str(meta.get("resourceVersion") or ""), create_time=meta.get("creationTimestamp") or "",
               raw=raw)


def _resource(crd: Crd, version: CrdVersion) -> ApiResource:
    return ApiResource(group=crd.group, version=version.name, plural=crd.plural, kind=crd.kind,
                       namespaced=crd.namespaced, verbs=("get", "list"))


def _object_name(cluster: str, crd: Crd, obj: dict[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace", "") if crd.namespaced else ""
    return str(ResourceName(cluster, namespace, f"{crd.plural}.{crd.group}", str(meta.get("name") or "")))


def _visible(cluster: str) -> bool:
    return scope.visible(context.current().caller, cluster)


class Crds:
    """CRD discovery, schemas, rows and validation over the registered clusters."""

    def __init__(self, registry: Registry, pool: ClusterPool, validators: ValidatorCache | None = None) -> None:
        self.registry = registry
        self.pool = pool
        self.validators = validators or ValidatorCache()

    # -- reading CRDs ----------------------------------------------------------------------

    async def _connection(self, cluster: str) -> ClusterConnection:
        if not _visible(cluster):
            raise NotFound(f"cluster clusters/{cluster} is not registered", "CLUSTER_NOT_FOUND",
                           metadata={"cluster": cluster})
        await self.registry.get(cluster)  # NOT_FOUND for unregistered clusters
        return await self.pool.get(cluster)

    async def _clusters(self, cluster: str, chosen: list[str] | None = None) -> list[str]:
        if cluster != ALL:
            return [cluster]
        ids = sorted(r.id for r in await self.registry.list() if _visible(r.id))
        if chosen:
            wanted = [parse_cluster(c if c.startswith("clusters/") else f"clusters/{c}", "clusters") for c in chosen]
            missing = [c for c in wanted if c not in ids]
            if missing:
                raise NotFound(f"clusters not registered: {', '.join(missing)}", "CLUSTER_NOT_FOUND",
                               metadata={"cluster": missing[0]})
            ids = wanted
        return ids

    async def _read(self, conn: ClusterConnection, cluster: str, crd_name: str) -> Crd | None:
        try:
            return _crd(cluster, await conn.request("GET", CRD_TYPE.path(name=crd_name)))
        except NotFound:
            return None

    async def _require(self, cluster: str, crd_name: str) -> tuple[ClusterConnection, Crd]:
        conn = await self._connection(cluster)
        crd = await self._read(conn, cluster, crd_name)
        if crd is None:
            raise NotFound(f"cluster {cluster} has no CRD {crd_name}", "CRD_NOT_FOUND",
                           metadata={"cluster": cluster, "custom_resource_definition": crd_name})
        return conn, crd

    async def _all(self, conn: ClusterConnection, cluster: str) -> list[Crd]:
        listed = await conn.request("GET", CRD_TYPE.path())
        return sorted((_crd(cluster, item) for item in listed.get("items") or ()), key=lambda c: c.crd_name)

    async def _count(self, conn: ClusterConnection, crd: Crd) -> None:
        async def count(version: CrdVersion) -> None:
            if version.served and crd.established:
                try:
                    listed = await conn.list_objects(_resource(crd, version))
                    version.object_count = len(listed.get("items") or ())
                except KubecommitError:
                    version.object_count = None
        await asyncio.gather(*(count(v) for v in crd.versions))

    async def list(self, parent: str, group: str, count_objects: bool, requested: int, token: str) -> CrdPage:
        cluster = parse_cluster(parent, "parent", allow_all=True)
        clusters = await self._clusters(cluster)
        query = ("crds", parent, group, count_objects)
        unreachable: dict[str, str] = {}

        async def read(cid: str) -> list[Crd]:
            try:
                return [c for c in await self._all(await self._connection(cid), cid) if not group or c.group == group]
            except KubecommitError as error:
                if cluster != ALL:
                    raise
                unreachable[f"clusters/{cid}"] = error.message  # skipped, not fatal, with clusters/-
                return []

        found = [crd for crds in await asyncio.gather(*(read(c) for c in clusters)) for crd in crds]
        page, following = paging.offset_page(found, query, requested, token, default=DEFAULT_PAGE_SIZE)
        if count_objects:
            for crd in page:
                await self._count(await self.pool.get(crd.cluster), crd)
        return CrdPage(page, following, unreachable)

    async def get(self, name: str, count_objects: bool) -> Crd:
        cluster, crd_name = parse_crd_name(name)
        conn, crd = await self._require(cluster, crd_name)
        if count_objects:
            await self._count(conn, crd)
        return crd

    async def compare(self, name: str, chosen: list[str]) -> Comparison:
        cluster, crd_name = parse_crd_name(name, allow_all=True)
        if cluster != ALL and chosen:
            raise InvalidArgument.field("clusters", "only with clusters/- in the name")
        ids = await self._clusters(cluster, chosen)
        unreachable: dict[str, str] = {}

        async def load(cid: str) -> CrdInCluster | None:
            try:
                return CrdInCluster(f"clusters/{cid}", await self._read(await self._connection(cid), cid, crd_name))
            except KubecommitError as error:
                unreachable[f"clusters/{cid}"] = error.message
                return None

        entries = [e for e in await asyncio.gather(*(load(c) for c in ids)) if e is not None]
        reference = next((e for e in entries if e.crd is not None), None)
        if reference is None or reference.crd is None:
            raise NotFound(f"no cluster has the CRD {crd_name}", "CRD_NOT_FOUND",
                           metadata={"custom_resource_definition": crd_name})
        skewed = False
        ref_versions = {v.name: v for v in reference.crd.versions}
        for entry in entries:
            if entry.crd is None:
                skewed = True
                continue
            for version in entry.crd.versions:
                if version.name in ref_versions:
                    entry.differences.extend(
                        (version.name, d) for d in differences(ref_versions[version.name].schema or {},
                                                               version.schema or {}))
            skewed = skewed or bool(entry.differences) or entry.crd.storage_version != reference.crd.storage_version \
                or sorted(v.name for v in entry.crd.versions if v.served) != \
                sorted(v.name for v in reference.crd.versions if v.served)
        return Comparison(crd_name, reference.cluster, entries, skewed, unreachable)

    # -- schemas ---------------------------------------------------------------------------

    @staticmethod
    def _schema_of(crd: Crd, version: CrdVersion, structural: bool = True) -> dict[str, Any]:
        """The version's schema; FAILED_PRECONDITION when it has none or (unless the caller
        compiles it, which checks that once per revision) when it is not structural."""
        if version.schema is None:
            raise FailedPrecondition(f"{crd.crd_name} version {version.name} has no openAPIV3Schema",
                                     "NO_SCHEMA", metadata={"custom_resource_definition": crd.crd_name})
        if structural:
            check_structural(version.schema, crd.crd_name, version.name)
        return version.schema

    async def schema(self, name: str, version: str, field_path: str) -> SchemaView:
        cluster, crd_name = parse_crd_name(name, suffix="schema")
        _, crd = await self._require(cluster, crd_name)
        chosen = crd.version(version)
        schema = self._schema_of(crd, chosen)
        if not field_path.strip(". "):
            return SchemaView(name, chosen.name, "", schema, flatten(schema))
        path, node, required = resolve(schema, field_path.strip())
        return SchemaView(name, chosen.name, path, node, flatten(node, path, required, include_self=True))

    # -- rows ------------------------------------------------------------------------------

    async def rows(self, parent: str, version: str, namespace: str, label_selector: str, field_selector: str,
                   requested: int, token: str) -> Rows:
        cluster, crd_name = parse_crd_name(parent, "parent")
        conn, crd = await self._require(cluster, crd_name)
        chosen = crd.version(version)
        self._check_established(crd, "parent")
        if not chosen.served:
            raise InvalidArgument.field("version", f"{crd_name} does not serve version {chosen.name}", "NOT_SERVED")
        ns = "" if namespace in ("", ALL) else check_dns_label(namespace, "namespace", "namespace")
        if ns and not crd.namespaced:
            raise InvalidArgument.field("namespace", f"{crd_name} is cluster-scoped")
        columns = [cols.NAME, *(chosen.columns or [cols.AGE])]
        query = ("crd-rows", parent, chosen.name, ns, label_selector, field_selector)
        position = paging.decode(token, query, k=str)
        listed = await conn.list_objects(_resource(crd, chosen), ns, label_selector=label_selector,
                                         field_selector=field_selector,
                                         limit=paging.page_size(requested, default=DEFAULT_PAGE_SIZE),
                                         continue_token=position.get("k", ""))
        rows = []
        for obj in listed.get("items") or ():
            meta = obj.get("metadata") or {}
            if not scope.visible(context.current().caller, cluster, meta.get("namespace", "")):
                continue
            rows.append(Row(_object_name(cluster, crd, obj), meta.get("namespace", ""), meta.get("name", ""),
                            [cols.cell(c, obj) for c in columns], str(meta.get("resourceVersion") or "")))
        following = (listed.get("metadata") or {}).get("continue") or ""
        return Rows(columns, rows, paging.encode(query, k=following) if following else "")

    # -- validation ------------------------------------------------------------------------

    @staticmethod
    def _check_established(crd: Crd, field: str) -> None:
        if not crd.established:
            why = f"the CRD {crd.crd_name} is not established yet (conditions: {crd.conditions or 'none'})"
            raise FailedPrecondition(f"{field}: {why}", "CRD_NOT_ESTABLISHED", [FieldViolation(field, why)],
                                     metadata={"custom_resource_definition": crd.crd_name})

    def _plan(self, cluster: str, crds: dict[tuple[str, str], Crd], obj: dict[str, Any], field: str,
              strict: bool) -> _Check | None:
        """The CRD version and compiled validator for one object (None when no CRD defines its
        kind); refusals name `{field}.kind` or `{field}.apiVersion`. Not `strict`: a schema that
        cannot be used (missing, not structural) leaves the object to the cluster instead."""
        api_version, kind = str(obj.get("apiVersion") or ""), str(obj.get("kind") or "")
        group, _, version = api_version.rpartition("/")
        crd = crds.get((group, kind))
        if crd is None:
            return None
        self._check_established(crd, f"{field}.kind")
        chosen = crd.version(version, f"{field}.apiVersion")
        if not chosen.served:
            raise InvalidArgument.field(f"{field}.apiVersion", f"{crd.crd_name} does not serve {version}", "NOT_SERVED")
        try:
            schema = self._schema_of(crd, chosen, structural=False)
            compiled = self.validators.get(cluster, crd.crd_name, chosen.name, crd.etag, schema)
        except FailedPrecondition:
            if strict:
                raise
            return None
        return _Check(_object_name(cluster, crd, obj), field, crd.crd_name, chosen.name, compiled, obj)

    async def check_objects(self, cluster: str, crds: dict[tuple[str, str], Crd],
                            docs: list[tuple[str, dict[str, Any]]], strict: bool = True
                            ) -> list[ObjectValidation | None]:
        """Local validation of each (field, object) against its CRD, None where no CRD defines
        the kind: validators are found first, then every object is checked in one trip off the
        event loop (a thread hop per object would cost more than validating it)."""
        checks = [self._plan(cluster, crds, obj, field, strict) for field, obj in docs]
        return await asyncio.to_thread(lambda: [c.run() if c is not None else None for c in checks])

    async def _by_kind(self, conn: ClusterConnection, cluster: str) -> dict[tuple[str, str], Crd]:
        return {(c.group, c.kind): c for c in await self._all(conn, cluster)}

    async def validate(self, parent: str, manifest: str, single: dict[str, Any] | str | None, in_cluster: bool
                       ) -> list[ObjectValidation]:
        """`single`: one object (a dict, or its YAML text); else every custom object of `manifest`."""
        cluster = parse_cluster(parent, "parent")
        conn = await self._connection(cluster)
        if isinstance(single, str):
            parsed = await asyncio.to_thread(parse_manifest, single, "custom_object.yaml")
            if len(parsed) != 1:
                raise InvalidArgument.field("custom_object.yaml", "expected exactly one object")
            single = parsed[0].obj
        if single is not None:
            docs = [("custom_object", single)]
        elif manifest.strip():
            docs = [(d.field, d.obj) for d in await asyncio.to_thread(parse_manifest, manifest)]
        else:
            raise InvalidArgument.field("custom_object", "an object (custom_object) or a manifest is required")
        caller = context.current().caller
        for _, obj in docs:  # an object names its namespace: the caller must reach it (as to read it)
            authorize(caller, Permission.RESOURCES_READ, cluster, str((obj.get("metadata") or {}).get("namespace") or ""))
        crds = await self._by_kind(conn, cluster)
        out = []
        for (field, obj), result in zip(docs, await self.check_objects(cluster, crds, docs)):
            if result is None:
                if single is not None:
                    raise InvalidArgument.field(f"{field}.kind", f"no CRD in cluster {cluster} defines "
                                                f"{obj.get('apiVersion')} {obj.get('kind')}", "NOT_A_CUSTOM_KIND")
                continue
            if in_cluster and result.valid:
                await self._dry_run(conn, obj, result)
            out.append(result)
        return out

    @staticmethod
    async def _dry_run(conn: ClusterConnection, obj: dict[str, Any], result: ObjectValidation) -> None:
        """The cluster's own verdict (CEL rules, admission), through a server-side dry run."""
        try:
            rt = await conn.resolve_kind(str(obj.get("apiVersion")), str(obj.get("kind")))
            await conn.apply(rt, obj, field_manager="kubecommit", dry_run=True)
            result.cluster_accepted = True
        except KubecommitError as error:
            result.violations.extend(Violation(v.field, "FieldValueInvalid", v.description, from_cluster=True)
                                     for v in error.violations)
            if not error.violations:
                result.violations.append(Violation(result.document, error.reason, error.message, from_cluster=True))

    async def check_manifest(self, conn: ClusterConnection, cluster: str, docs: list[ManifestDocument]) -> None:
        """The apply path's local check: INVALID_ARGUMENT naming `manifest[i].{field}` for every
        schema violation of every custom object, before the cluster is called; an object whose
        CRD's schema cannot be used here is left to the cluster's dry run. A CRD's group
        always holds a dot, so manifests of core, apps, batch, ... objects cost no CRD lookup."""
        if not any("." in str(d.obj.get("apiVersion") or "").rpartition("/")[0] for d in docs):
            return
        crds = await self._by_kind(conn, cluster)
        found = [Violation(f"{result.document}.{v.field}", v.reason, v.message)
                 for result in await self.check_objects(cluster, crds, [(d.field, d.obj) for d in docs], strict=False)
                 if result is not None for v in result.violations]
        if found:
            raise InvalidArgument("; ".join(f"{v.field}: {v.message}" for v in found[:5]), "SCHEMA_VIOLATION",
                                  [FieldViolation(v.field, f"{v.reason}: {v.message}") for v in found])

    # -- CRD updates -----------------------------------------------------------------------

    async def check_update(self, parent: str, manifest: str) -> UpdateCheck:
        cluster = parse_cluster(parent, "parent")
        docs = await asyncio.to_thread(parse_manifest, manifest)
        if len(docs) != 1 or docs[0].obj.get("kind") != "CustomResourceDefinition":
            raise InvalidArgument.field("manifest", "expected exactly one CustomResourceDefinition")
        new = _crd(cluster, docs[0].obj)
        check_crd_name(new.crd_name, "manifest.metadata.name")
        # Every schema is checked (structural, valid) before anything is read from the cluster.
        compiled = [(v.name, compile_schema(v.schema, new.crd_name, v.name)) for v in new.versions
                    if v.schema is not None]
        conn = await self._connection(cluster)
        old = await self._read(conn, cluster, new.crd_name)
        if old is None:
            return UpdateCheck(new.crd_name, True, [], [], [], 0)
        old_versions = {v.name: v for v in old.versions}
        changes = [(v.name, d) for v in new.versions if v.name in old_versions
                   for d in differences(old_versions[v.name].schema or {}, v.schema or {})]
        served = {v.name for v in new.versions if v.served}
        removed = [v for v in old.stored_versions if v not in served]
        if not old.established:
            return UpdateCheck(new.crd_name, False, changes, [], removed, 0)
        objects = (await conn.list_objects(_resource(old, old_versions[old.storage_version]))).get("items") or []

        def broken() -> list[BrokenObject]:
            """Each object as it would be served at each new version (no conversion webhook is
            called: with strategy None only apiVersion changes)."""
            return [BrokenObject(_object_name(cluster, old, obj), name, violations)
                    for name, schema in compiled if name in served for obj in objects
                    if (violations := validate(schema, {**obj, "apiVersion": f"{new.group}/{name}"}))]

        return UpdateCheck(new.crd_name, False, changes, await asyncio.to_thread(broken), removed, len(objects))
