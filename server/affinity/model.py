"""The affinity domain's values: what its methods take and return (no messages, no grpc)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gitstore import DocumentDiff
from server.affinity.scheduling import Verdict


class Part(enum.Enum):
    """A group of placement rules of a pod spec, each with its own Get/Set."""

    NODE_AFFINITY = "nodeAffinity"
    POD_AFFINITY = "podAffinity"
    TOLERATIONS = "tolerations"


@dataclass(frozen=True)
class Rules:
    """A workload's pod spec (placement fields are read from it) and its resourceVersion."""

    workload: str
    spec: dict[str, Any]
    etag: str


@dataclass(frozen=True)
class RulesWrite:
    workload: str
    rules: Rules
    commit: str
    diff: DocumentDiff
    validate_only: bool


@dataclass(frozen=True)
class PodTarget:
    """What to place: a workload by name, or a pod (spec) given inline."""

    workload: str = ""
    pod: dict[str, Any] | None = None
    # The field the inline pod came in (`pod_spec`, `pod_spec_yaml`), for errors.
    field: str = "pod_spec"


@dataclass(frozen=True)
class Validation:
    cluster: str
    verdict: Verdict


@dataclass(frozen=True)
class Suggestion:
    change: str  # add_tolerations | node_selector | relax_rule | uncordon | none
    reason: str
    nodes: list[str]
    pod_spec: dict[str, Any]
    tolerations: list[dict[str, Any]] = field(default_factory=list)
    node_selector: dict[str, str] = field(default_factory=dict)
    rule: str = ""


@dataclass(frozen=True)
class Suggestions:
    cluster: str
    schedulable: bool
    summary: str
    suggestions: list[Suggestion]


@dataclass(frozen=True)
class NodeTaints:
    cluster: str
    node: str
    taints: list[dict[str, Any]]
    etag: str = ""


@dataclass(frozen=True)
class AffectedPod:
    cluster: str
    namespace: str
    name: str
    node: str
    reason: str


@dataclass(frozen=True)
class TaintWrite:
    nodes: list[NodeTaints]
    commit: str
    validate_only: bool
    evicted: list[AffectedPod] = field(default_factory=list)


@dataclass(frozen=True)
class CordonWrite:
    cluster: str
    node: str
    unschedulable: bool
    commit: str
    validate_only: bool


class DrainAction(enum.Enum):
    WOULD_EVICT = "would_evict"
    EVICTED = "evicted"
    BLOCKED = "blocked"
    SKIPPED = "skipped"
    CORDONED = "cordoned"


@dataclass(frozen=True)
class DrainEvent:
    cluster: str
    subject: str  # `namespace/pod`, or the node for CORDONED
    action: DrainAction
    message: str = ""
    budget: str = ""  # `namespace/name` of a blocking PodDisruptionBudget
    done: bool = False
    complete: bool = False
    commit: str = ""


@dataclass(frozen=True)
class Domain:
    topology_key: str
    value: str
    nodes: list[str]
    ready_nodes: int
    pods: list[str]  # `namespace/name`
    pod_count: int


@dataclass(frozen=True)
class Skew:
    topology_key: str
    skew: int
    max_skew: int
    satisfied: bool


@dataclass(frozen=True)
class Topology:
    cluster: str
    domains: list[Domain]
    skews: list[Skew]


@dataclass(frozen=True)
class LabelSuggestion:
    key: str
    value: str
    candidates: int
    others: int

    @property
    def exact(self) -> bool:
        return self.others == 0


@dataclass(frozen=True)
class GraphVertex:
    id: str
    type: str  # workload | node | domain
    kind: str
    namespace: str
    label: str
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    type: str  # node_affinity | node_selector | pod_affinity | pod_anti_affinity | toleration | placement | taint_blocks | in_domain
    required: bool = True
    weight: int = 0
    detail: str = ""


@dataclass(frozen=True)
class Graph:
    name: str
    vertices: list[GraphVertex]
    edges: list[GraphEdge]
    dot: str
    svg: str
    generated: datetime
