"""Admission like kube-apiserver's built-in plugins: LimitRanger (defaults, min/max, ratios),
ResourceQuota (usage and refusal) and custom resources checked against their CRD's schema.

Messages and status codes are the apiserver's, so clients and the services built on kubesim see
what a real cluster would tell them. Quantities are parsed with the kubernetes client's
`parse_quantity`.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterator

import jsonschema
from kubernetes.utils import parse_quantity

from kubesim import errors
from kubesim.registry import ResourceType

if TYPE_CHECKING:
    from kubesim.cluster import Cluster

COMPUTE = ("cpu", "memory", "ephemeral-storage")
# Quota names of counted core objects (`count/<plural>` works for every kind as well).
COUNTED = {"services": "services", "configmaps": "configmaps", "secrets": "secrets",
           "persistentvolumeclaims": "persistentvolumeclaims", "replicationcontrollers": "replicationcontrollers",
           "resourcequotas": "resourcequotas"}


# -- quantities ---------------------------------------------------------------------------------

def format_quantity(value: Decimal, resource: str) -> str:
    """Render a quantity like the apiserver: cpu in cores or millicores, memory with binary suffixes."""
    if "cpu" in resource:
        milli = int(value * 1000)
        return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"
    n = int(value)
    for suffix, size in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if n and n % size == 0:
            return f"{n // size}{suffix}"
    return str(n)


def _q(value: object) -> Decimal:
    return parse_quantity(value)  # type: ignore[no-any-return]


# -- usage ----------------------------------------------------------------------------------------

def _containers(pod: dict) -> list[dict]:
    return list((pod.get("spec") or {}).get("containers") or [])


def pod_usage(pod: dict) -> dict[str, Decimal]:
    """What one pod charges against a quota (requests default to limits, as the apiserver defaults them);
    extended resources (`nvidia.com/gpu`) count as `requests.<name>` too."""
    out: dict[str, Decimal] = {"pods": Decimal(1), "count/pods": Decimal(1)}
    for c in _containers(pod):
        res = c.get("resources") or {}
        for r in sorted({*(res.get("limits") or {}), *(res.get("requests") or {})}):
            limit = (res.get("limits") or {}).get(r)
            request = (res.get("requests") or {}).get(r, limit)
            if request is not None:
                out[f"requests.{r}"] = out.get(f"requests.{r}", Decimal(0)) + _q(request)
            if limit is not None:
                out[f"limits.{r}"] = out.get(f"limits.{r}", Decimal(0)) + _q(limit)
    for r in COMPUTE:
        if f"requests.{r}" in out:
            out[r] = out[f"requests.{r}"]
    return out


def object_usage(rt: ResourceType, obj: dict) -> dict[str, Decimal]:
    """What creating one object charges against a quota."""
    if rt.kind == "Pod":
        if (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return {}
        return pod_usage(obj)
    out = {f"count/{rt.plural}" + (f".{rt.group}" if rt.group else ""): Decimal(1)}
    if not rt.group and rt.plural in COUNTED:
        out[COUNTED[rt.plural]] = Decimal(1)
    if rt.kind == "PersistentVolumeClaim":
        storage = ((obj.get("spec") or {}).get("resources") or {}).get("requests", {}).get("storage")
        if storage:
            out["requests.storage"] = _q(storage)
    if rt.kind == "Service":
        kind = (obj.get("spec") or {}).get("type")
        if kind == "LoadBalancer":
            out["services.loadbalancers"] = Decimal(1)
        if kind in ("LoadBalancer", "NodePort"):
            out["services.nodeports"] = Decimal(len((obj.get("spec") or {}).get("ports") or []))
    return out


def namespace_usage(cluster: Cluster, namespace: str) -> dict[str, Decimal]:
    used: dict[str, Decimal] = {}
    for rt in list(cluster.registry.types.values()):
        if not rt.namespaced or rt.group == "metrics.k8s.io":
            continue
        for obj in cluster.store.iter(rt.key, namespace):
            for k, v in object_usage(rt, obj).items():
                used[k] = used.get(k, Decimal(0)) + v
    return used


def quota_status(hard: dict[str, str], used: dict[str, Decimal]) -> dict[str, dict[str, str]]:
    return {"hard": dict(hard), "used": {k: format_quantity(used.get(k, Decimal(0)), k) for k in hard}}


def _pretty(values: dict[str, Decimal]) -> str:
    return ",".join(f"{k}={format_quantity(v, k)}" for k, v in sorted(values.items()))


def check_quota(cluster: Cluster, rt: ResourceType, obj: dict, namespace: str) -> None:
    """Refuse a create that would exceed a ResourceQuota of the namespace (403, the apiserver's words)."""
    requested = object_usage(rt, obj)
    quotas = list(cluster.store.iter(cluster.kind_type("ResourceQuota").key, namespace))
    if not requested or not quotas:
        return
    used = namespace_usage(cluster, namespace)
    name = obj["metadata"]["name"]
    for q in quotas:
        hard = {k: _q(v) for k, v in ((q.get("spec") or {}).get("hard") or {}).items()}
        if rt.kind == "Pod":
            _require_specified(rt, name, q["metadata"]["name"], hard, obj)
        over = [k for k in hard if k in requested and used.get(k, Decimal(0)) + requested[k] > hard[k]]
        if over:
            raise errors.forbidden(rt.group, rt.plural, name, (
                f"exceeded quota: {q['metadata']['name']}, "
                f"requested: {_pretty({k: requested[k] for k in over})}, "
                f"used: {_pretty({k: used.get(k, Decimal(0)) for k in over})}, "
                f"limited: {_pretty({k: hard[k] for k in over})}"))


def _require_specified(rt: ResourceType, name: str, quota: str, hard: dict[str, Decimal], pod: dict) -> None:
    """A quota on requests/limits needs every container to state them."""
    missing = []
    for resource in sorted(hard):
        kind, _, r = resource.partition(".")
        if kind not in ("requests", "limits") or r not in COMPUTE:
            continue
        lacking = [c["name"] for c in _containers(pod)
                   if r not in ((c.get("resources") or {}).get(kind) or {})
                   and not (kind == "requests" and r in ((c.get("resources") or {}).get("limits") or {}))]
        if lacking:
            missing.append(f"{resource} for: {','.join(lacking)}")
    if missing:
        raise errors.forbidden(rt.group, rt.plural, name, f"failed quota: {quota}: must specify {'; '.join(missing)}")


# -- LimitRange --------------------------------------------------------------------------------

def _limit_items(cluster: Cluster, namespace: str, kind: str) -> Iterator[dict]:
    for lr in cluster.store.iter(cluster.kind_type("LimitRange").key, namespace):
        for item in (lr.get("spec") or {}).get("limits") or []:
            if item.get("type") == kind:
                yield item


def apply_limit_ranges(cluster: Cluster, pod: dict, namespace: str) -> None:
    """LimitRanger: default container requests/limits, then enforce min, max and ratios (403)."""
    items = list(_limit_items(cluster, namespace, "Container"))
    pod_items = list(_limit_items(cluster, namespace, "Pod"))
    if not items and not pod_items:
        return
    for c in _containers(pod):
        res = c.setdefault("resources", {})
        explicit_limits = dict(res.get("limits") or {})
        for item in items:
            for r, v in (item.get("default") or {}).items():
                res.setdefault("limits", {}).setdefault(r, v)
            for r, v in (item.get("defaultRequest") or item.get("default") or {}).items():
                # an explicit limit is the request's default (apiserver defaulting runs before admission)
                res.setdefault("requests", {}).setdefault(r, explicit_limits.get(r, v))
    problems = [p for c in _containers(pod) for item in items
                for p in _bounds("Container", item, c.get("resources") or {})]
    if pod_items:
        total: dict[str, dict[str, Decimal]] = {"requests": {}, "limits": {}}
        for c in _containers(pod):
            for kind in total:
                for r, v in ((c.get("resources") or {}).get(kind) or {}).items():
                    total[kind][r] = total[kind].get(r, Decimal(0)) + _q(v)
        problems += [p for item in pod_items for p in _bounds("Pod", item, total)]
    if problems:
        name = pod["metadata"].get("name") or pod["metadata"].get("generateName", "")
        message = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
        raise errors.forbidden("", "pods", name, message)


def _bounds(scope: str, item: dict, resources: dict) -> list[str]:
    out = []
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
    for r, v in sorted((item.get("min") or {}).items()):
        if r in requests and _q(requests[r]) < _q(v):
            out.append(f"minimum {r} usage per {scope} is {v}, but request is {requests[r]}")
        elif r not in requests:
            out.append(f"minimum {r} usage per {scope} is {v}.  No request is specified")
    for r, v in sorted((item.get("max") or {}).items()):
        if r in limits and _q(limits[r]) > _q(v):
            out.append(f"maximum {r} usage per {scope} is {v}, but limit is {limits[r]}")
        elif r not in limits:
            out.append(f"maximum {r} usage per {scope} is {v}.  No limit is specified")
    for r, v in sorted((item.get("maxLimitRequestRatio") or {}).items()):
        if r in limits and r in requests and _q(requests[r]) > 0:
            ratio = _q(limits[r]) / _q(requests[r])
            if ratio > _q(v):
                out.append(f"{r} max limit to request ratio per {scope} is {v}, but provided ratio is {float(ratio):f}")
    return out


# -- custom resources ------------------------------------------------------------------------------

def crd_version_schema(crd: dict, version: str) -> dict | None:
    v = next((v for v in crd["spec"].get("versions") or [] if v["name"] == version), None)
    return ((v or {}).get("schema") or {}).get("openAPIV3Schema")


def apply_schema_defaults(schema: dict, value: Any) -> None:
    """Structural defaulting: `default` of absent properties, recursively where the parent exists."""
    if not isinstance(value, dict):
        if isinstance(value, list) and isinstance(schema.get("items"), dict):
            for v in value:
                apply_schema_defaults(schema["items"], v)
        return
    for k, sub in (schema.get("properties") or {}).items():
        if k not in value and "default" in sub:
            value[k] = copy.deepcopy(sub["default"])
        if k in value:
            apply_schema_defaults(sub, value[k])


def schema_errors(schema: dict, obj: dict) -> list[tuple[str, str, str]]:
    """Every violation as (reason, field path, message) in the apiserver's wording, sorted by path."""
    body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
    check = dict(schema, properties={k: v for k, v in (schema.get("properties") or {}).items()
                                     if k not in ("apiVersion", "kind", "metadata")})
    check.pop("required", None)
    required_top = [r for r in schema.get("required") or [] if r not in ("apiVersion", "kind", "metadata")]
    if required_top:
        check["required"] = required_top
    validator = jsonschema.Draft4Validator(_openapi_to_jsonschema(check))
    causes = []
    for e in validator.iter_errors(body):
        path = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in e.absolute_path).replace(".[", "[")
        causes.append(_cause(e, path))
    return sorted(set(causes), key=lambda c: (c[1], c[2]))


