"""The clusters domain's values: what its operations take and return (plain dataclasses and
enums). server/clusters/convert.py turns them into messages and requests into them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gitstore import FieldDiff
from server.kube import ApiResource
from server.names import ResourceName


class Severity(enum.IntEnum):
    """Ordered: a higher value is worse."""

    UNSPECIFIED = 0
    INFO = 1
    LOW = 2
    MEDIUM = 3
    HIGH = 4
    CRITICAL = 5


class HealthStatus(enum.Enum):
    HEALTHY = "healthy"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class ClusterSpec:
    """What a caller asks a registration to be (CreateCluster, UpdateCluster)."""

    name: str = ""
    display_name: str = ""
    provider: str = "other"
    region: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    description: str = ""
    kubeconfig: str = ""
    context: str = ""
    etag: str = ""


@dataclass(frozen=True)
class Issue:
    severity: Severity
    reason: str
    message: str
    resource: str = ""
    score_impact: int = 0


@dataclass(frozen=True)
class NodeHealth:
    name: str
    ready: bool
    conditions: dict[str, str]
    schedulable: bool


@dataclass(frozen=True)
class ClusterHealth:
    cluster: str
    status: HealthStatus
    score: int
    issues: list[Issue]
    check_time: datetime
    latency: float
    live: bool = False
    ready: bool = False
    readiness_checks: dict[str, bool] = field(default_factory=dict)
    nodes: list[NodeHealth] = field(default_factory=list)


@dataclass(frozen=True)
class HealthSummary:
    cluster_count: int
    by_health: dict[str, int]
    by_provider: dict[str, int]
    node_count: int
    pod_count: int
    average_score: float
    clusters: list[ClusterHealth]


@dataclass(frozen=True)
class ResourceUsage:
    """cpu in cores, memory in bytes; `usage` None when the cluster serves no metrics."""

    capacity: float
    allocatable: float
    requests: float
    limits: float
    requests_percent: float
    usage: float | None = None
    usage_percent: float = 0.0


@dataclass(frozen=True)
class ClusterMetrics:
    cluster: str
    cpu: ResourceUsage
    memory: ResourceUsage
    metrics_available: bool
    metrics_message: str
    node_count: int
    pod_count: int
    service_count: int
    deployment_count: int
    namespace_count: int
    collect_time: datetime


@dataclass(frozen=True)
class TypeStats:
    resource: str
    kind: str
    count: int
    by_namespace: dict[str, int]
    short_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResourceStats:
    cluster: str
    types: list[TypeStats]
    total_objects: int
    pods_by_phase: dict[str, int]


@dataclass(frozen=True)
class SyncProgress:
    stage: str
    message: str
    done: int
    total: int


@dataclass(frozen=True)
class SyncResult:
    commit: str
    resources_discovered: int
    objects_read: int
    objects_written: int
    objects_deleted: int
    objects_by_type: dict[str, int]
    errors: dict[str, str]
    read_seconds: float
    write_seconds: float


@dataclass(frozen=True)
class LiveObject:
    """An object as a cluster returned it, with the kind it was read as."""

    cluster: str
    rt: ApiResource
    obj: dict[str, Any]


@dataclass(frozen=True)
class ResourceQuery:
    parent: str
    resource_type: str
    namespace: str = ""
    label_selector: str = ""
    field_selector: str = ""
    clusters: list[str] = field(default_factory=list)
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True)
class WatchQuery:
    parent: str
    resource_type: str
    namespace: str = ""
    label_selector: str = ""
    field_selector: str = ""
    name: str = ""
    clusters: list[str] = field(default_factory=list)


class WatchEventType(enum.Enum):
    ADDED = 1
    MODIFIED = 2
    DELETED = 3


@dataclass(frozen=True)
class WatchEvent:
    type: WatchEventType
    resource: LiveObject


@dataclass(frozen=True)
class WatchUnreachable:
    """One cluster of a many-cluster watch could not be watched; the others go on."""
    cluster: str
    reason: str


@dataclass(frozen=True)
class ResourcePage:
    objects: list[LiveObject]
    next_page_token: str
    unreachable: dict[str, str]


@dataclass(frozen=True)
class Comparison:
    """One resource against the reference: `diff` None when it was not found."""

    name: str
    diff: FieldDiff | None


@dataclass(frozen=True)
class ComparisonReport:
    reference: str
    comparisons: list[Comparison]

    @property
    def identical(self) -> bool:
        return all(c.diff is not None and not c.diff.changes for c in self.comparisons)


def object_name(cluster: str, rt: ApiResource, obj: dict[str, Any]) -> ResourceName:
    metadata = obj.get("metadata") or {}
    return ResourceName(cluster, metadata.get("namespace", "") if rt.namespaced else "", rt.type,
                        metadata.get("name", ""))
