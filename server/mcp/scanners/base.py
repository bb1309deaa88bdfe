"""What every scan rule shares: categories, severities, prices, the snapshot a scan reads, findings,
the rule registry, object helpers, and running and scoring the rules."""


from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator

from server.errors import InvalidArgument


class Category(enum.StrEnum):
    HEALTH = "health"
    CONFIGURATION = "configuration"
    SECURITY = "security"
    RESOURCES = "resources"
    COST = "cost"


class Severity(enum.IntEnum):
    # The values of kubecommit.v1.Severity.
    INFO = 1
    LOW = 2
    MEDIUM = 3
    HIGH = 4
    CRITICAL = 5


# How much one finding of a severity lowers its category's score (0..100).
IMPACT = {Severity.INFO: 0, Severity.LOW: 2, Severity.MEDIUM: 5, Severity.HIGH: 10, Severity.CRITICAL: 20}
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
HOURS_PER_MONTH = 730


@dataclass(frozen=True)
class Prices:
    """What capacity costs (OpenCost's allocation model: requests are what a workload holds);
    `nodes`: hourly price per node instance type (label node.kubernetes.io/instance-type)."""

    cpu_hour: float = 0.031
    gib_hour: float = 0.004
    nodes: dict[str, float] = field(default_factory=dict)

    @classmethod
    def parse_nodes(cls, text: str, field_name: str = "scan_node_prices") -> dict[str, float]:
        """`m5.xlarge=0.192,g4dn.xlarge=0.526` -> {type: hourly price}."""
        out = {}
        for item in filter(None, (p.strip() for p in text.split(","))):
            kind, _, price = item.partition("=")
            try:
                out[kind.strip()] = float(price)
            except ValueError:
                raise InvalidArgument.field(field_name, f"{item!r} is not instance-type=hourly-price") from None
        return out

    def monthly(self, cpu_cores: float, memory_gib: float) -> float:
        return round((cpu_cores * self.cpu_hour + memory_gib * self.gib_hour) * HOURS_PER_MONTH, 2)


@dataclass
class Snapshot:
    """What a scan read from one cluster: objects by kind (as the API returns them) and pod
    usage from metrics.k8s.io (`{namespace/pod: {container: {cpu, memory}}}`), None when the
    cluster serves no metrics."""

    cluster: str
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    usage: dict[str, dict[str, dict[str, Decimal]]] | None = None
    prices: Prices = field(default_factory=Prices)
    # The samplers' history of the cluster (`cpu_requests`, `cpu_usage`, `memory_...` -> values
    # over the last days), empty when the job system has none.
    history: dict[str, list[float]] = field(default_factory=dict)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return self.objects.get(kind, [])

    def name(self, obj: dict[str, Any]) -> str:
        return resource_name(self.cluster, obj)


@dataclass
class Finding:
    rule: str
    category: Category
    severity: Severity
    # kubecommit resource name of the object to change, e.g.
    # `clusters/demo/namespaces/shop/deployments.apps/api-gateway`.
    resource: str
    message: str
    evidence: dict[str, str] = field(default_factory=dict)
    remediation: str = ""
    # Strategic-merge patch of `resource` that fixes it; None when no single patch does.
    patch: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        """Stable identity across scans (history and trends): the rule, the resource and the
        container, env variable or node condition it is about."""
        subject = "/".join(self.evidence[k] for k in ("container", "condition", "env") if k in self.evidence)
        return "|".join((self.rule, self.resource, subject))


_PLURALS = {"Pod": "pods", "Service": "services", "PersistentVolumeClaim": "persistentvolumeclaims",
            "Node": "nodes", "Namespace": "namespaces", "Deployment": "deployments.apps",
            "StatefulSet": "statefulsets.apps", "DaemonSet": "daemonsets.apps",
            "PodDisruptionBudget": "poddisruptionbudgets.policy",
            "Role": "roles.rbac.authorization.k8s.io", "ClusterRole": "clusterroles.rbac.authorization.k8s.io",
            "ServiceAccount": "serviceaccounts"}


