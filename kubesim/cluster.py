"""The cluster's API semantics independent of HTTP: CRUD with server-set metadata, optimistic
concurrency, dry run, status subresources, CRD registration and garbage collection.

The HTTP layer (app.py) parses requests into calls here; controllers write through `save()`.
"""

from __future__ import annotations

import copy
import random
import re
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Callable

from kubesim import admission, errors, kinds, openapi
from kubesim.errors import ApiError
from kubesim.exec.container import ContainerRuntime
from kubesim.logs import LogStore
from kubesim.patch import json_patch, merge_patch, record_update, server_side_apply, strategic_merge
from kubesim.registry import Registry, ResourceType, crd_resource_type, new_registry
from kubesim.store import Store

_QUOTED = re.compile(r'"[^"]*"')
CRD_KEY = "apiextensions.k8s.io/customresourcedefinitions"
NAMESPACE_KEY = "/namespaces"
# Kinds whose DELETE answers with the object rather than a Status (as the typed clients expect).
RETURNS_DELETED_OBJECT = frozenset({"Pod", "Service", "ServiceAccount", "PersistentVolumeClaim",
                                    "PersistentVolume", "ResourceQuota", "StorageClass"})
PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}


def now_iso(offset_seconds: float = 0) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=offset_seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _prestop_seconds(pod: dict) -> float:
    """How long a pod's containers take to stop: the longest preStop sleep (`sleep: {seconds}` or an exec
    of `sleep N`); the simulated processes themselves exit on SIGTERM at once."""
    longest = 0.0
    for c in (pod.get("spec") or {}).get("containers") or []:
        pre = (c.get("lifecycle") or {}).get("preStop") or {}
        command = (pre.get("exec") or {}).get("command") or []
        if "sleep" in pre:
            longest = max(longest, float(pre["sleep"].get("seconds", 0)))
        elif len(command) == 2 and command[0] == "sleep" and command[1].isdigit():
            longest = max(longest, float(command[1]))
    return longest


def random_suffix(n: int = 5) -> str:
    return "".join(random.choices("bcdfghjklmnpqrstvwxz2456789", k=n))


def _without_bookkeeping(obj: dict) -> dict:
    meta = {k: v for k, v in obj["metadata"].items() if k not in ("resourceVersion", "managedFields")}
    return dict(obj, metadata=meta)


