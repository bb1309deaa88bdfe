"""kube-scheduler's decisions as pure functions over plain objects (pods and nodes as dicts).

Filters run in the default profile's order and the first failure names a node's reason, in the
scheduler's words, so an unplaceable pod reads like a real one:
`0/4 nodes are available: 1 node(s) had untolerated taint {gpu: true}, 3 node(s) didn't match
Pod's node affinity/selector.` Scoring prefers, in turn: preferred node and pod affinity weights,
fewer untolerated PreferNoSchedule taints, ScheduleAnyway spread, fewer pods, then the name.

No cluster state lives here, so a service that explains placement can be checked against the
same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kubernetes.utils import parse_quantity

from kubesim.selectors import label_selector_from_dict, labels_match

UNSCHEDULABLE = "node(s) were unschedulable"
NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
POD_AFFINITY = "node(s) didn't match pod affinity rules"
POD_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
SPREAD = "node(s) didn't match pod topology spread constraints"
SPREAD_MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)"


@dataclass(frozen=True)
class Placement:
    """The node chosen, or None with the FailedScheduling message."""

    node: str | None
    message: str = ""


def _labels(obj: dict) -> dict[str, str]:
    return obj.get("metadata", {}).get("labels") or {}


def _spec(obj: dict) -> dict:
    return obj.get("spec") or {}


# -- taints ---------------------------------------------------------------------------------------

def tolerates(taint: dict, tolerations: list[dict]) -> dict | None:
    """The toleration that tolerates the taint, if any (v1 toleration matching rules)."""
    for t in tolerations:
        if t.get("effect") and t["effect"] != taint.get("effect"):
            continue
        if t.get("operator") == "Exists":
            if not t.get("key") or t["key"] == taint["key"]:
                return t
        elif t.get("key") == taint["key"] and t.get("value", "") == taint.get("value", ""):
            return t
    return None


def untolerated_taint(pod: dict, node: dict, effects: tuple[str, ...] = ("NoSchedule", "NoExecute")) -> dict | None:
    tolerations = _spec(pod).get("tolerations") or []
    for taint in _spec(node).get("taints") or []:
        if taint.get("effect") in effects and tolerates(taint, tolerations) is None:
            return taint
    return None


def noexecute_grace(pod: dict, node: dict) -> float | None:
    """Seconds a running pod may stay on the node under its NoExecute taints: 0 evicts now, None
    means it may stay (every such taint tolerated without tolerationSeconds)."""
    tolerations = _spec(pod).get("tolerations") or []
    grace: float | None = None
    for taint in _spec(node).get("taints") or []:
        if taint.get("effect") != "NoExecute":
            continue
        t = tolerates(taint, tolerations)
        if t is None:
            return 0
        if t.get("tolerationSeconds") is not None:
            seconds = max(0.0, float(t["tolerationSeconds"]))
            grace = seconds if grace is None else min(grace, seconds)
    return grace


# -- node affinity -----------------------------------------------------------------------------------

def _match_expr(expr: dict, labels: dict[str, str]) -> bool:
    key, op, values = expr["key"], expr["operator"], expr.get("values") or []
    value = labels.get(key)
    match op:
        case "In":
            return value in values
        case "NotIn":
            return value not in values
        case "Exists":
            return key in labels
        case "DoesNotExist":
            return key not in labels
        case "Gt" | "Lt":
            try:
                a, b = int(value or ""), int(values[0])
            except (ValueError, IndexError):
                return False
            return a > b if op == "Gt" else a < b
    return False


def _term_matches(term: dict, node: dict) -> bool:
    fields = {"metadata.name": node["metadata"]["name"]}
    return all(_match_expr(e, _labels(node)) for e in term.get("matchExpressions") or []) and \
        all(_match_expr(e, fields) for e in term.get("matchFields") or [])


def _node_affinity(pod: dict) -> dict:
    return (_spec(pod).get("affinity") or {}).get("nodeAffinity") or {}


def matches_node_selector(pod: dict, node: dict) -> bool:
    """nodeSelector and required node affinity (terms ORed, expressions ANDed)."""
    labels = _labels(node)
    if not all(labels.get(k) == v for k, v in (_spec(pod).get("nodeSelector") or {}).items()):
        return False
    required = _node_affinity(pod).get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    terms = required.get("nodeSelectorTerms") or []
    return not terms or any(_term_matches(t, node) for t in terms)


def preferred_node_score(pod: dict, node: dict) -> int:
    return sum(p.get("weight", 0) for p in _node_affinity(pod).get("preferredDuringSchedulingIgnoredDuringExecution")
               or [] if _term_matches(p.get("preference") or {}, node))


# -- resources ----------------------------------------------------------------------------------------

def pod_requests(pod: dict) -> dict[str, Decimal]:
    """Summed container requests (a request defaults to its limit)."""
    out: dict[str, Decimal] = {}
    for c in _spec(pod).get("containers") or []:
        res = c.get("resources") or {}
        for r, v in {**(res.get("limits") or {}), **(res.get("requests") or {})}.items():
            out[r] = out.get(r, Decimal(0)) + parse_quantity(v)
    return out


def insufficient(pod: dict, node: dict, node_pods: list[dict]) -> list[str]:
    """NodeResourcesFit: `Insufficient cpu`, `Too many pods`, ... against allocatable."""
    alloc = (node.get("status") or {}).get("allocatable") or {}
    out = []
    if "pods" in alloc and len(node_pods) + 1 > int(parse_quantity(alloc["pods"])):
        out.append("Too many pods")
    used: dict[str, Decimal] = {}
    for p in node_pods:
        for r, v in pod_requests(p).items():
            used[r] = used.get(r, Decimal(0)) + v
    for r, v in sorted(pod_requests(pod).items()):
        if v and used.get(r, Decimal(0)) + v > parse_quantity(alloc.get(r, "0")):
            out.append(f"Insufficient {r}")
    return out


# -- pod affinity ----------------------------------------------------------------------------------------

def _term_selects(term: dict, owner: dict, other: dict) -> bool:
    """Does a pod (anti-)affinity term of `owner` select `other`?"""
    namespaces = term.get("namespaces") or []
    ns = other["metadata"].get("namespace")
    if term.get("namespaceSelector") is None and ns not in (namespaces or [owner["metadata"].get("namespace")]):
        return False
    return labels_match(label_selector_from_dict(term.get("labelSelector") or {}), _labels(other))


def _same_domain(key: str, a: dict | None, b: dict | None) -> bool:
    return a is not None and b is not None and key in _labels(a) and _labels(a).get(key) == _labels(b).get(key)


def _affinity_terms(pod: dict, kind: str, required: bool) -> list[dict]:
    aff = (_spec(pod).get("affinity") or {}).get(kind) or {}
    if required:
        return aff.get("requiredDuringSchedulingIgnoredDuringExecution") or []
    return aff.get("preferredDuringSchedulingIgnoredDuringExecution") or []


def pod_affinity_failure(pod: dict, node: dict, assigned: list[tuple[dict, dict]]) -> str:
    """InterPodAffinity for one node; `assigned` pairs each placed pod with its node."""
    for other, other_node in assigned:
        for term in _affinity_terms(other, "podAntiAffinity", True):
            if _term_selects(term, other, pod) and _same_domain(term["topologyKey"], node, other_node):
                return EXISTING_ANTI_AFFINITY
    for term in _affinity_terms(pod, "podAffinity", True):
        matching = [(o, n) for o, n in assigned if _term_selects(term, pod, o)]
        if not matching and _term_selects(term, pod, pod):
            continue  # the first pod of a group may go anywhere
        if not any(_same_domain(term["topologyKey"], node, n) for _, n in matching):
            return POD_AFFINITY
    for term in _affinity_terms(pod, "podAntiAffinity", True):
        if any(_term_selects(term, pod, o) and _same_domain(term["topologyKey"], node, n) for o, n in assigned):
            return POD_ANTI_AFFINITY
    return ""


def preferred_pod_score(pod: dict, node: dict, assigned: list[tuple[dict, dict]]) -> int:
    score = 0
    for kind, sign in (("podAffinity", 1), ("podAntiAffinity", -1)):
        for weighted in _affinity_terms(pod, kind, False):
            term = weighted.get("podAffinityTerm") or {}
            if any(_term_selects(term, pod, o) and _same_domain(term.get("topologyKey", ""), node, n)
                   for o, n in assigned):
                score += sign * weighted.get("weight", 0)
    return score


# -- topology spread ----------------------------------------------------------------------------------------

def _spread_counts(pod: dict, constraint: dict, nodes: list[dict], assigned: list[tuple[dict, dict]]) -> dict[str, int]:
    key = constraint["topologyKey"]
    selector = label_selector_from_dict(constraint.get("labelSelector") or {})
    counts = {_labels(n)[key]: 0 for n in nodes if key in _labels(n) and matches_node_selector(pod, n)}
    for other, n in assigned:
        domain = _labels(n).get(key)
        if domain in counts and other["metadata"].get("namespace") == pod["metadata"].get("namespace") \
                and labels_match(selector, _labels(other)):
            counts[domain] += 1
    return counts


def spread_failure(pod: dict, node: dict, nodes: list[dict], assigned: list[tuple[dict, dict]]) -> str:
    for c in _spec(pod).get("topologySpreadConstraints") or []:
        if c.get("whenUnsatisfiable", "DoNotSchedule") != "DoNotSchedule":
            continue
        if c["topologyKey"] not in _labels(node):
            return SPREAD_MISSING_LABEL
        counts = _spread_counts(pod, c, nodes, assigned)
        selector = label_selector_from_dict(c.get("labelSelector") or {})
        own = 1 if labels_match(selector, _labels(pod)) else 0
        if counts and counts.get(_labels(node)[c["topologyKey"]], 0) + own - min(counts.values()) > c.get("maxSkew", 1):
            return SPREAD
    return ""


def spread_penalty(pod: dict, node: dict, nodes: list[dict], assigned: list[tuple[dict, dict]]) -> int:
    penalty = 0
    for c in _spec(pod).get("topologySpreadConstraints") or []:
        if c.get("whenUnsatisfiable") == "ScheduleAnyway":
            penalty += _spread_counts(pod, c, nodes, assigned).get(_labels(node).get(c["topologyKey"], ""), 0)
    return penalty


# -- the decision ----------------------------------------------------------------------------------------

def filter_node(pod: dict, node: dict, nodes: list[dict], assigned: list[tuple[dict, dict]]) -> list[str]:
    """Why the pod cannot go to this node (empty when it can), first failing filter first."""
    if _spec(node).get("unschedulable") and not any(
            t.get("key") == "node.kubernetes.io/unschedulable" and t.get("operator") == "Exists"
            for t in _spec(pod).get("tolerations") or []):
        return [UNSCHEDULABLE]
    taint = untolerated_taint(pod, node)
    if taint is not None:
        value = f": {taint['value']}" if taint.get("value") else ": "
        return [f"node(s) had untolerated taint {{{taint['key']}{value}}}"]
    if not matches_node_selector(pod, node):
        return [NODE_AFFINITY]
    name = node["metadata"]["name"]
    short = insufficient(pod, node, [p for p, n in assigned if n["metadata"]["name"] == name])
    if short:
        return short
    for why in (spread_failure(pod, node, nodes, assigned), pod_affinity_failure(pod, node, assigned)):
        if why:
            return [why]
    return []


def schedule(pod: dict, nodes: list[dict], assigned: list[tuple[dict, dict]]) -> Placement:
    """Pick a node for a pending pod, or explain why none fits in the scheduler's words."""
    reasons: dict[str, int] = {}
    feasible = []
    for node in nodes:
        why = filter_node(pod, node, nodes, assigned)
        for r in why:
            reasons[r] = reasons.get(r, 0) + 1
        if not why:
            feasible.append(node)
    if not feasible:
        if not nodes:
            return Placement(None, "no nodes available to schedule pods")
        detail = ", ".join(sorted(f"{n} {r}" for r, n in reasons.items()))  # as FitError sorts them
        return Placement(None, f"0/{len(nodes)} nodes are available: {detail}.")
    load = {n["metadata"]["name"]: 0 for n in nodes}
    for _, n in assigned:
        load[n["metadata"]["name"]] = load.get(n["metadata"]["name"], 0) + 1

    def rank(node: dict) -> tuple:
        prefer_no_schedule = sum(1 for t in _spec(node).get("taints") or []
                                 if t.get("effect") == "PreferNoSchedule"
                                 and tolerates(t, _spec(pod).get("tolerations") or []) is None)
        return (-(preferred_node_score(pod, node) + preferred_pod_score(pod, node, assigned)), prefer_no_schedule,
                spread_penalty(pod, node, nodes, assigned), load[node["metadata"]["name"]], node["metadata"]["name"])

    return Placement(min(feasible, key=rank)["metadata"]["name"])
