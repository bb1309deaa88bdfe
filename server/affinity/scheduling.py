"""Where a pod could be scheduled, and why not elsewhere: kube-scheduler's filters and the
scores of its preferred rules, as pure functions over Kubernetes objects (plain dicts).

Every failing filter of every node is reported (the scheduler stops at the first, so the summary
counts only that one, as `FailedScheduling` does). The cluster's pods are indexed once per check
by topology domain, so a check costs O(nodes + pods x terms) instead of O(nodes x pods):
- an incoming required (anti-)affinity term becomes the set of domain values that hold a pod it
  selects;
- existing pods' required anti-affinity terms that select the incoming pod become forbidden
  domain values;
- a spread constraint becomes a count of matching pods per domain.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from functools import lru_cache
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Mapping

from server.kube.quantity import value_of

Obj = Mapping[str, Any]

UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
NODE_AFFINITY_MESSAGE = "node(s) didn't match Pod's node affinity/selector"


class Filter(enum.Enum):
    """kube-scheduler's filter plugins, in the default profile's order."""

    NODE_UNSCHEDULABLE = "NodeUnschedulable"
    TAINT_TOLERATION = "TaintToleration"
    NODE_AFFINITY = "NodeAffinity"
    NODE_RESOURCES_FIT = "NodeResourcesFit"
    POD_TOPOLOGY_SPREAD = "PodTopologySpread"
    INTER_POD_AFFINITY = "InterPodAffinity"


class FailureType(enum.Enum):
    NODE_SELECTOR_MISMATCH = "node_selector"
    NODE_AFFINITY_MISMATCH = "node_affinity"
    UNTOLERATED_TAINT = "taint"
    POD_AFFINITY = "pod_affinity"
    POD_ANTI_AFFINITY = "pod_anti_affinity"
    INSUFFICIENT_RESOURCES = "resources"
    NODE_UNSCHEDULABLE = "unschedulable"
    TOPOLOGY_SPREAD = "topology_spread"


@dataclass(frozen=True)
class Failure:
    filter: Filter
    type: FailureType
    # The scheduler's words, as counted in FailedScheduling (`node(s) had untolerated taint {gpu: true}`).
    message: str
    # What failed: the taint, the resource, the label or the term.
    detail: str


@dataclass(frozen=True)
class NodeVerdict:
    node: str
    failures: tuple[Failure, ...]
    # Sum of the weights of the preferred node and pod (anti-)affinity terms the node satisfies
    # (anti-affinity subtracts).
    score: int = 0

    @property
    def schedulable(self) -> bool:
        return not self.failures

    def reported(self) -> list[str]:
        """What the scheduler counts for this node: the first failing filter's reasons (one taint)."""
        if not self.failures:
            return []
        first = [f for f in self.failures if f.filter is self.failures[0].filter]
        return [first[0].message] if first[0].filter is Filter.TAINT_TOLERATION else [f.message for f in first]


@dataclass(frozen=True)
class Verdict:
    nodes: list[NodeVerdict]
    # Requests of one pod (resource -> quantity), as used by the capacity check.
    requests: dict[str, Decimal]
    # The node the scheduler would pick, or "" when none fits.
    chosen: str
    # "" when a node fits, else the FailedScheduling message.
    summary: str

    @property
    def schedulable_count(self) -> int:
        return sum(1 for n in self.nodes if n.schedulable)


# -- objects ----------------------------------------------------------------------------------

def labels_of(obj: Obj) -> dict[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}


def name_of(obj: Obj) -> str:
    return (obj.get("metadata") or {}).get("name") or ""


def namespace_of(obj: Obj) -> str:
    return (obj.get("metadata") or {}).get("namespace") or ""


def spec_of(obj: Obj) -> dict[str, Any]:
    return obj.get("spec") or {}


def is_active(pod: Obj) -> bool:
    """A pod that holds its node's resources: bound and not finished."""
    return bool(spec_of(pod).get("nodeName")) and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


# -- selectors --------------------------------------------------------------------------------

def _requirement(key: str, operator: str, values: list[str], labels: Mapping[str, str]) -> bool:
    value = labels.get(key)
    match operator:
        case "In":
            return value is not None and value in values
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
            return a > b if operator == "Gt" else a < b
    return False


def label_selector_matches(selector: Obj | None, labels: Mapping[str, str]) -> bool:
    """metav1.LabelSelector: None selects nothing, {} everything."""
    if selector is None:
        return False
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items()) and all(
        _requirement(e["key"], e["operator"], e.get("values") or [], labels)
        for e in selector.get("matchExpressions") or [])