def _spec_part(obj: dict) -> dict:
    """Everything that bumps metadata.generation when changed."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


class Cluster:
    def __init__(self, log_lines: int = 10000) -> None:
        self.registry: Registry = new_registry()
        self.store = Store()
        self.logs = LogStore(max_lines=log_lines)
        self.runtime = ContainerRuntime()
        self.on_change: Callable[[], None] = lambda: None
        # (resource key, namespace, name) of objects being deleted -> monotonic time their grace ends
        self.terminating: dict[tuple[str, str, str], float] = {}

    # -- lookups ---------------------------------------------------------------------------
    def resource(self, group: str, version: str, plural: str) -> ResourceType:
        rt = self.registry.lookup(group, version, plural)
        if rt is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource",
                           {"causes": [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]})
        return rt

    def kind_type(self, kind: str, group: str = "") -> ResourceType:
        rt = self.registry.by_kind(group, kind)
        assert rt is not None, kind
        return rt

    def lookup(self, kind: str, namespace: str, name: str) -> dict | None:
        """Read-only access by core kind (for exec env/volume resolution and controllers)."""
        return self.store.peek(self.kind_type(kind).key, namespace, name)

    def crds(self) -> list[dict]:
        return list(self.store.iter(CRD_KEY))

    def get(self, rt: ResourceType, namespace: str, name: str, version: str | None = None) -> dict:
        obj = self.store.get(rt.key, namespace, name)
        if obj is None:
            raise errors.not_found(rt.group, rt.plural, name)
        return self.present(rt, obj, version)

    @staticmethod
    def present(rt: ResourceType, obj: dict, version: str | None = None) -> dict:
        """A stored object as served at the requested version."""
        if version and version != rt.version:
            obj["apiVersion"] = rt.api_version(version)
        return obj

    def crd_for(self, rt: ResourceType) -> dict | None:
        return next((c for c in self.crds() if c["spec"]["group"] == rt.group
                     and c["spec"]["names"]["plural"] == rt.plural), None) if rt.custom else None

    def _admit_custom(self, rt: ResourceType, obj: dict, version: str) -> None:
        """A custom resource is defaulted and validated against its version's openAPIV3Schema (422)."""
        crd = self.crd_for(rt)
        schema = admission.crd_version_schema(crd, version or rt.version) if crd else None
        if schema is None:
            return
        admission.apply_schema_defaults(schema, obj)
        causes = admission.schema_errors(schema, obj)
        if causes:
            raise errors.invalid(rt.group, rt.kind, obj["metadata"].get("name", ""), causes)

    def _require_namespace(self, rt: ResourceType, namespace: str) -> None:
        if rt.namespaced and self.store.peek(NAMESPACE_KEY, "", namespace) is None:
            raise errors.not_found("", "namespaces", namespace)

    # -- writes ----------------------------------------------------------------------------
    def save(self, rt: ResourceType, obj: dict) -> dict:
        """Store an object as-is (controllers, seeding) and let controllers react."""
        obj = self.store.put(rt.key, obj)
        self.on_change()
        return obj

    def _check_body(self, rt: ResourceType, namespace: str, body: object, version: str) -> dict:
        if not isinstance(body, dict):
            raise errors.bad_request(f"Object 'Kind' is missing in '{body}'")
        kind = body.get("kind")
        if kind and kind != rt.kind:
            raise errors.bad_request(f"the API version in the data ({body.get('apiVersion')}) does not match "
                                     f"the expected API version ({rt.api_version(version)})"
                                     if body.get("apiVersion") != rt.api_version(version)
                                     else f"{kind} in version \"{version}\" cannot be handled as a {rt.kind}")
        api_version = body.get("apiVersion")
        if api_version and api_version.rpartition("/")[0] != rt.group:
            raise errors.bad_request(f"the API version in the data ({api_version}) does not match the "
                                     f"expected API version ({rt.api_version(version)})")
        meta = body.get("metadata")
        if meta is not None and not isinstance(meta, dict):
            raise errors.bad_request("metadata: must be an object")
        body = copy.deepcopy(body)
        body["kind"], body["apiVersion"] = rt.kind, rt.api_version()
        meta = body.setdefault("metadata", {})
        if rt.namespaced:
            if meta.get("namespace") and meta["namespace"] != namespace:
                raise errors.bad_request("the namespace of the provided object does not match the "
                                         "namespace sent on the request")
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        return body

    def create(self, rt: ResourceType, namespace: str, body: object, version: str, *,
               dry_run: bool = False, manager: str = "") -> dict:
        obj = self._check_body(rt, namespace, body, version)
        meta = obj["metadata"]
        if not meta.get("name"):
            if not meta.get("generateName"):
                raise errors.invalid(rt.group, rt.kind, "", [
                    ("FieldValueRequired", "metadata.name", "Required value: name or generateName is required")])
            meta["name"] = meta["generateName"] + random_suffix()
        if "status" in rt.subresources and rt.kind != "Node":
            obj.pop("status", None)  # status is written through /status (or by controllers)
        self._require_namespace(rt, namespace)
        ns_obj = self.store.peek(NAMESPACE_KEY, "", namespace) if rt.namespaced else None
        if ns_obj is not None and ns_obj["metadata"].get("deletionTimestamp"):
            raise errors.forbidden(rt.group, rt.plural, meta["name"], f"unable to create new content in namespace "
                                   f"{namespace} because it is being terminated")
        if self.store.peek(rt.key, namespace if rt.namespaced else "", meta["name"]) is not None:
            raise errors.already_exists(rt.group, rt.plural, meta["name"])
        for k in ("resourceVersion", "deletionTimestamp"):
            meta.pop(k, None)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_iso()
        if _spec_part(obj) and rt.kind not in ("ConfigMap", "Secret", "Namespace") or rt.custom:
            meta["generation"] = 1
        kinds.apply_defaults(rt.kind, obj)
        if rt.kind == "Pod":
            admission.apply_limit_ranges(self, obj, namespace)
            obj["status"]["qosClass"] = kinds.qos_class(obj["spec"])  # from the admitted resources
        openapi.drop_empty(self.registry, rt, obj)
        self._admit_custom(rt, obj, version)
        kinds.require_valid(rt.group, rt.kind, obj)
        if rt.namespaced:
            admission.check_quota(self, rt, obj, namespace)
        if manager:
            record_update(None, obj, manager, rt.api_version(version), meta["creationTimestamp"])
        if dry_run:
            return self.present(rt, obj, version)
        self.save(rt, obj)
        if rt.key == CRD_KEY:
            self.registry.add(crd_resource_type(obj))
        return self.present(rt, obj, version)

    def update(self, rt: ResourceType, namespace: str, name: str, body: object, version: str, *,
               subresource: str = "", dry_run: bool = False, manager: str = "") -> dict:
        ns = namespace if rt.namespaced else ""
        current = self.store.get(rt.key, ns, name)
        if current is None:
            raise errors.not_found(rt.group, rt.plural, name)
        obj = self._check_body(rt, namespace, body, version)
        meta = obj["metadata"]
        if meta.get("name", name) != name:
            raise errors.bad_request(f"the name of the object ({meta['name']}) does not match the name on "
                                     f"the URL ({name})")
        meta["name"] = name
        rv = meta.get("resourceVersion")
        if rv and rv != current["metadata"]["resourceVersion"]:
            raise errors.conflict(rt.group, rt.plural, name, "the object has been modified; please apply your "
                                  "changes to the latest version and try again")
        if subresource == "status":
            obj = dict(current, status=obj.get("status", {}))
        elif "status" in rt.subresources and "status" in current:
            obj["status"] = current["status"]
        cmeta, meta = current["metadata"], obj["metadata"]
        for k in ("uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds"):
            if k in cmeta:
                meta[k] = cmeta[k]
            else:
                meta.pop(k, None)
        if "generation" in cmeta and _spec_part(obj) != _spec_part(current):
            meta["generation"] = cmeta["generation"] + 1
        if rt.kind in ("Namespace", "CustomResourceDefinition"):
            obj["status"] = current.get("status", {})
        else:
            kinds.apply_defaults(rt.kind, obj)
        if subresource != "status":
            self._admit_custom(rt, obj, version)
        openapi.drop_empty(self.registry, rt, obj)
        kinds.require_valid(rt.group, rt.kind, obj)
        if "managedFields" not in meta and "managedFields" in cmeta:
            meta["managedFields"] = cmeta["managedFields"]
        if manager:
            record_update(current, obj, manager, rt.api_version(version), now_iso(), subresource)
        if _without_bookkeeping(obj) == _without_bookkeeping(current):
            return self.present(rt, current, version)  # no-op writes keep the resourceVersion
        if dry_run:
            return self.present(rt, obj, version)
        if cmeta.get("deletionTimestamp") and not meta.get("finalizers") and rt.key != NAMESPACE_KEY \
                and not self._in_grace(rt, ns, name):
            self.finish(rt, obj)  # the last finalizer was removed
            return self.present(rt, obj, version)
        self.save(rt, obj)
        if rt.key == CRD_KEY:
            self.registry.add(crd_resource_type(obj))
        return self.present(rt, obj, version)

    def _in_grace(self, rt: ResourceType, ns: str, name: str) -> bool:
        """A pod still inside its grace period is the kubelet's to remove, finalizers or not."""
        due = self.terminating.get((rt.key, ns, name))
        return rt.kind == "Pod" and due is not None and due > time.monotonic()

    def patch(self, rt: ResourceType, namespace: str, name: str, patch_type: str, body: object,
              version: str, *, subresource: str = "", dry_run: bool = False, manager: str = "",
              force: bool = False) -> dict:
        if patch_type == "strategic" and rt.custom:
            raise ApiError(415, "UnsupportedMediaType",
                           "the body of the request was in an unknown format - accepted media types include: "
                           "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
        ns = namespace if rt.namespaced else ""
        current = self.store.get(rt.key, ns, name)
        if patch_type == "apply":
            return self._apply(rt, namespace, name, current, body, version, subresource, dry_run, manager, force)
        if current is None:
            raise errors.not_found(rt.group, rt.plural, name)
        if patch_type == "json":
            new = json_patch(current, body)
        elif not isinstance(body, dict):
            raise errors.bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
        elif patch_type == "merge":
            new = merge_patch(current, body)
        else:
            new = strategic_merge(current, body)
        if not isinstance(new, dict):
            raise errors.bad_request("patch result is not an object")
        return self.update(rt, namespace, name, new, version, subresource=subresource, dry_run=dry_run,
                           manager=manager)

    def _apply(self, rt: ResourceType, namespace: str, name: str, current: dict | None, body: object,
               version: str, subresource: str, dry_run: bool, manager: str, force: bool) -> dict:
        if not manager:
            raise errors.bad_request("PATCH requests with apply content type must specify a fieldManager")
        applied = self._check_body(rt, namespace, body, version)
        assert isinstance(body, dict)  # _check_body refused anything else
        if not body.get("apiVersion") or not body.get("kind"):
            raise errors.bad_request("apiVersion and kind must be set in an applied configuration")
        if applied["metadata"].get("name", name) != name:
            raise errors.bad_request(f"the name of the object ({applied['metadata']['name']}) does not match "
                                     f"the name on the URL ({name})")
        applied["metadata"]["name"] = name
        merged = server_side_apply(current, applied, manager, force, rt.api_version(version), now_iso())
        if current is None:
            return self.create(rt, namespace, merged, version, dry_run=dry_run)
        merged["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        return self.update(rt, namespace, name, merged, version, subresource=subresource, dry_run=dry_run)

    def delete(self, rt: ResourceType, namespace: str, name: str, *, dry_run: bool = False,
               propagation: str = "Background", preconditions: dict | None = None,
               grace_period: int | None = None) -> dict:
        """Graceful deletion: an object with finalizers (or deleted in the foreground, or a running
        pod within its grace period, or a namespace with content) gets a deletionTimestamp and
        stays until controllers finish; anything else goes at once."""
        ns = namespace if rt.namespaced else ""
        current = self.store.peek(rt.key, ns, name)
        if current is None:
            raise errors.not_found(rt.group, rt.plural, name)
        pre = preconditions or {}
        for field in ("uid", "resourceVersion"):
            if pre.get(field) and pre[field] != current["metadata"].get(field):
                raise errors.conflict(rt.group, rt.plural, name,
                                      f"Precondition failed: {field.upper() if field == 'uid' else 'ResourceVersion'} "
                                      f"in precondition: {pre[field]}, {field.upper() if field == 'uid' else 'ResourceVersion'} "
                                      f"in object meta: {current['metadata'].get(field)}")
        details = {"name": name, "kind": rt.plural, "uid": current["metadata"]["uid"]}
        if rt.group:
            details["group"] = rt.group
        obj = copy.deepcopy(current)
        meta = obj["metadata"]
        grace = self._grace_period(rt, obj, grace_period)
        finalizers = list(meta.get("finalizers") or [])
        if propagation == "Foreground" and "foregroundDeletion" not in finalizers and self.dependents(meta["uid"]):
            finalizers.append("foregroundDeletion")
        if meta.get("deletionTimestamp"):
            key = (rt.key, ns, name)
            if not dry_run and key in self.terminating:  # a shorter grace period wins
                self.terminating[key] = min(self.terminating[key], time.monotonic() + grace)
            return self.present(rt, obj)
        if finalizers or grace or rt.key == NAMESPACE_KEY:
            meta.update(deletionTimestamp=now_iso(grace), deletionGracePeriodSeconds=grace)
            if finalizers:
                meta["finalizers"] = finalizers
            if rt.key == NAMESPACE_KEY:
                obj["status"] = {"phase": "Terminating"}
            if not dry_run:
                self.save(rt, obj)
                self.terminating[(rt.key, ns, name)] = time.monotonic() + min(grace, _prestop_seconds(obj))
            return self.present(rt, obj)
        if not dry_run:
            self._remove(rt, current, propagation)
        if rt.kind in RETURNS_DELETED_OBJECT:
            meta.update(deletionTimestamp=now_iso(), deletionGracePeriodSeconds=0)
            return self.present(rt, obj)
        return errors.status_object("Success", details=details)

    @staticmethod
    def _grace_period(rt: ResourceType, obj: dict, requested: int | None) -> int:
        """Pods on a node get their terminationGracePeriodSeconds (or the request's); others none."""
        if rt.kind != "Pod" or not obj["spec"].get("nodeName") or \
                obj.get("status", {}).get("phase") in ("Succeeded", "Failed"):
            return 0
        if requested is not None:
            return max(0, int(requested))
        return int(obj["spec"].get("terminationGracePeriodSeconds", 30))

    def dependents(self, uid: str) -> list[tuple[ResourceType, dict]]:
        return [(other, child) for other in list(self.registry.types.values())
                for child in self.store.iter(other.key)
                if any(ref.get("uid") == uid for ref in child["metadata"].get("ownerReferences") or [])]

    def finish(self, rt: ResourceType, obj: dict) -> None:
        """Remove a terminating object whose finalizers are all gone."""
        self.terminating.pop((rt.key, obj["metadata"].get("namespace", ""), obj["metadata"]["name"]), None)
        self._remove(rt, obj, "Background")

    def _remove(self, rt: ResourceType, obj: dict, propagation: str) -> None:
        meta = obj["metadata"]
        ns = meta.get("namespace", "")
        self.store.remove(rt.key, ns, meta["name"])
        self.terminating.pop((rt.key, ns, meta["name"]), None)
        if rt.kind == "Pod":
            self.logs.close_pod(ns, meta["name"])
            self.runtime.forget_pod(ns, meta["name"])
        if rt.key == CRD_KEY:
            crt = crd_resource_type(obj)
            self.registry.remove(crt.key)
            self.store.drop_resource(crt.key)
        for other, child in self.dependents(meta["uid"]):
            cmeta = child["metadata"]
            if propagation == "Orphan":  # the garbage collector strips the owner instead
                orphan = copy.deepcopy(child)
                orphan["metadata"]["ownerReferences"] = [r for r in cmeta["ownerReferences"]
                                                         if r.get("uid") != meta["uid"]]
                self.save(other, orphan)
            elif self.store.peek(other.key, cmeta.get("namespace", ""), cmeta["name"]) is not None:
                self.delete(other, cmeta.get("namespace", ""), cmeta["name"], propagation=propagation)
        self.on_change()

    def delete_collection(self, rt: ResourceType, namespace: str | None, items: list[dict], *,
                          dry_run: bool = False, propagation: str = "Background") -> dict:
        for obj in items:
            if not dry_run and self.store.peek(rt.key, obj["metadata"].get("namespace", ""),
                                               obj["metadata"]["name"]) is not None:
                self.delete(rt, obj["metadata"].get("namespace", ""), obj["metadata"]["name"],
                            propagation=propagation)
        return errors.status_object("Success")

    # -- helpers for controllers and seed -------------------------------------------------
    def record_event(self, involved: dict, etype: str, reason: str, message: str, component: str) -> None:
        """A core/v1 Event about an object. A repeat (same reason, same message up to quoted names,
        which change with each generated pod) is not rewritten: controllers retry on every
        reconcile, and each rewrite would trigger another. A changed message updates the event."""
        meta = involved["metadata"]
        ns = meta.get("namespace") or "default"
        rt = self.kind_type("Event")
        now = now_iso()
        for ev in self.store.iter(rt.key, ns):
            if ev["involvedObject"].get("uid") == meta.get("uid") and ev["reason"] == reason:
                if _QUOTED.sub('""', ev["message"]) != _QUOTED.sub('""', message):
                    self.save(rt, dict(copy.deepcopy(ev), message=message, lastTimestamp=now,
                                       count=ev.get("count", 1) + 1))
                return
        self.put_object({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{meta['name']}.{uuid.uuid4().hex[:16]}", "namespace": ns},
            "involvedObject": {"kind": involved["kind"], "namespace": meta.get("namespace", ""), "name": meta["name"],
                               "uid": meta.get("uid", ""), "apiVersion": involved["apiVersion"],
                               "resourceVersion": meta.get("resourceVersion", "")},
            "reason": reason, "message": message, "type": etype, "source": {"component": component},
            "firstTimestamp": now, "lastTimestamp": now, "count": 1, "reportingComponent": component,
            "reportingInstance": "",
        })

    def put_object(self, obj: dict, group: str = "") -> dict:
        """Create an object as a privileged writer (seed data): defaults applied, no validation."""
        rt = self.kind_type(obj["kind"], group or obj["apiVersion"].rpartition("/")[0])
        meta = obj["metadata"]
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", now_iso())
        if "spec" in obj or rt.custom:
            meta.setdefault("generation", 1)
        obj["apiVersion"] = rt.api_version()
        kinds.apply_defaults(rt.kind, obj)
        openapi.drop_empty(self.registry, rt, obj)
        self.save(rt, obj)
        if rt.key == CRD_KEY:
            self.registry.add(crd_resource_type(obj))
        return obj

