"""Cluster health: what the API server says of itself (/livez, /readyz?verbose), node conditions,
workloads short of ready replicas, crash-looping pods — turned into issues, a 0..100 score and a
status. Checking many clusters runs them concurrently, each bounded by its own timeout.

Scoring (pure, `assess`): every issue lowers the score by its impact; impacts of one reason are
capped so a hundred crash-looping pods do not hide a dead node. ERROR when anything critical is
found or the score drops below 50; WARNING for any medium-or-worse issue or a score below 90.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

from server.clusters import operations
from server.clusters.model import ClusterHealth, HealthStatus, HealthSummary, Issue, NodeHealth, Severity
from server.clusters.operations import Operations

from server.clusters.inventory import DAEMONSETS, DEPLOYMENTS, NODES, PODS, STATEFULSETS, list_all
from server.registry import ClusterRegistry, now
from server.errors import InvalidArgument, KubecommitError
from server.kube import ClusterPool
from server.kube.connection import ClusterConnection
from server.names import cluster_name, parse_cluster

# reason -> (severity, impact of one, cap for the reason)
RULES: dict[str, tuple[Severity, int, int]] = {
    "ClusterUnreachable": (Severity.CRITICAL, 100, 100),
    "ApiServerNotLive": (Severity.CRITICAL, 60, 60),
    "ApiServerNotReady": (Severity.HIGH, 30, 30),
    "ReadinessCheckFailed": (Severity.MEDIUM, 5, 20),
    "NodeNotReady": (Severity.HIGH, 15, 45),
    "NodePressure": (Severity.MEDIUM, 8, 24),
    "NodeUnschedulable": (Severity.LOW, 2, 6),
    "WorkloadNotReady": (Severity.MEDIUM, 5, 25),
    "CrashLoopBackOff": (Severity.HIGH, 5, 25),
}
UNREACHABLE_REASONS = ("CLUSTER_UNREACHABLE", "CLUSTER_TIMEOUT", "CLUSTER_TLS_ERROR", "CLUSTER_ERROR")
# Failures that are the cluster's own condition: reported as ClusterUnreachable, never raised, so
# one cluster answering 401/403/5xx cannot fail a whole batch of checks.
REPORTED_REASONS = UNREACHABLE_REASONS + ("CLUSTER_UNAUTHORIZED", "CLUSTER_FORBIDDEN", "CLUSTER_UNAVAILABLE")
DEFAULT_TIMEOUT = 10.0
DEFAULT_CONCURRENCY = 8


@dataclass(frozen=True)
class Finding:
    reason: str
    message: str
    resource: str = ""


@dataclass
class HealthReport:
    health: ClusterHealth
    pod_count: int = 0


def assess(findings: Sequence[Finding]) -> tuple[HealthStatus, int, list[Issue]]:
    """(status, score, issues with their impact) from what a check found."""
    spent: dict[str, int] = {}
    issues = []
    for f in findings:
        severity, impact, cap = RULES[f.reason]
        impact = max(0, min(impact, cap - spent.get(f.reason, 0)))
        spent[f.reason] = spent.get(f.reason, 0) + impact
        issues.append(Issue(severity=severity, reason=f.reason, message=f.message,
                            resource=f.resource, score_impact=impact))
    score = max(0, 100 - sum(spent.values()))
    worst = max((i.severity for i in issues), default=Severity.UNSPECIFIED)
    if worst >= Severity.CRITICAL or score < 50:
        status = HealthStatus.ERROR
    elif worst >= Severity.MEDIUM or score < 90:
        status = HealthStatus.WARNING
    else:
        status = HealthStatus.HEALTHY
    return status, score, issues


def parse_checks(text: str) -> dict[str, bool]:
    """`/readyz?verbose` body: `[+]etcd ok` / `[-]etcd failed: reason` lines."""
    checks = {}
    for line in str(text or "").splitlines():
        if line.startswith(("[+]", "[-]")):
            checks[line[3:].split(" ", 1)[0]] = line.startswith("[+]")
    return checks


def node_findings(cluster: str, nodes: list[dict[str, Any]]) -> tuple[list[NodeHealth], list[Finding]]:
    out, findings = [], []
    for node in nodes:
        name = node["metadata"]["name"]
        resource = f"clusters/{cluster}/nodes/{name}"
        conditions = {c.get("type", ""): c.get("status", "Unknown")
                      for c in (node.get("status") or {}).get("conditions") or []}
        ready = conditions.get("Ready") == "True"
        schedulable = not (node.get("spec") or {}).get("unschedulable", False)
        out.append(NodeHealth(name=name, ready=ready, conditions=conditions, schedulable=schedulable))
        if not ready:
            findings.append(Finding("NodeNotReady", f"node {name} is not Ready ({conditions.get('Ready', 'Unknown')})",
                                    resource))
        for pressure in ("MemoryPressure", "DiskPressure", "PIDPressure"):
            if conditions.get(pressure) == "True":
                findings.append(Finding("NodePressure", f"node {name} has {pressure}", resource))
        if not schedulable:
            findings.append(Finding("NodeUnschedulable", f"node {name} is cordoned", resource))
    return out, findings


def workload_findings(cluster: str, plural: str, items: list[dict[str, Any]]) -> list[Finding]:
    findings = []
    for obj in items:
        meta, spec, status = obj["metadata"], obj.get("spec") or {}, obj.get("status") or {}
        if plural == "daemonsets.apps":
            wanted, ready = status.get("desiredNumberScheduled", 0), status.get("numberReady", 0)
        else:
            wanted, ready = spec.get("replicas", 1), status.get("readyReplicas", 0)
        if ready < wanted:
            findings.append(Finding(
                "WorkloadNotReady", f"{obj.get('kind', plural)} {meta.get('namespace')}/{meta['name']}: "
                                    f"{ready}/{wanted} ready",
                f"clusters/{cluster}/namespaces/{meta.get('namespace')}/{plural}/{meta['name']}"))
    return findings


def pod_findings(cluster: str, pods: list[dict[str, Any]]) -> list[Finding]:
    findings = []
    for pod in pods:
        meta = pod["metadata"]
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            waiting = (cs.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") == "CrashLoopBackOff":
                findings.append(Finding(
                    "CrashLoopBackOff", f"pod {meta.get('namespace')}/{meta['name']} container {cs.get('name')} "
                                        f"is crash-looping ({cs.get('restartCount', 0)} restarts)",
                    f"clusters/{cluster}/namespaces/{meta.get('namespace')}/pods/{meta['name']}"))
                break
    return findings


def _report(cluster: str, findings: list[Finding], latency: float, **fields: Any) -> ClusterHealth:
    status, score, issues = assess(findings)
    return ClusterHealth(cluster=cluster, status=status, score=score, issues=issues, check_time=now(),
                         latency=latency, **fields)


def unreachable(cluster: str, error: KubecommitError, latency: float) -> HealthReport:
    return HealthReport(_report(cluster, [Finding("ClusterUnreachable", error.message, cluster_name(cluster))],
                                latency))


async def _probe_endpoint(connection: ClusterConnection, path: str) -> tuple[bool, str]:
    try:
        return True, await connection.request("GET", path, query={"verbose": "true"} if "readyz" in path else None)
    except KubecommitError as error:
        if error.reason in UNREACHABLE_REASONS:
            raise
        return False, str(error.message)


async def examine(connection: ClusterConnection, cluster: str) -> HealthReport:
    """One cluster, raising only when it cannot be reached at all."""
    started = time.monotonic()
    live, _ = await _probe_endpoint(connection, "/livez")
    latency = time.monotonic() - started
    ready, ready_text = await _probe_endpoint(connection, "/readyz")
    nodes, pods, *workloads = await asyncio.gather(
        list_all(connection, NODES), list_all(connection, PODS),
        *(list_all(connection, rt) for rt in (DEPLOYMENTS, STATEFULSETS, DAEMONSETS)))
    node_health, findings = node_findings(cluster, nodes)
    checks = parse_checks(ready_text) if ready else {}
    if not live:
        findings.insert(0, Finding("ApiServerNotLive", "/livez failed", cluster_name(cluster)))
    if not ready:
        findings.insert(0, Finding("ApiServerNotReady", f"/readyz failed: {ready_text}", cluster_name(cluster)))
    findings += [Finding("ReadinessCheckFailed", f"readiness check {name} failed", cluster_name(cluster))
                 for name, ok in checks.items() if not ok]
    for rt, items in zip((DEPLOYMENTS, STATEFULSETS, DAEMONSETS), workloads):
        findings += workload_findings(cluster, rt.type, items)
    findings += pod_findings(cluster, pods)
    return HealthReport(_report(cluster, findings, latency, live=live, ready=ready, readiness_checks=checks,
                                nodes=node_health), pod_count=len(pods))


def check_visible_name(name: str, field: str) -> str:
    return operations.check_visible(parse_cluster(name.removesuffix("/health"), field))


class HealthChecks:
    """Health of one cluster, of many, and their summary."""

    def __init__(self, registry: ClusterRegistry, pool: ClusterPool, operations: Operations) -> None:
        self.registry = registry
        self.pool = pool
        self.operations = operations

    async def check(self, cluster: str, timeout: float | None = None) -> HealthReport:
        """Never raises for the cluster's own condition: an unreachable or slow cluster is reported as
        ERROR (and its state recorded), so a batch of checks always completes."""
        started = time.monotonic()
        try:
            connection = await self.pool.get(cluster)
            report = await asyncio.wait_for(examine(connection, cluster), timeout) if timeout else \
                await examine(connection, cluster)
        except asyncio.TimeoutError:
            report = unreachable(cluster, KubecommitError(f"cluster {cluster}: no answer within {timeout:g}s",
                                                          "CLUSTER_TIMEOUT"), time.monotonic() - started)
        except KubecommitError as error:
            if error.reason not in REPORTED_REASONS:
                raise
            report = unreachable(cluster, error, time.monotonic() - started)
        lost = [i.message for i in report.health.issues if i.reason == "ClusterUnreachable"]
        state = {"state": "disconnected", "state_message": lost[0]} if lost else \
            {"state": "connected", "state_message": "", "node_count": len(report.health.nodes)}
        await self.registry.set_state(cluster, **state)
        return report

    async def get(self, name: str) -> ClusterHealth:
        """`clusters/{cluster}/health`."""
        cluster = check_visible_name(name, "name")
        await self.registry.get(cluster)
        return (await self.check(cluster)).health

    async def check_many(self, clusters: Sequence[str], timeout: float = DEFAULT_TIMEOUT,
                         concurrency: int = DEFAULT_CONCURRENCY) -> list[HealthReport]:
        """Concurrently, at most `concurrency` at once; each bounded by `timeout` on its own."""
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(cluster: str) -> HealthReport:
            async with gate:
                return await self.check(cluster, timeout)

        return list(await asyncio.gather(*(one(c) for c in clusters)))

    async def summarize(self) -> HealthSummary:
        """Counts by health and provider, node and pod totals, the average score: over every
        cluster the caller may see, checked concurrently."""
        records = await self.operations.list_visible()
        reports = await self.check_many([r.id for r in records])
        by_health = Counter(r.health.status.value for r in reports)
        by_provider = Counter(r.provider for r in records)
        scores = [r.health.score for r in reports]
        return HealthSummary(
            cluster_count=len(records), by_health=dict(by_health), by_provider=dict(by_provider),
            node_count=sum(len(r.health.nodes) for r in reports), pod_count=sum(r.pod_count for r in reports),
            average_score=round(sum(scores) / len(scores), 2) if scores else 0.0,
            clusters=[r.health for r in reports])

    async def check_named(self, names: Sequence[str], timeout: float | None, max_concurrency: int
                          ) -> list[ClusterHealth]:
        """The named clusters (all visible ones when none are named); `timeout` None is the default."""
        if names:
            ids = [check_visible_name(n, f"names[{i}]") for i, n in enumerate(names)]
            for cluster in ids:
                await self.registry.get(cluster)
        else:
            ids = [r.id for r in await self.operations.list_visible()]
        timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        if timeout <= 0:
            raise InvalidArgument.field("timeout", "must be positive")
        if max_concurrency < 0:
            raise InvalidArgument.field("max_concurrency", "must not be negative")
        reports = await self.check_many(ids, timeout, max_concurrency or DEFAULT_CONCURRENCY)
        return [r.health for r in reports]