def node_term_matches(term: Obj, node: Obj) -> bool:
    """A NodeSelectorTerm: expressions on labels and fields ANDed; an empty term matches nothing."""
    expressions, fields = term.get("matchExpressions") or [], term.get("matchFields") or []
    if not expressions and not fields:
        return False
    node_fields = {"metadata.name": name_of(node)}
    labels = labels_of(node)
    return all(_requirement(e["key"], e["operator"], e.get("values") or [], labels) for e in expressions) and \
        all(_requirement(e["key"], e["operator"], e.get("values") or [], node_fields) for e in fields)


# -- tolerations ------------------------------------------------------------------------------

def toleration_for(taint: Obj, tolerations: Iterable[Obj]) -> Obj | None:
    """The toleration that tolerates `taint` (v1 matching: empty effect = all effects; Exists
    with an empty key tolerates everything)."""
    for t in tolerations:
        if t.get("effect") and t["effect"] != taint.get("effect"):
            continue
        if t.get("operator") == "Exists":
            if not t.get("key") or t["key"] == taint.get("key"):
                return t
        elif t.get("key") == taint.get("key") and (t.get("value") or "") == (taint.get("value") or ""):
            return t
    return None


def untolerated_taints(pod: Obj, node: Obj, effects: tuple[str, ...] = ("NoSchedule", "NoExecute")) -> list[dict]:
    tolerations = spec_of(pod).get("tolerations") or []
    return [t for t in spec_of(node).get("taints") or []
            if t.get("effect") in effects and toleration_for(t, tolerations) is None]


def evicted_by(pod: Obj, taints: Iterable[Obj]) -> bool:
    """Would NoExecute `taints` evict this running pod (some untolerated, or tolerated only for a while)?"""
    tolerations = spec_of(pod).get("tolerations") or []
    for taint in taints:
        if taint.get("effect") != "NoExecute":
            continue
        toleration = toleration_for(taint, tolerations)
        if toleration is None or toleration.get("tolerationSeconds") is not None:
            return True
    return False


def taint_text(taint: Obj) -> str:
    """`key=value:Effect`, as kubectl writes taints."""
    value = f"={taint['value']}" if taint.get("value") else ""
    return f"{taint.get('key', '')}{value}:{taint.get('effect', '')}"


# -- resources --------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _container_requests(limits: tuple[tuple[str, str], ...], requests: tuple[tuple[str, str], ...]
                        ) -> dict[str, Decimal]:
    """One container's requests (a request defaults to its limit); containers repeat a lot."""
    return {r: value_of(v) for r, v in {**dict(limits), **dict(requests)}.items()}


def _of(container: Obj) -> dict[str, Decimal]:
    res = container.get("resources") or {}
    return _container_requests(tuple((res.get("limits") or {}).items()), tuple((res.get("requests") or {}).items()))


def pod_requests(pod: Obj) -> dict[str, Decimal]:
    """One pod's requests: the containers' sum or the largest init container, whichever is more
    per resource, plus the pod overhead."""
    spec = spec_of(pod)
    containers = spec.get("containers") or []
    if len(containers) == 1 and not spec.get("initContainers") and not spec.get("overhead"):
        return dict(_of(containers[0]))  # a copy: the cached one is shared
    total: dict[str, Decimal] = defaultdict(Decimal)
    for c in containers:
        for r, v in _of(c).items():
            total[r] += v
    for c in spec.get("initContainers") or []:
        for r, v in _of(c).items():
            total[r] = max(total[r], v)
    for r, v in (spec.get("overhead") or {}).items():
        total[r] += value_of(v)
    return dict(total)


# -- the cluster, indexed -----------------------------------------------------------------------

@dataclass
class Cluster:
    """Nodes, pods and namespaces of one cluster, indexed once for any number of checks."""

    nodes: list[dict]
    pods: list[dict]
    # Namespace name -> its labels (for namespaceSelector).
    namespaces: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_name = {name_of(n): n for n in self.nodes}
        self.placed: list[tuple[dict, dict]] = [(p, self.by_name[spec_of(p)["nodeName"]]) for p in self.pods
                                                if is_active(p) and spec_of(p)["nodeName"] in self.by_name]
        self.pod_count: dict[str, int] = defaultdict(int)
        self.used: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        # Existing pods' required anti-affinity: (term, owner, owner's node).
        self.anti_terms: list[tuple[dict, dict, dict]] = []
        # (label key, value) -> placed pods carrying it: a term's candidates without a full scan.
        self.by_label: dict[tuple[str, str], list[tuple[dict, dict]]] = defaultdict(list)
        for pod, node in self.placed:
            name = name_of(node)
            for item in labels_of(pod).items():
                self.by_label[item].append((pod, node))
            self.pod_count[name] += 1
            for r, v in pod_requests(pod).items():
                self.used[name][r] += v
            for term in _terms(pod, "podAntiAffinity", required=True):
                self.anti_terms.append((term, pod, node))

    def without(self, pod: Obj) -> "Cluster":
        """The cluster as it would be without this pod (checking a pod that already runs)."""
        uid = (pod.get("metadata") or {}).get("uid")
        key = (namespace_of(pod), name_of(pod))
        return Cluster(self.nodes, [p for p in self.pods if not (
            (uid and (p.get("metadata") or {}).get("uid") == uid) or (namespace_of(p), name_of(p)) == key)],
            self.namespaces)


