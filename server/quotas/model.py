"""Plain values of the quotas domain: what the servicer hands in and gets back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gitstore import DocumentDiff

LIMIT_TYPES = ("Container", "Pod", "PersistentVolumeClaim")
LIMIT_FIELDS = ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio")


@dataclass
class ScopeRequirement:
    scope_name: str
    operator: str  # In | NotIn | Exists | DoesNotExist
    values: list[str] = field(default_factory=list)


@dataclass
class QuotaSpec:
    """What a caller may write: a ResourceQuota's spec and metadata (or its whole YAML)."""

    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    hard: dict[str, str] = field(default_factory=dict)
    scopes: list[str] = field(default_factory=list)
    scope_selector: list[ScopeRequirement] = field(default_factory=list)
    yaml: str = ""


@dataclass
class LimitItem:
    type: str  # Container | Pod | PersistentVolumeClaim
    # LIMIT_FIELDS -> resource -> quantity
    bounds: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class LimitRangeSpec:
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    limits: list[LimitItem] = field(default_factory=list)
    yaml: str = ""


@dataclass
class Refusal:
    resource: str
    container: str
    resource_name: str
    message: str


@dataclass
class Stored:
    """One quota or LimitRange as the cluster has it, with what git holds for it."""

    name: str  # clusters/{c}/namespaces/{n}/{resourcequotas|limitranges}/{name}
    live: dict[str, Any]  # the object in the cluster (status included)
    committed: dict[str, Any] | None  # the version on main, None when never written through kubecommit
    commit: str = ""
    diff: DocumentDiff | None = None
    refusals: list[Refusal] = field(default_factory=list)


@dataclass
class ResourceUsage:
    quota: str
    resource: str
    hard: str
    used: str
    hard_value: float
    used_value: float
    percent: float
    peak: str = ""
    suggested_hard: str = ""


@dataclass
class UsageAlert:
    quota: str
    resource: str
    percent: float
    threshold: float
    severity: str  # MEDIUM | HIGH | CRITICAL
    message: str
    alert: str = ""  # the job system's open alert id for this resource, if any


@dataclass
class Trend:
    quota: str
    resource: str
    points: list[tuple[datetime, float, float]]  # (time, used, percent)
    projection: str = "too few samples"
    exhaustion: datetime | None = None
    rate_per_hour: float = 0.0
    confidence: float = 0.0


@dataclass
class Demand:
    namespace: str  # clusters/{c}/namespaces/{n}
    totals: dict[str, str]


@dataclass
class Usage:
    name: str
    collected: datetime
    resources: list[ResourceUsage] = field(default_factory=list)
    alerts: list[UsageAlert] = field(default_factory=list)
    trends: list[Trend] = field(default_factory=list)
    unquoted: list[Demand] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)


@dataclass
class Threshold:
    resource: str
    warning: float
    critical: float


@dataclass
class AlertPolicy:
    name: str  # clusters/{c}/namespaces/{n}/quotaAlertPolicy
    enabled: bool = True
    warning: float = 80.0
    critical: float = 95.0
    overrides: list[Threshold] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    etag: str = ""
    updated: datetime | None = None
    updated_by: str = ""

    def thresholds(self, resource: str) -> tuple[float, float]:
        for o in self.overrides:
            if o.resource == resource:
                return o.warning, o.critical
        return self.warning, self.critical
