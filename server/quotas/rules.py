"""The API server's own checks of ResourceQuota and LimitRange specs, made before anything is
sent (so a bad request names the request field, commits nothing and leaves the cluster alone),
and LimitRanger admission replayed against today's pods (which pods a LimitRange would refuse).

Sources: k8s.io/kubernetes/pkg/apis/core/validation (ValidateResourceQuota, ValidateLimitRange)
and plugin/pkg/admission/limitranger.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Iterable

from server.errors import InvalidArgument
from server.kube import quantity
from server.quotas.model import LIMIT_FIELDS, LIMIT_TYPES, LimitItem, Refusal, ScopeRequirement

# Resources a quota's `hard` may name (standard ones), beside `count/<resource>[.<group>]`,
# per-StorageClass keys, hugepages and extended resources (`requests.<domain>/<name>`).
STANDARD = {
    "cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "pods",
    "services", "services.loadbalancers", "services.nodeports", "secrets", "configmaps",
    "replicationcontrollers", "resourcequotas", "persistentvolumeclaims", "requests.storage",
    "ephemeral-storage", "requests.ephemeral-storage", "limits.ephemeral-storage",
}
_COUNT = re.compile(r"^count/[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_STORAGE_CLASS = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\.storageclass\.storage\.k8s\.io/"
                            r"(requests\.storage|persistentvolumeclaims)$")
_HUGEPAGES = re.compile(r"^(requests\.|limits\.)?hugepages-[0-9]+[KMGTPE]i?$")
_EXTENDED = re.compile(r"^requests\.[a-z0-9]([-a-z0-9.]*[a-z0-9])?\.[a-z]+/[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$")
# Object counts: whole numbers only.
_COUNTED = {"pods", "services", "services.loadbalancers", "services.nodeports", "secrets", "configmaps",
            "replicationcontrollers", "resourcequotas", "persistentvolumeclaims"}
_POD_COMPUTE = {"cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "pods",
                "ephemeral-storage", "requests.ephemeral-storage", "limits.ephemeral-storage"}
SCOPES = ("Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass",
          "CrossNamespacePodAffinity")
_OPPOSITES = (("Terminating", "NotTerminating"), ("BestEffort", "NotBestEffort"))
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def _known(resource: str) -> bool:
    return (resource in STANDARD or bool(_COUNT.match(resource) or _STORAGE_CLASS.match(resource)
                                         or _HUGEPAGES.match(resource) or _EXTENDED.match(resource)))


def is_count(resource: str) -> bool:
    """An object count (whole numbers only), not an amount of a resource."""
    return resource in _COUNTED or resource.startswith("count/")


def check_hard(hard: dict[str, str], field: str = "resource_quota.hard") -> dict[str, str]:
    """Every key a quota resource Kubernetes knows, every value a non-negative quantity (whole
    for object counts). Returns `hard` as written."""
    for resource, text in hard.items():
        where = f"{field}[{resource}]"
        if not _known(resource):
            raise InvalidArgument.field(where, f"{resource!r} is not a resource a ResourceQuota can limit "
                                        "(e.g. requests.cpu, limits.memory, pods, count/deployments.apps)")
        value = quantity.parse(text, where)
        if is_count(resource) and value != value.to_integral_value():
            raise InvalidArgument.field(where, f"{text!r}: an object count must be a whole number")
    return hard


def check_scopes(hard: dict[str, str], scopes: list[str], selector: list[ScopeRequirement],
                 field: str = "resource_quota") -> None:
    """Known scopes, no opposites together (in `scopes` and the selector combined), selector
    operators that fit their scope, and `hard` limited to what the scopes can track."""
    named = []
    for i, scope in enumerate(scopes):
        if scope not in SCOPES:
            raise InvalidArgument.field(f"{field}.scopes[{i}]", f"{scope!r} is not a quota scope ({', '.join(SCOPES)})")
        named.append(scope)
    for i, req in enumerate(selector):
        where = f"{field}.scope_selector.match_expressions[{i}]"
        if req.scope_name not in SCOPES:
            raise InvalidArgument.field(f"{where}.scope_name", f"{req.scope_name!r} is not a quota scope")
        if req.operator not in OPERATORS:
            raise InvalidArgument.field(f"{where}.operator", "one of IN, NOT_IN, EXISTS, DOES_NOT_EXIST")
        if req.operator in ("In", "NotIn"):
            if req.scope_name != "PriorityClass":
                raise InvalidArgument.field(f"{where}.operator",
                                            f"scope {req.scope_name} takes only EXISTS or DOES_NOT_EXIST")
            if not req.values:
                raise InvalidArgument.field(f"{where}.values", f"{req.operator} needs at least one value")
        elif req.values:
            raise InvalidArgument.field(f"{where}.values", f"{req.operator} takes no values")
        if req.operator == "Exists":
            named.append(req.scope_name)
    for a, b in _OPPOSITES:
        if a in named and b in named:
            raise InvalidArgument.field(f"{field}.scopes", f"scopes {a} and {b} do not combine (no pod is both)",
                                        "CONFLICTING_SCOPES")
    if not named and not selector:
        return
    allowed = {"pods"} if "BestEffort" in named else _POD_COMPUTE
    if "CrossNamespacePodAffinity" in named and named == ["CrossNamespacePodAffinity"]:
        allowed = _POD_COMPUTE
    for resource in hard:
        if resource not in allowed:
            raise InvalidArgument.field(f"{field}.hard[{resource}]",
                                        f"{resource!r} cannot be limited by a quota scoped to {', '.join(named)} "
                                        f"(allowed: {', '.join(sorted(allowed))})", "SCOPE_RESOURCE_MISMATCH")


def check_limits(items: list[LimitItem], field: str = "limit_range.limits") -> None:
    """min <= defaultRequest <= default <= max per resource, ratios at least 1, defaults only for
    containers, PersistentVolumeClaims bounded by storage only."""
    for i, item in enumerate(items):
        where = f"{field}[{i}]"
        if item.type not in LIMIT_TYPES:
            raise InvalidArgument.field(f"{where}.type", f"{item.type!r}: one of CONTAINER, POD, PERSISTENT_VOLUME_CLAIM")
        values: dict[str, dict[str, Decimal]] = {}
        for name in LIMIT_FIELDS:
            for resource, text in (item.bounds.get(name) or {}).items():
                values.setdefault(name, {})[resource] = quantity.parse(text, f"{where}.{_proto(name)}[{resource}]")
        if item.type != "Container" and (values.get("default") or values.get("defaultRequest")):
            raise InvalidArgument.field(f"{where}.default_limit", f"{item.type} limits take no defaults")
        if item.type == "PersistentVolumeClaim":
            for name, bounds in values.items():
                for resource in bounds:
                    if resource != "storage":
                        raise InvalidArgument.field(f"{where}.{_proto(name)}[{resource}]",
                                                    "PersistentVolumeClaim limits bound `storage` only")
        for resource, ratio in values.get("maxLimitRequestRatio", {}).items():
            if ratio < 1:
                raise InvalidArgument.field(f"{where}.max_limit_request_ratio[{resource}]",
                                            f"{item.bounds['maxLimitRequestRatio'][resource]!r} is below 1")
        order = ("min", "defaultRequest", "default", "max")
        for lo_i, lo in enumerate(order):
            for hi in order[lo_i + 1:]:
                for resource, low in values.get(lo, {}).items():
                    high = values.get(hi, {}).get(resource)
                    if high is not None and low > high:
                        raise InvalidArgument.field(
                            f"{where}.{_proto(lo)}[{resource}]",
                            f"{lo} {item.bounds[lo][resource]} is above {hi} {item.bounds[hi][resource]}",
                            "LIMITS_OUT_OF_ORDER")


def _proto(name: str) -> str:
    return {"default": "default_limit", "defaultRequest": "default_request",
            "maxLimitRequestRatio": "max_limit_request_ratio"}.get(name, name)


def limit_items(spec: dict[str, Any]) -> list[LimitItem]:
    """A LimitRange's spec.limits as domain values."""
    return [LimitItem(item.get("type", ""), {k: dict(item[k]) for k in LIMIT_FIELDS if item.get(k)})
            for item in spec.get("limits") or []]