def _openapi_to_jsonschema(schema: Any) -> Any:
    """OpenAPI v3 schemas are nearly draft 4: `nullable` widens the type; int-or-string has no type."""
    if isinstance(schema, list):
        return [_openapi_to_jsonschema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _openapi_to_jsonschema(v) if k in ("properties", "items", "additionalProperties", "allOf",
                                                  "anyOf", "oneOf", "not") else v
           for k, v in schema.items()}
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: _openapi_to_jsonschema(v) for k, v in schema["properties"].items()}
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    return out


_GO_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", dict: "object", list: "array",
             type(None): "null"}


def _render(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) \
        else str(value)


def _cause(e: jsonschema.ValidationError, path: str) -> tuple[str, str, str]:
    v = e.instance
    match e.validator:
        case "required":
            missing = e.message.split("'")[1]
            return ("FieldValueRequired", f"{path}.{missing}" if path else missing, "Required value")
        case "type":
            actual = _GO_TYPES.get(type(v), "object")
            want = e.validator_value if isinstance(e.validator_value, str) else e.validator_value[0]
            return ("FieldValueTypeInvalid", path,
                    f'Invalid value: "{actual}": {path} in body must be of type {want}: "{actual}"')
        case "enum":
            allowed = ", ".join(_render(x) for x in e.validator_value)
            return ("FieldValueNotSupported", path, f"Unsupported value: {_render(v)}: supported values: {allowed}")
        case "maximum":
            return ("FieldValueInvalid", path, f"Invalid value: {_render(v)}: {path} in body should be less than "
                    f"or equal to {e.validator_value}")
        case "minimum":
            return ("FieldValueInvalid", path, f"Invalid value: {_render(v)}: {path} in body should be greater "
                    f"than or equal to {e.validator_value}")
        case "pattern":
            return ("FieldValueInvalid", path, f"Invalid value: {_render(v)}: {path} in body should match "
                    f"'{e.validator_value}'")
        case "maxLength":
            return ("FieldValueTooLong", path, f"Too long: may not be more than {e.validator_value} bytes")
        case "minLength":
            return ("FieldValueInvalid", path, f"Invalid value: {_render(v)}: {path} in body should be at least "
                    f"{e.validator_value} chars long")
        case "maxItems":
            return ("FieldValueTooMany", path, f"Too many: {len(v)}: must have at most {e.validator_value} items")
        case "minItems":
            return ("FieldValueInvalid", path, f"Invalid value: {len(v)}: {path} in body should have at least "
                    f"{e.validator_value} items")
    return ("FieldValueInvalid", path, f"Invalid value: {_render(v)}: {e.message}")
