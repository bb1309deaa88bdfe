"""Writes: ApplyManifest, DeleteResource and RollbackResource.

On `main` the cluster comes first: each document is validated by a server-side dry run, then
applied (field manager `kubecommit`), and only what the cluster accepted is committed, as ONE
commit holding the normalized object the cluster returned. If a document is refused by the dry
run nothing is applied; if one is refused later (the cluster changed between dry run and
apply), what was applied is committed and the rest is reported per resource, so the store and
the cluster never disagree. Drafts commit without touching any cluster.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping

from gitstore import Change, CommitInfo, Document, DocumentDiff, document_diff
from server import context
from server.errors import Aborted, KubecommitError, NotFound
from server.kube import ApiResource, ClusterConnection, ClusterPool, normalize
from server.storage import Storage
from server.names import ResourceName, parse_cluster
from server.security import Permission, authorize
from server.versions.common import (MAIN, PathLocks, branch_id, is_commit_id,
                                    read_stored, version_count)
from server.versions.history import version_document
from server.versions.intents import IntentJournal, crash_point
from server.versions.manifests import (ManifestDocument, Target, apply_order, at_document, bind,
                                      read_manifest)

FIELD_MANAGER = "kubecommit"
# (connection, cluster id, documents) -> raises InvalidArgument naming `manifest[i].{field}`.
ManifestValidator = Callable[[ClusterConnection, str, list[ManifestDocument]], Awaitable[None]]
# A check every document passes before it is applied, staged, merged or rolled back to:
# (cluster, [(the request field the document came from, e.g. `manifest[0]` or `source`,
# resource, object)]) -> None, raising a domain error to refuse (the labels domain's enforcing
# policies). Injected by whoever builds the Writer; versions knows no policy.
Admission = Callable[[str, list[tuple[str, ResourceName, Mapping[str, Any]]]], Awaitable[None]]


class PartlyApplied(Exception):
    """The apply went through and the removal of keys after it failed: the cluster holds `live`,
    which the caller commits before reporting `error`, so no cluster change goes without its
    commit."""

    def __init__(self, error: KubecommitError, live: dict[str, Any]) -> None:
        super().__init__(error.message)
        self.error = error
        self.live = live


@dataclass(frozen=True)
class Removal:
    """Label and annotation keys a write removes, whoever owns them (see `apply_object`)."""

    labels: tuple[str, ...] = ()
    annotations: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.labels or self.annotations)

    @staticmethod
    def between(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> "Removal":
        """The keys `old` carries and `new` does not: what a document dropped since `old`."""
        def keys(obj: Mapping[str, Any] | None, part: str) -> dict[str, Any]:
            return dict(((obj or {}).get("metadata") or {}).get(part) or {})
        return Removal(*(tuple(sorted(set(keys(old, part)) - set(keys(new, part))))
                         for part in ("labels", "annotations")))


async def apply_object(conn: ClusterConnection, rt: ApiResource, obj: dict[str, Any], *, removal: Removal,
                       force: bool, dry_run: bool) -> dict[str, Any]:
    """Server-side apply of `obj`, then the removal of `removal`'s keys that are still there.
    Leaving a key out of an applied configuration removes it only when no other field manager
    owns it (a label set by `kubectl label`, by a controller, by the object's creator stays), so
    keys a write means to remove go with a JSON merge patch after the apply. A dry run shows the
    outcome without the second call. The patch comes second so that a refused apply changes
    nothing; if the patch itself fails after the apply (a lost connection, an admission webhook),
    `PartlyApplied` carries the applied object for the caller's commit."""
    live = await conn.apply(rt, obj, field_manager=FIELD_MANAGER, force=force, dry_run=dry_run)
    meta = live.get("metadata") or {}
    labels = [k for k in removal.labels if k in (meta.get("labels") or {})]
    annotations = [k for k in removal.annotations if k in (meta.get("annotations") or {})]
    if not labels and not annotations:
        return live
    if dry_run:
        shown = dict(live, metadata=dict(meta))
        for part, keys in (("labels", labels), ("annotations", annotations)):
            if keys:
                shown["metadata"][part] = {k: v for k, v in meta[part].items() if k not in keys}
        return shown
    try:
        return await conn.remove_metadata_keys(rt, meta.get("namespace", ""), meta["name"], labels=labels,
                                               annotations=annotations, field_manager=FIELD_MANAGER)
    except KubecommitError as error:
        raise PartlyApplied(error, live) from None


@dataclass
class Applied:
    name: str
    action: str  # created | configured | unchanged | failed | skipped
    diff: DocumentDiff
    version: int = 0
    etag: str = ""
    error: str = ""
    # The cluster's refusal, when `action` is failed.
    failure: KubecommitError | None = None


@dataclass
class ApplyResult:
    branch: str
    dry_run: bool
    commit: str = ""
    resources: list[Applied] = field(default_factory=list)


def _action(stored: Document | None, new: dict[str, Any]) -> str:
    if stored is None:
        return "created"
    return "unchanged" if stored.data == new else "configured"


def _rv(obj: dict[str, Any] | None) -> str:
    return str(((obj or {}).get("metadata") or {}).get("resourceVersion") or "")


class Writer:
    """Every write the versions domain makes to a cluster and the store, under per-resource locks."""

    def __init__(self, storage: Storage, pool: ClusterPool, intents: IntentJournal, locks: PathLocks,
                 validator: ManifestValidator | None = None, admission: Admission | None = None) -> None:
        self.storage = storage
        self.store = storage.sync
        self.pool = pool
        # Write-ahead intents of writes to clusters not committed yet (server/versions/intents.py).
        self.intents = intents
        # Per-resource write locks, shared with every other writer of the store.
        self.locks = locks
        # Checks documents locally before any cluster call (custom objects against their CRD's
        # schema: server/crds), so errors name the field; None checks nothing.
        self.validator = validator
        self.admission = admission

    async def _stored(self, paths: list[str], ref: str | None = None) -> dict[str, Document | None]:
        return await self.storage.run(lambda: {p: read_stored(self.store, p, ref) for p in paths})

    async def check_etag(self, conn: ClusterConnection | None, rt: ApiResource | None, name: ResourceName,
                         stored: Document | None, etag: str) -> dict[str, Any] | None:
        """Refuse a stale guard with ABORTED and the current etag. A 40-hex etag is a store etag
        (blob or version commit id); anything else is the object's resourceVersion in the cluster.
        Returns the live object when it was fetched."""
        if not etag:
            return None
        if is_commit_id(etag):
            current = stored.etag if stored else ""
            if stored is not None and etag != stored.etag:
                versions, _ = await self.storage.run(self.store.list_versions, name.store_path, None, 1)
                if versions and versions[0].commit_id == etag:
                    return None
            if stored is None or etag != stored.etag:
                raise Aborted(f"{name} changed since etag {etag}", "ETAG_MISMATCH",
                              metadata={"etag": current, "resource": str(name)})
            return None
        assert conn is not None and rt is not None
        live = await self.live(conn, rt, name)
        if _rv(live) != etag:
            raise Aborted(f"{name} changed in its cluster since resourceVersion {etag}", "ETAG_MISMATCH",
                          metadata={"etag": _rv(live), "resource": str(name)})
        return live

    async def live(self, conn: ClusterConnection, rt: ApiResource, name: ResourceName) -> dict[str, Any] | None:
        try:
            return await conn.get_object(rt, name.namespace, name.name)
        except NotFound:
            return None

    async def commit(self, changes: list[Change], *, message: str, operation: str, branch: str = MAIN,
                     expected: dict[str, str | None] | None = None, intent: str = "") -> CommitInfo | None:
        """One commit by the caller; with `intent`, the commit of writes already made to clusters:
        the intent is cleared once the commit is in (and kept if the commit fails)."""
        if intent:
            crash_point(change.path for change in changes)
        info = await self.storage.run(
            self.store.commit, changes, author=context.commit_author(), message=message,
            operation=operation, request_id=context.commit_request_id(), branch=branch,
            expected=expected or None)
        if intent:
            await self.intents.done(intent)
        return info

    async def versions_after(self, paths: list[str], info: CommitInfo | None,
                             branch: str = MAIN) -> dict[str, int]:
        """Version numbers of `paths` after a write: the commit reports those it changed; only
        the unchanged ones (not in the commit) are asked of the store's history."""
        known = dict(info.versions) if info else {}
        missing = [p for p in paths if p not in known]
        if missing:
            known.update(await self.storage.run(
                lambda: {p: version_count(self.store, p, branch) for p in missing}))
        return {p: known[p] for p in paths}

    async def clear_intent(self, intent: str) -> None:
        """Clear an intent ("": none): its writes are committed, or none reached a cluster."""
        if intent:
            await self.intents.done(intent)

    # -- ApplyManifest ----------------------------------------------------------------------

    async def apply_manifest(self, *, cluster: str, manifest: str, message: str, branch: str, dry_run: bool,
                             force: bool, etags: dict[str, str], namespace: str,
                             removals: Mapping[str, Removal] | None = None) -> ApplyResult:
        """`removals`: per resource name, label and annotation keys the write removes whoever
        owns them (the labels domain's removals; ApplyManifest itself has server-side apply's
        semantics)."""
        cluster_id = parse_cluster(cluster, "cluster")
        branch = branch_id(branch, "branch") if branch else MAIN
        docs = await read_manifest(manifest)
        conn = await self.pool.get(cluster_id)
        targets = await bind(conn, cluster_id, docs, namespace)
        if self.validator is not None:
            await self.validator(conn, cluster_id, [t.doc for t in targets])
        caller = context.current().caller
        for t in targets:  # each document may name its own namespace (docs/security.md: reach)
            authorize(caller, Permission.RESOURCES_APPLY, t.name.cluster, t.name.namespace)
        guards = self._guards(targets, etags)
        context.current().targets.extend(str(t.name) for t in targets)
        if self.admission is not None:
            await self.admission(cluster_id, [(f"manifest[{t.doc.index}]", t.name, t.obj) for t in targets])
        removing = {t.path: (removals or {}).get(str(t.name), Removal()) for t in targets}
        if branch != MAIN:
            return await self._apply_draft(conn, targets, branch, message, dry_run, guards, removing)
        async with self.locks.hold(t.path for t in targets):
            stored = await self._stored([t.path for t in targets])
            for t in targets:
                await self.check_etag(conn, t.rt, t.name, stored[t.path], guards.get(t.path, ""))
            verdicts = []
            creating = await self._new_namespaces(conn, targets)
            for t in sorted(targets, key=lambda t: apply_order(t.obj["kind"])):
                if t.name.namespace in creating:
                    # No server can check an object before its namespace exists: it is checked
                    # when applied, right after the namespace (docs/versions.md).
                    verdicts.append((t, t.obj))
                    continue
                try:
                    verdicts.append((t, await apply_object(conn, t.rt, t.obj, removal=removing[t.path],
                                                           force=force, dry_run=True)))
                except KubecommitError as error:
                    raise at_document(error, t.doc) from None
            if dry_run:
                result = ApplyResult(MAIN, True)
                for t, obj in verdicts:
                    new = normalize(obj)
                    result.resources.append(Applied(str(t.name), _action(stored[t.path], new),
                                                    document_diff(str(t.name), _data(stored[t.path]), new),
                                                    etag=_rv(obj)))
                return self._in_manifest_order(result, targets)
            intent = await self.intents.begin("apply", [(t.name, normalize(obj)) for t, obj in verdicts])
            return await self._apply_main(conn, [t for t, _ in verdicts], stored, message, force, intent, removing)

    async def _new_namespaces(self, conn: ClusterConnection, targets: list[Target]) -> set[str]:
        """Namespaces the manifest creates (they do not exist in the cluster yet)."""
        return {t.name.name for t in targets if t.obj["kind"] == "Namespace" and t.name.group == ""
                and await self.live(conn, t.rt, t.name) is None}

    def _guards(self, targets: list[Target], etags: dict[str, str]) -> dict[str, str]:
        by_name = {str(t.name): t.path for t in targets}
        guards = {}
        for name, etag in etags.items():
            ResourceName.parse(name, f"etags[{name}]")
            if name not in by_name:
                raise NotFound(f"etags names {name}, which is not in the manifest", "NOT_IN_MANIFEST",
                               metadata={"resource": name})
            guards[by_name[name]] = etag
        return guards

    async def _apply_main(self, conn: ClusterConnection, ordered: list[Target], stored: dict[str, Document | None],
                          message: str, force: bool, intent: str, removing: dict[str, Removal]) -> ApplyResult:
        result = ApplyResult(MAIN, False)
        changes: list[Change] = []
        failure: KubecommitError | None = None
        for t in ordered:
            if failure is not None:
                result.resources.append(Applied(str(t.name), "skipped", document_diff(str(t.name), None, None),
                                                error="not attempted: an earlier document failed"))
                continue
            try:
                self.intents.check_fence()  # the intent was begun before the first; each write asks again
                live = await apply_object(conn, t.rt, t.obj, removal=removing[t.path], force=force, dry_run=False)
            except (KubecommitError, PartlyApplied) as error:
                partly = error.live if isinstance(error, PartlyApplied) else None
                failure = at_document(error.error if isinstance(error, PartlyApplied) else error, t.doc)
                result.resources.append(Applied(str(t.name), "failed", document_diff(
                    str(t.name), _data(stored[t.path]), normalize(partly) if partly else None),
                    error=failure.message, failure=failure))
                if partly is not None:  # the apply is in the cluster: it is committed
                    changes.append(Change.put(t.path, normalize(partly)))
                continue
            new = normalize(live)
            old = stored[t.path]
            result.resources.append(Applied(str(t.name), _action(old, new), document_diff(str(t.name), _data(old), new),
                                            etag=_rv(live)))
            changes.append(Change.put(t.path, new))
        if not changes:
            assert failure is not None
            await self.intents.done(intent)  # nothing reached the cluster
            raise failure
        info = await self.commit(changes, message=message, operation="apply", intent=intent)
        result.commit = info.commit_id if info else ""
        numbers = await self.versions_after([t.path for t in ordered if t.path in {c.path for c in changes}], info)
        by_name = {str(t.name): t.path for t in ordered}
        for applied in result.resources:
            applied.version = numbers.get(by_name[applied.name], 0)
        return self._in_manifest_order(result, ordered)

    async def _apply_draft(self, conn: ClusterConnection, targets: list[Target], branch: str, message: str,
                           dry_run: bool, guards: dict[str, str], removing: dict[str, Removal]) -> ApplyResult:
        """A draft commits without changing any cluster. Each document is stored as the cluster's
        server-side dry run returns it (defaults filled in, like the objects on main), so drafts
        and main compare like with like; a document whose namespace or kind does not exist yet
        in the cluster is stored as written."""
        stored = await self._stored([t.path for t in targets], branch)
        result = ApplyResult(branch, dry_run)
        docs: dict[str, dict[str, Any]] = {}
        for t in targets:
            try:
                docs[t.path] = normalize(await apply_object(conn, t.rt, t.obj, removal=removing[t.path], force=True,
                                                            dry_run=True))
            except NotFound:
                docs[t.path] = normalize(t.obj)
            except KubecommitError as error:
                raise at_document(error, t.doc) from None
            result.resources.append(Applied(str(t.name), _action(stored[t.path], docs[t.path]),
                                            document_diff(str(t.name), _data(stored[t.path]), docs[t.path])))
        if dry_run:
            return result
        info = await self.commit([Change.put(p, doc) for p, doc in docs.items()], message=message,
                                 operation="apply", branch=branch, expected=dict(guards))
        result.commit = info.commit_id if info else ""
        numbers = await self.versions_after([t.path for t in targets], info, branch)
        for t, applied in zip(targets, result.resources):
            applied.version = numbers[t.path]
            applied.etag = (info.etags.get(t.path) if info else None) or (stored[t.path].etag if stored[t.path] else "")
        return result

    @staticmethod
    def _in_manifest_order(result: ApplyResult, targets: list[Target]) -> ApplyResult:
        order = {str(t.name): t.doc.index for t in targets}
        result.resources.sort(key=lambda a: order[a.name])
        return result

    # -- DeleteResource ---------------------------------------------------------------------

    async def delete_resource(self, *, name: str, message: str, etag: str, dry_run: bool, branch: str) -> str:
        """Returns the commit id ('' on dry run or when the store never tracked the object)."""
        rn = ResourceName.parse(name, "name")
        branch = branch_id(branch, "branch") if branch else MAIN
        context.current().targets.append(str(rn))
        if branch != MAIN:
            if dry_run:
                await self.storage.run(self.store.read, rn.store_path, branch)
                return ""
            info = await self.commit([Change.delete(rn.store_path)], message=message or f"Delete {rn}",
                                     operation="delete", branch=branch,
                                     expected={rn.store_path: etag} if etag else None)
            return info.commit_id if info else ""
        conn = await self.pool.get(rn.cluster)
        rt = await conn.resolve(rn.resource, "name")
        async with self.locks.hold([rn.store_path]):
            stored = (await self._stored([rn.store_path]))[rn.store_path]
            await self.check_etag(conn, rt, rn, stored, etag)
            intent = "" if dry_run else await self.intents.begin("delete", [(rn, None)])
            try:
                await conn.delete_object(rt, rn.namespace, rn.name, dry_run=dry_run,
                                         resource_version="" if is_commit_id(etag) else etag)
            except NotFound:
                if stored is None:
                    await self.clear_intent(intent)
                    raise NotFound(f"{rn} exists neither in its cluster nor in the store", "NOT_FOUND",
                                   metadata={"resource": str(rn)}) from None
            except KubecommitError:
                await self.clear_intent(intent)
                raise
            if dry_run or stored is None:
                await self.clear_intent(intent)
                return ""
            info = await self.commit([Change.delete(rn.store_path)], message=message or f"Delete {rn}",
                                     operation="delete", intent=intent)
            return info.commit_id if info else ""

    # -- RollbackResource -------------------------------------------------------------------

    async def rollback(self, *, name: str, target: str, reason: str, dry_run: bool, etag: str
                       ) -> tuple[str, DocumentDiff, str, int]:
        """(commit, diff live -> target, the cluster's dry-run refusal or '', version after).

        The diff starts from the live object, since that is what the rollback changes. When the
        live object has drifted from the stored head, the drifted state is first recorded as an
        import, so that reverting it is a commit of its own even when the target equals the head
        (otherwise the cluster would change with no trace in history)."""
        rn = ResourceName.parse(name, "name")
        context.current().targets.append(str(rn))
        old = await self.storage.run(version_document, self.store, rn, target, "target")
        assert old.version is not None
        conn = await self.pool.get(rn.cluster)
        rt = await conn.resolve(rn.resource, "name")
        rt = dataclasses.replace(rt, version=old.data["apiVersion"].rpartition("/")[2])
        if self.admission is not None:  # the version rolled back to must pass today's enforcing policies
            await self.admission(rn.cluster, [("target", rn, old.data)])
        async with self.locks.hold([rn.store_path]):
            stored = (await self._stored([rn.store_path]))[rn.store_path]
            await self.check_etag(conn, rt, rn, stored, etag)
            live = await self.live(conn, rt, rn)
            current = normalize(live) if live is not None else None
            diff = document_diff(str(rn), current, old.data)
            verdict = ""
            try:
                await conn.apply(rt, old.data, field_manager=FIELD_MANAGER, force=True, dry_run=True)
            except KubecommitError as error:
                verdict = error.message
                if not dry_run:
                    raise
            if dry_run:
                return "", diff, verdict, 0
            if stored is not None and current != stored.data:
                drifted = Change.put(rn.store_path, current) if current is not None else Change.delete(rn.store_path)
                await self.commit([drifted], operation="import",
                                  message=f"Drift of {rn} found by a rollback: the live object differed "
                                          f"from the stored version")
            intent = await self.intents.begin("rollback", [(rn, old.data)])
            try:
                # labels and annotations the target lacks go, whoever set them: the diff said so
                live = await apply_object(conn, rt, old.data, removal=Removal.between(current, old.data), force=True,
                                          dry_run=False)
            except KubecommitError:
                await self.clear_intent(intent)
                raise
            except PartlyApplied as partly:  # the apply is in the cluster: commit it, then say why
                await self.commit([Change.put(rn.store_path, normalize(partly.live))], operation="rollback",
                                  message=f"Partial roll back of {rn} to version {old.version.number}: "
                                          f"{partly.error.message}", intent=intent)
                raise partly.error from None
            text = f"Roll back {rn} to version {old.version.number}"
            info = await self.commit([Change.put(rn.store_path, normalize(live))],
                                     message=f"{text}: {reason}" if reason else text, operation="rollback",
                                     intent=intent)
            number = (await self.versions_after([rn.store_path], info))[rn.store_path]
            return (info.commit_id if info else ""), diff, "", number


def _data(doc: Document | None) -> dict[str, Any] | None:
    return doc.data if doc is not None else None