def _terms(pod: Obj, kind: str, required: bool) -> list[dict]:
    rules = (spec_of(pod).get("affinity") or {}).get(kind) or {}
    return rules.get("requiredDuringSchedulingIgnoredDuringExecution" if required
                     else "preferredDuringSchedulingIgnoredDuringExecution") or []


def _term_namespaces_match(term: Obj, owner: Obj, other: Obj, cluster: Cluster) -> bool:
    ns = namespace_of(other)
    names = term.get("namespaces") or []
    selector = term.get("namespaceSelector")
    if selector is None and not names:
        return ns == namespace_of(owner)
    return ns in names or (selector is not None and label_selector_matches(selector, cluster.namespaces.get(ns, {})))


def term_selects(term: Obj, owner: Obj, other: Obj, cluster: Cluster) -> bool:
    """Does a pod (anti-)affinity term of `owner` select the pod `other`? matchLabelKeys and
    mismatchLabelKeys take their values from the owner's labels."""
    if not _term_namespaces_match(term, owner, other, cluster):
        return False
    labels, own = labels_of(other), labels_of(owner)
    if any(k in own and labels.get(k) != own[k] for k in term.get("matchLabelKeys") or []):
        return False
    if any(k in own and labels.get(k) == own[k] for k in term.get("mismatchLabelKeys") or []):
        return False
    return label_selector_matches(term.get("labelSelector"), labels)


def _candidates(term: Obj, cluster: Cluster) -> list[tuple[dict, dict]]:
    """Placed pods a term may select: those carrying the rarest of its matchLabels, or of the
    values of an `In` expression; every pod when the selector names no label value."""
    selector = term.get("labelSelector") or {}
    options = [cluster.by_label.get(item, []) for item in (selector.get("matchLabels") or {}).items()]
    for expr in selector.get("matchExpressions") or []:
        if expr.get("operator") == "In":
            options.append([pair for v in expr.get("values") or [] for pair in cluster.by_label.get((expr["key"], v), [])])
    return min(options, key=len) if options else cluster.placed


def _domains(term: Obj, owner: Obj, cluster: Cluster) -> set[str] | None:
    """Values of the term's topology key on nodes running a pod the term selects (None: no pod)."""
    key = term.get("topologyKey", "")
    found = [labels_of(node).get(key) for pod, node in _candidates(term, cluster)
             if term_selects(term, owner, pod, cluster)]
    return None if not found else {v for v in found if v is not None}


@dataclass
class _Plan:
    """What one pod needs of the cluster, worked out once and then checked per node."""

    requests: dict[str, Decimal]
    affinity: list[tuple[str, set[str] | None, bool]]  # (topology key, domains, selects itself)
    anti: list[tuple[str, set[str]]]
    existing_anti: dict[str, set[str]]  # topology key -> forbidden values
    spread: list[tuple[dict, dict[str, int], int]]  # (constraint, counts per domain, own match)
    preferred: list[tuple[str, set[str], int]]  # (topology key, domains, signed weight)


def _spread_counts(pod: Obj, constraint: Obj, cluster: Cluster) -> dict[str, int]:
    """Matching pods of the pod's namespace per domain, over nodes that pass its node selector."""
    key = constraint.get("topologyKey", "")
    counts = {labels_of(n)[key]: 0 for n in cluster.nodes if key in labels_of(n) and node_selector_failures(pod, n) == []}
    selector = constraint.get("labelSelector")
    for other, node in cluster.placed:
        domain = labels_of(node).get(key)
        if domain in counts and namespace_of(other) == namespace_of(pod) and label_selector_matches(selector, labels_of(other)):
            counts[domain] += 1
    return counts


