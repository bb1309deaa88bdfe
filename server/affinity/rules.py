"""Placement rules as Kubernetes writes them (plain dicts): where they live in each workload kind,
the checks the API server would make (so bad input is refused before anything is applied, naming
the field), and apply configurations that replace exactly the rules being changed.

Field names in errors follow the request: proto names (`pod_affinity.affinity.required[0].
topology_key`) for typed rules, Kubernetes names for pod specs (`pod_spec.affinity...`).
"""

from __future__ import annotations

import copy
import re
from typing import Any, Callable, Mapping

from server.errors import InvalidArgument
from server.kube import normalize

# Kind -> path from the object to its pod template ([] for a Pod itself).
TEMPLATE_PATHS: dict[str, list[str]] = {
    "Pod": [],
    "Deployment": ["spec", "template"],
    "StatefulSet": ["spec", "template"],
    "DaemonSet": ["spec", "template"],
    "ReplicaSet": ["spec", "template"],
    "ReplicationController": ["spec", "template"],
    "Job": ["spec", "template"],
    "CronJob": ["spec", "jobTemplate", "spec", "template"],
}

NODE_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
LABEL_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
REQUIRED = "requiredDuringSchedulingIgnoredDuringExecution"
PREFERRED = "preferredDuringSchedulingIgnoredDuringExecution"

# A qualified label key: optional DNS-subdomain prefix and `/`, then a name of at most 63.
_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$")
_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

_PROTO_NAMES = {REQUIRED: "required", PREFERRED: "preferred", "podAntiAffinity": "anti_affinity",
                "podAffinity": "affinity"}


def label_key_problem(key: str) -> str:
    """Why `key` is not a valid label key ("" when it is)."""
    prefix, slash, name = key.rpartition("/")
    if not key or (slash and not prefix):
        return "must be a non-empty label key"
    if prefix and (len(prefix) > 253 or not _PREFIX.match(prefix)):
        return "prefix must be a DNS subdomain (lower case alphanumerics, '-' and '.')"
    if len(name) > 63 or not _NAME.match(name):
        return "name part must be at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric"
    return ""


def label_value_problem(value: str) -> str:
    if len(value) > 63 or not _VALUE.match(value):
        return "must be at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric"
    return ""


class Fields:
    """Names fields of one request the way the request spells them."""

    def __init__(self, prefix: str, proto: bool) -> None:
        self.prefix, self.proto = prefix, proto

    def name(self, *parts: str | int) -> str:
        out = self.prefix
        for p in parts:
            if isinstance(p, int):
                out += f"[{p}]"
            else:
                out += "." + (_snake(p) if self.proto else p) if out else (_snake(p) if self.proto else p)
        return out

    def fail(self, parts: tuple[str | int, ...], problem: str) -> None:
        field = self.name(*parts)
        raise InvalidArgument.field(field, f"{field}: {problem}")


def _snake(name: str) -> str:
    return _PROTO_NAMES.get(name) or re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _requirement(f: Fields, at: tuple, expr: Mapping[str, Any], operators: tuple[str, ...], field_key: bool) -> None:
    key, op, values = expr.get("key") or "", expr.get("operator") or "", expr.get("values") or []
    if field_key:
        if key != "metadata.name":
            f.fail(at + ("key",), f"{key!r} is not a node field a selector may use (only metadata.name)")
    elif problem := label_key_problem(key):
        f.fail(at + ("key",), f"{key!r} {problem}")
    if op not in operators:
        f.fail(at + ("operator",), f"{op or 'an empty operator'!r} is not one of {', '.join(operators)}")
    if op in ("In", "NotIn") and not values:
        f.fail(at + ("values",), f"operator {op} needs at least one value")
    if op in ("Exists", "DoesNotExist") and values:
        f.fail(at + ("values",), f"operator {op} takes no values")
    if op in ("Gt", "Lt"):
        if len(values) != 1 or not re.fullmatch(r"-?\d+", values[0]):
            f.fail(at + ("values",), f"operator {op} needs exactly one integer value")