def resource_name(cluster: str, obj: dict[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    where = f"clusters/{cluster}" + (f"/namespaces/{ns}" if ns else "")
    return f"{where}/{_PLURALS[obj['kind']]}/{meta.get('name', '')}"


Rule = Callable[[Snapshot], Iterable[Finding]]


@dataclass(frozen=True)
class RuleInfo:
    id: str
    category: Category
    description: str
    check: Rule


RULES: dict[str, RuleInfo] = {}


def rule(rule_id: str, category: Category, description: str) -> Callable[[Rule], Rule]:
    def register(check: Rule) -> Rule:
        RULES[rule_id] = RuleInfo(rule_id, category, description, check)
        return check
    return register


# -- helpers -------------------------------------------------------------------------------

def meta_of(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("metadata") or {}


def namespace_of(obj: dict[str, Any]) -> str:
    return meta_of(obj).get("namespace", "")


def is_owned(pod: dict[str, Any]) -> bool:
    return bool(meta_of(pod).get("ownerReferences"))


def pod_spec_of(obj: dict[str, Any]) -> dict[str, Any]:
    spec = obj.get("spec") or {}
    return spec if obj["kind"] == "Pod" else ((spec.get("template") or {}).get("spec") or {})


def template_patch(obj: dict[str, Any], pod_spec: dict[str, Any]) -> dict[str, Any]:
    """A strategic-merge patch setting `pod_spec` fields in a pod or a workload's template."""
    return {"spec": pod_spec} if obj["kind"] == "Pod" else {"spec": {"template": {"spec": pod_spec}}}


def workloads(snap: Snapshot) -> Iterator[dict[str, Any]]:
    """Objects that own a pod spec a person writes: workload controllers and bare pods (pods
    made by a controller are fixed through their controller)."""
    for kind in WORKLOAD_KINDS:
        yield from snap.of(kind)
    yield from (p for p in snap.of("Pod") if not is_owned(p))


def containers_of(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return list(pod_spec_of(obj).get("containers") or [])


def selector_matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """matchLabels/matchExpressions (or a plain map, for Services) against labels."""
    if not selector:
        return False
    plain = selector.get("matchLabels", selector if "matchExpressions" not in selector else {})
    if any(labels.get(k) != v for k, v in (plain or {}).items() if isinstance(v, str)):
        return False
    for expr in selector.get("matchExpressions") or []:
        value, values, op = labels.get(expr.get("key", "")), expr.get("values") or [], expr.get("operator")
        if (op == "In" and value not in values) or (op == "NotIn" and value in values) \
                or (op == "Exists" and value is None) or (op == "DoesNotExist" and value is not None):
            return False
    return True


def template_labels(obj: dict[str, Any]) -> dict[str, str]:
    if obj["kind"] == "Pod":
        return meta_of(obj).get("labels") or {}
    return ((obj.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}


def condition_of(obj: dict[str, Any], kind: str) -> dict[str, Any] | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == kind), None)


def events_of(snap: Snapshot, obj: dict[str, Any], reason: str) -> list[dict[str, Any]]:
    meta = meta_of(obj)
    found = [e for e in snap.of("Event") if e.get("reason") == reason
             and (e.get("involvedObject") or {}).get("name") == meta.get("name")
             and (e.get("involvedObject") or {}).get("namespace", "") == meta.get("namespace", "")
             and (e.get("involvedObject") or {}).get("kind") == obj["kind"]]
    return sorted(found, key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "")


# -- scoring -------------------------------------------------------------------------------

def run(snap: Snapshot, categories: Iterable[Category] = tuple(Category)) -> list[Finding]:
    """Every rule of `categories` over `snap`, most severe first."""
    wanted = set(categories)
    found: dict[str, Finding] = {}
    for info in RULES.values():
        if info.category in wanted:
            for f in info.check(snap):
                found.setdefault(f.key, f)
    return sorted(found.values(), key=lambda f: (-f.severity, f.category, f.resource, f.rule))


def scores(findings: Iterable[Finding], categories: Iterable[Category]) -> dict[Category, int]:
    """0..100 per category: each finding lowers its category's score by its severity's impact."""
    out = {c: 100 for c in categories}
    for f in findings:
        if f.category in out:
            out[f.category] = max(0, out[f.category] - IMPACT[f.severity])
    return out