def _plan(pod: Obj, cluster: Cluster) -> _Plan:
    affinity = [(t.get("topologyKey", ""), _domains(t, pod, cluster), term_selects(t, pod, pod, cluster))
                for t in _terms(pod, "podAffinity", required=True)]
    anti = [(t.get("topologyKey", ""), _domains(t, pod, cluster) or set()) for t in _terms(pod, "podAntiAffinity", True)]
    existing: dict[str, set[str]] = defaultdict(set)
    for term, owner, node in cluster.anti_terms:
        key = term.get("topologyKey", "")
        if key in labels_of(node) and term_selects(term, owner, pod, cluster):
            existing[key].add(labels_of(node)[key])
    spread = []
    for c in spec_of(pod).get("topologySpreadConstraints") or []:
        own = 1 if label_selector_matches(c.get("labelSelector"), labels_of(pod)) else 0
        spread.append((c, _spread_counts(pod, c, cluster), own))
    preferred = []
    for kind, sign in (("podAffinity", 1), ("podAntiAffinity", -1)):
        for weighted in _terms(pod, kind, required=False):
            term = weighted.get("podAffinityTerm") or {}
            preferred.append((term.get("topologyKey", ""), _domains(term, pod, cluster) or set(),
                              sign * int(weighted.get("weight", 0))))
    return _Plan(pod_requests(pod), affinity, anti, existing, spread, preferred)


# -- filters ------------------------------------------------------------------------------------

def _unschedulable(pod: Obj, node: Obj) -> list[Failure]:
    if not spec_of(node).get("unschedulable"):
        return []
    tolerated = toleration_for({"key": UNSCHEDULABLE_TAINT, "effect": "NoSchedule"}, spec_of(pod).get("tolerations") or [])
    if tolerated is not None:
        return []
    return [Failure(Filter.NODE_UNSCHEDULABLE, FailureType.NODE_UNSCHEDULABLE, "node(s) were unschedulable",
                    "spec.unschedulable (cordoned)")]


def _taints(pod: Obj, node: Obj) -> list[Failure]:
    out = []
    for taint in untolerated_taints(pod, node):
        shown = f"{taint['key']}: {taint.get('value') or ''}"
        out.append(Failure(Filter.TAINT_TOLERATION, FailureType.UNTOLERATED_TAINT,
                           f"node(s) had untolerated taint {{{shown}}}", taint_text(taint)))
    return out