def check_label_selector(f: Fields, at: tuple, selector: Mapping[str, Any] | None) -> None:
    for key, value in ((selector or {}).get("matchLabels") or {}).items():
        if problem := label_key_problem(key) or label_value_problem(value):
            f.fail(at + ("matchLabels", key), problem)
    for i, expr in enumerate((selector or {}).get("matchExpressions") or []):
        _requirement(f, at + ("matchExpressions", i), expr, LABEL_OPERATORS, False)


def _weight(f: Fields, at: tuple, weight: Any) -> None:
    if not isinstance(weight, int) or not 1 <= weight <= 100:
        f.fail(at + ("weight",), f"weight {weight!r} is outside 1..100")


def check_node_term(f: Fields, at: tuple, term: Mapping[str, Any]) -> None:
    for i, expr in enumerate(term.get("matchExpressions") or []):
        _requirement(f, at + ("matchExpressions", i), expr, NODE_OPERATORS, False)
    for i, expr in enumerate(term.get("matchFields") or []):
        _requirement(f, at + ("matchFields", i), expr, NODE_OPERATORS, True)


def check_node_affinity(f: Fields, rules: Mapping[str, Any]) -> None:
    """rules: {requiredDuring...: {nodeSelectorTerms}, preferredDuring...: [...], nodeSelector?}."""
    required = rules.get(REQUIRED)
    if required is not None:
        terms = required.get("nodeSelectorTerms") or []
        if not terms:
            f.fail((REQUIRED, "nodeSelectorTerms"), "a required node selector needs at least one term")
        for i, term in enumerate(terms):
            check_node_term(f, (REQUIRED, "nodeSelectorTerms", i), term)
    for i, preferred in enumerate(rules.get(PREFERRED) or []):
        _weight(f, (PREFERRED, i), preferred.get("weight"))
        check_node_term(f, (PREFERRED, i, "preference"), preferred.get("preference") or {})


def check_node_selector(f: Fields, at: tuple, selector: Mapping[str, str]) -> None:
    for key, value in selector.items():
        if problem := label_key_problem(key) or label_value_problem(value):
            f.fail(at + (key,), f"{key}={value}: {problem}")


def check_pod_affinity_term(f: Fields, at: tuple, term: Mapping[str, Any]) -> None:
    key = term.get("topologyKey") or ""
    if problem := label_key_problem(key):
        f.fail(at + ("topologyKey",), f"{key!r} {problem}")
    check_label_selector(f, at + ("labelSelector",), term.get("labelSelector"))
    check_label_selector(f, at + ("namespaceSelector",), term.get("namespaceSelector"))
    for name in ("matchLabelKeys", "mismatchLabelKeys"):
        for i, k in enumerate(term.get(name) or []):
            if problem := label_key_problem(k):
                f.fail(at + (name, i), f"{k!r} {problem}")


def check_pod_affinity(f: Fields, rules: Mapping[str, Any]) -> None:
    """rules: {podAffinity: {...}, podAntiAffinity: {...}}."""
    for kind in ("podAffinity", "podAntiAffinity"):
        direction = rules.get(kind) or {}
        for i, term in enumerate(direction.get(REQUIRED) or []):
            check_pod_affinity_term(f, (kind, REQUIRED, i), term)
        for i, weighted in enumerate(direction.get(PREFERRED) or []):
            _weight(f, (kind, PREFERRED, i), weighted.get("weight"))
            check_pod_affinity_term(f, (kind, PREFERRED, i, "podAffinityTerm"), weighted.get("podAffinityTerm") or {})