# -- LimitRanger admission, replayed ------------------------------------------------------------

def _containers(template: dict[str, Any]) -> list[dict[str, Any]]:
    spec = template.get("spec") or {}
    return list(spec.get("containers") or []) + list(spec.get("initContainers") or [])


def _with_defaults(container: dict[str, Any], item: LimitItem) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """(requests, limits) of a container after the LimitRange's defaults, as admission sets them."""
    res = container.get("resources") or {}
    limits = {k: quantity.value_of(v) for k, v in (res.get("limits") or {}).items()}
    requests = {k: quantity.value_of(v) for k, v in (res.get("requests") or {}).items()}
    for k, v in (item.bounds.get("default") or {}).items():
        limits.setdefault(k, quantity.value_of(v))
    for k, v in (item.bounds.get("defaultRequest") or {}).items():
        requests.setdefault(k, quantity.value_of(v))
    for k, v in limits.items():  # a limit without a request makes the request equal to it
        requests.setdefault(k, v)
    return requests, limits


def _bounds(item: LimitItem, kind: str, requests: dict[str, Decimal],
            limits: dict[str, Decimal]) -> Iterable[tuple[str, str]]:
    """(resource, message) for each bound broken, worded as LimitRanger words it."""
    for resource, text in (item.bounds.get("min") or {}).items():
        low = quantity.value_of(text)
        if resource not in requests:
            yield resource, f"minimum {resource} usage per {kind} is {text}.  No request is specified"
        elif requests[resource] < low:
            yield resource, (f"minimum {resource} usage per {kind} is {text}, but request is "
                             f"{quantity.format_quantity(requests[resource], quantity.is_binary(text))}")
    for resource, text in (item.bounds.get("max") or {}).items():
        high = quantity.value_of(text)
        if resource not in limits:
            yield resource, f"maximum {resource} usage per {kind} is {text}.  No limit is specified"
        elif limits[resource] > high:
            yield resource, (f"maximum {resource} usage per {kind} is {text}, but limit is "
                             f"{quantity.format_quantity(limits[resource], quantity.is_binary(text))}")
    for resource, text in (item.bounds.get("maxLimitRequestRatio") or {}).items():
        req, lim = requests.get(resource), limits.get(resource)
        if req and lim is not None and lim / req > quantity.value_of(text):
            yield resource, (f"{resource} max limit to request ratio per {kind} is {text}, but provided ratio "
                             f"is {float(lim / req):.6f}")


def refusals(items: list[LimitItem], resource: str, template: dict[str, Any]) -> list[Refusal]:
    """What LimitRanger would refuse in a pod (or a workload's pod template) named `resource`."""
    out = []
    containers = _containers(template)
    for item in items:
        if item.type == "Container":
            for c in containers:
                requests, limits = _with_defaults(c, item)
                out += [Refusal(resource, c.get("name", ""), r, m) for r, m in _bounds(item, "Container", requests, limits)]
        elif item.type == "Pod":
            requests: dict[str, Decimal] = {}
            limits: dict[str, Decimal] = {}
            for c in containers:
                res = c.get("resources") or {}
                for k, v in (res.get("requests") or {}).items():
                    requests[k] = requests.get(k, Decimal(0)) + quantity.value_of(v)
                for k, v in (res.get("limits") or {}).items():
                    limits[k] = limits.get(k, Decimal(0)) + quantity.value_of(v)
            out += [Refusal(resource, "", r, m) for r, m in _bounds(item, "Pod", requests, limits)]
    return out