def node_selector_failures(pod: Obj, node: Obj) -> list[Failure]:
    """nodeSelector labels the node lacks, and required node affinity (terms ORed) it fails."""
    labels = labels_of(node)
    out = [Failure(Filter.NODE_AFFINITY, FailureType.NODE_SELECTOR_MISMATCH, NODE_AFFINITY_MESSAGE, f"{k}={v}")
           for k, v in (spec_of(pod).get("nodeSelector") or {}).items() if labels.get(k) != v]
    required = ((spec_of(pod).get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution") or {}
    terms = required.get("nodeSelectorTerms") or []
    if terms and not any(node_term_matches(t, node) for t in terms):
        out.append(Failure(Filter.NODE_AFFINITY, FailureType.NODE_AFFINITY_MISMATCH, NODE_AFFINITY_MESSAGE,
                           " OR ".join(_term_text(t) for t in terms)))
    return out


def _term_text(term: Obj) -> str:
    parts = [f"{e['key']} {e['operator']} {','.join(e.get('values') or [])}".rstrip()
             for e in (term.get("matchExpressions") or []) + (term.get("matchFields") or [])]
    return "(" + " AND ".join(parts) + ")"


def _resources(plan: _Plan, node: Obj, cluster: Cluster) -> list[Failure]:
    name = name_of(node)
    allocatable = (node.get("status") or {}).get("allocatable") or {}
    out = []
    if "pods" in allocatable and cluster.pod_count[name] + 1 > int(value_of(allocatable["pods"])):
        out.append(Failure(Filter.NODE_RESOURCES_FIT, FailureType.INSUFFICIENT_RESOURCES, "Too many pods", "pods"))
    used = cluster.used[name]
    for r, v in sorted(plan.requests.items()):
        if v and used.get(r, Decimal(0)) + v > value_of(allocatable.get(r, "0")):
            out.append(Failure(Filter.NODE_RESOURCES_FIT, FailureType.INSUFFICIENT_RESOURCES, f"Insufficient {r}", r))
    return out


def _spread(pod: Obj, plan: _Plan, node: Obj) -> list[Failure]:
    labels = labels_of(node)
    for c, counts, own in plan.spread:
        if c.get("whenUnsatisfiable", "DoNotSchedule") != "DoNotSchedule":
            continue
        key = c.get("topologyKey", "")
        if key not in labels:
            return [Failure(Filter.POD_TOPOLOGY_SPREAD, FailureType.TOPOLOGY_SPREAD,
                            "node(s) didn't match pod topology spread constraints (missing required label)", key)]
        skew = counts.get(labels[key], 0) + own - min(counts.values()) if counts else 0
        if skew > int(c.get("maxSkew", 1)):
            return [Failure(Filter.POD_TOPOLOGY_SPREAD, FailureType.TOPOLOGY_SPREAD,
                            "node(s) didn't match pod topology spread constraints",
                            f"{key}={labels[key]}: skew {skew} > maxSkew {c.get('maxSkew', 1)}")]
    return []


def _in(labels: Mapping[str, str], key: str, domains: set[str] | None) -> bool:
    return domains is not None and key in labels and labels[key] in domains


def _inter_pod(plan: _Plan, node: Obj) -> list[Failure]:
    labels = labels_of(node)
    for key, values in plan.existing_anti.items():
        if labels.get(key) in values:
            return [Failure(Filter.INTER_POD_AFFINITY, FailureType.POD_ANTI_AFFINITY,
                            "node(s) didn't satisfy existing pods anti-affinity rules", f"{key}={labels[key]}")]
    for key, domains, selects_itself in plan.affinity:
        if domains is None and selects_itself:
            continue  # the first pod of a group may go anywhere
        if not _in(labels, key, domains):
            return [Failure(Filter.INTER_POD_AFFINITY, FailureType.POD_AFFINITY,
                            "node(s) didn't match pod affinity rules", key)]
    for key, domains in plan.anti:
        if _in(labels, key, domains):
            return [Failure(Filter.INTER_POD_AFFINITY, FailureType.POD_ANTI_AFFINITY,
                            "node(s) didn't match pod anti-affinity rules", f"{key}={labels[key]}")]
    return []


def _score(pod: Obj, plan: _Plan, node: Obj) -> int:
    preferred = ((spec_of(pod).get("affinity") or {}).get("nodeAffinity") or {}).get(
        "preferredDuringSchedulingIgnoredDuringExecution") or []
    labels = labels_of(node)
    return sum(int(p.get("weight", 0)) for p in preferred if node_term_matches(p.get("preference") or {}, node)) + \
        sum(weight for key, domains, weight in plan.preferred if _in(labels, key, domains))


def _rank(pod: Obj, plan: _Plan, verdict: NodeVerdict, node: Obj, cluster: Cluster) -> tuple:
    """The scheduler's preference among feasible nodes: score, fewer untolerated
    PreferNoSchedule taints, less ScheduleAnyway skew, fewer pods, then the name."""
    labels = labels_of(node)
    soft = sum(counts.get(labels.get(c.get("topologyKey", ""), ""), 0) for c, counts, _ in plan.spread
               if c.get("whenUnsatisfiable") == "ScheduleAnyway")
    return (-verdict.score, len(untolerated_taints(pod, node, ("PreferNoSchedule",))), soft,
            cluster.pod_count[verdict.node], verdict.node)


def check(pod: Obj, cluster: Cluster, *, nodes: Iterable[str] = (), ignore_resources: bool = False) -> Verdict:
    """Every node's verdict for `pod` (all failing filters, and a score for those that fit), the
    node the scheduler would pick and, when none fits, its FailedScheduling message."""
    plan = _plan(pod, cluster)
    wanted = set(nodes)
    candidates = [n for n in cluster.nodes if not wanted or name_of(n) in wanted]
    verdicts: list[NodeVerdict] = []
    for node in candidates:
        failures = [*_unschedulable(pod, node), *_taints(pod, node), *node_selector_failures(pod, node),
                    *([] if ignore_resources else _resources(plan, node, cluster)),
                    *_spread(pod, plan, node), *_inter_pod(plan, node)]
        verdicts.append(NodeVerdict(name_of(node), tuple(failures), 0 if failures else _score(pod, plan, node)))
    feasible = [v for v in verdicts if v.schedulable]
    chosen = min(feasible, key=lambda v: _rank(pod, plan, v, cluster.by_name[v.node], cluster)).node if feasible else ""
    return Verdict(verdicts, plan.requests, chosen, "" if feasible else summary(verdicts))


def summary(verdicts: list[NodeVerdict]) -> str:
    """The FailedScheduling message: each node's first failing filter, counted and sorted."""
    if not verdicts:
        return "no nodes available to schedule pods"
    counts: dict[str, int] = defaultdict(int)
    for v in verdicts:
        for reason in v.reported():
            counts[reason] += 1
    detail = ", ".join(sorted(f"{n} {r}" for r, n in counts.items()))
    return f"0/{len(verdicts)} nodes are available: {detail}."