def check_tolerations(f: Fields, tolerations: list[Mapping[str, Any]]) -> None:
    for i, t in enumerate(tolerations):
        op = t.get("operator") or "Equal"
        if op not in ("Equal", "Exists"):
            f.fail((i, "operator"), f"{op!r} is not Equal or Exists")
        if op == "Equal" and not t.get("key"):
            f.fail((i, "key"), "operator Equal needs a key (only Exists may tolerate every key)")
        if op == "Exists" and t.get("value"):
            f.fail((i, "value"), "operator Exists takes no value")
        if t.get("key") and (problem := label_key_problem(t["key"])):
            f.fail((i, "key"), f"{t['key']!r} {problem}")
        if t.get("effect") and t["effect"] not in EFFECTS:
            f.fail((i, "effect"), f"{t['effect']!r} is not one of {', '.join(EFFECTS)}")
        if t.get("tolerationSeconds") is not None and t.get("effect") != "NoExecute":
            f.fail((i, "tolerationSeconds"), "tolerationSeconds applies to the NoExecute effect only")


def check_taint(f: Fields, at: tuple, taint: Mapping[str, Any], need_effect: bool = True) -> None:
    key = taint.get("key") or ""
    if problem := label_key_problem(key):
        f.fail(at + ("key",), f"{key!r} {problem}")
    if taint.get("value") and (problem := label_value_problem(taint["value"])):
        f.fail(at + ("value",), problem)
    effect = taint.get("effect") or ""
    if (need_effect or effect) and effect not in EFFECTS:
        f.fail(at + ("effect",), f"{effect or 'no effect'!r} is not one of {', '.join(EFFECTS)}")


def check_spread(f: Fields, constraints: list[Mapping[str, Any]]) -> None:
    for i, c in enumerate(constraints):
        key = c.get("topologyKey") or ""
        if problem := label_key_problem(key):
            f.fail((i, "topologyKey"), f"{key!r} {problem}")
        if not isinstance(c.get("maxSkew", 1), int) or c.get("maxSkew", 1) < 1:
            f.fail((i, "maxSkew"), "maxSkew must be a positive integer")
        if c.get("whenUnsatisfiable", "DoNotSchedule") not in ("DoNotSchedule", "ScheduleAnyway"):
            f.fail((i, "whenUnsatisfiable"), "must be DoNotSchedule or ScheduleAnyway")
        check_label_selector(f, (i, "labelSelector"), c.get("labelSelector"))


def check_pod_spec(spec: Mapping[str, Any], field: str) -> None:
    """Every placement rule of a pod spec given as a structure or YAML."""
    affinity = spec.get("affinity") or {}
    check_node_affinity(Fields(f"{field}.affinity.nodeAffinity", False), affinity.get("nodeAffinity") or {})
    check_pod_affinity(Fields(f"{field}.affinity", False), affinity)
    check_node_selector(Fields(f"{field}.nodeSelector", False), (), spec.get("nodeSelector") or {})
    check_tolerations(Fields(f"{field}.tolerations", False), spec.get("tolerations") or [])
    check_spread(Fields(f"{field}.topologySpreadConstraints", False), spec.get("topologySpreadConstraints") or [])


# -- workloads -------------------------------------------------------------------------------

def template_path(kind: str, field: str) -> list[str]:
    if kind not in TEMPLATE_PATHS:
        raise InvalidArgument.field(field, f"a {kind} has no pod template (workloads: {', '.join(TEMPLATE_PATHS)})",
                                    "NOT_A_WORKLOAD")
    return TEMPLATE_PATHS[kind]


def pod_template(obj: Mapping[str, Any], field: str) -> dict[str, Any]:
    """The pod (template) of a workload, with the workload's namespace: what the scheduler sees."""
    cur: Any = obj
    for step in template_path(obj.get("kind", ""), field):
        cur = (cur or {}).get(step) or {}
    meta = dict(cur.get("metadata") or {})
    meta.setdefault("namespace", (obj.get("metadata") or {}).get("namespace", ""))
    if obj.get("kind") == "Pod":
        return dict(obj)
    meta.setdefault("name", (obj.get("metadata") or {}).get("name", ""))
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": cur.get("spec") or {}}


def replacing(current: Any, new: Any) -> Any:
    """`new` as an apply configuration that also removes what `current` has and `new` lacks
    (explicit nulls: applying a map merges it key by key)."""
    if isinstance(current, dict) and isinstance(new, dict):
        out = {k: replacing(current.get(k), v) for k, v in new.items()}
        out.update({k: None for k in current if k not in new})
        return out
    return new


def merged(base: Any, config: Any) -> Any:
    """What applying `config` (nulls remove) over `base` gives, for dry runs shown as results."""
    if isinstance(base, dict) and isinstance(config, dict):
        out = dict(base)
        for k, v in config.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = merged(base.get(k), v)
        return out
    return config


def apply_config(obj: Mapping[str, Any], edit: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """The whole object as people would apply it (normalized), its pod spec changed by what
    `edit` returns for it (nulls remove). Whole, because the versioned write path applies with
    one field manager: a partial configuration would drop the fields it applied before."""
    out = normalize(dict(obj))
    cur: Any = out
    for step in template_path(out.get("kind", ""), "name"):
        cur = cur.setdefault(step, {})
    spec = cur.setdefault("spec", {})
    spec.update(edit(copy.deepcopy(spec)))
    return out


# -- edits: the placement fields one Set* applies -------------------------------------------------

NODE_AFFINITY_FIELDS = {"required": REQUIRED, "preferred": PREFERRED, "node_selector": "nodeSelector"}
POD_AFFINITY_FIELDS = {"affinity": "podAffinity", "anti_affinity": "podAntiAffinity"}


def _mask(mask: list[str], known: dict[str, str]) -> list[str]:
    for i, path in enumerate(mask):
        if path not in known:
            raise InvalidArgument.field(f"update_mask.paths[{i}]", f"{path!r} is not one of {', '.join(known)}")
    return [known[p] for p in (mask or list(known))]


def _clean(value: Any) -> Any:
    """Empty values are absent: Kubernetes omits them, and applying them would only add noise."""
    return value if value else None


def node_affinity_edit(new: Mapping[str, Any], mask: list[str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """new: {requiredDuring...: NodeSelector | None, preferredDuring...: [...], nodeSelector: {...}}."""
    check_node_affinity(Fields("node_affinity", True), new)
    check_node_selector(Fields("node_affinity.node_selector", True), (), new.get("nodeSelector") or {})
    fields = _mask(mask, NODE_AFFINITY_FIELDS)

    def edit(spec: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        current = (spec.get("affinity") or {}).get("nodeAffinity") or {}
        wanted = {k: v for k, v in current.items() if k not in fields}
        wanted.update({k: _clean(new.get(k)) for k in fields if k != "nodeSelector" and _clean(new.get(k))})
        if REQUIRED in fields or PREFERRED in fields:
            out["affinity"] = {**(spec.get("affinity") or {}),
                               "nodeAffinity": replacing(current, wanted) if wanted else None}
        if "nodeSelector" in fields:
            out["nodeSelector"] = replacing(spec.get("nodeSelector") or {}, new.get("nodeSelector") or {}) \
                if new.get("nodeSelector") else None
        return out
    return edit


def pod_affinity_edit(new: Mapping[str, Any], mask: list[str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """new: {podAffinity: {required..., preferred...}, podAntiAffinity: {...}}."""
    check_pod_affinity(Fields("pod_affinity", True), new)
    fields = _mask(mask, POD_AFFINITY_FIELDS)

    def edit(spec: dict[str, Any]) -> dict[str, Any]:
        affinity = spec.get("affinity") or {}
        return {"affinity": {**affinity, **{
            k: replacing(affinity.get(k) or {}, {n: v for n, v in (new.get(k) or {}).items() if v})
            if any((new.get(k) or {}).values()) else None for k in fields}}}
    return edit


def tolerations_edit(new: list[dict[str, Any]]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    check_tolerations(Fields("tolerations.tolerations", True), new)
    return lambda spec: {"tolerations": _clean(list(new))}
