"""Cluster scans: read what the rules need from one cluster, run the rules, keep the result.

A scan reads each kind it needs with the cluster-access layer; a kind that cannot be read (the
cluster went away, RBAC, a kind the cluster does not serve) is left out and named in the
report's warnings, so an unreachable cluster gives a partial (possibly empty) report with the
reason instead of no answer.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import AsyncIterator, Iterable

from server.clusters.inventory import list_all
from server.kube.quantity import value_of as quantity
from server.context import Caller
from server.errors import FailedPrecondition, InvalidArgument, KubecommitError, NotFound
from server.jobs.timeseries import TimeSeries
from server.kube import ClusterPool
from server.mcp.history import CANCELLED, FAILED, ScanHistory, ScanRecord, Seen, Summary
from server.mcp.scanners import Category, Prices, Snapshot, run, scores
from server.names import parse_cluster
from server.security import visible

# How far back the samplers' history is read.
HISTORY = timedelta(days=7)
# What the rules read: (resource type, kind, cluster-level?).
KINDS: tuple[tuple[str, str, bool], ...] = (
    ("nodes", "Node", True), ("namespaces", "Namespace", True), ("pods", "Pod", False),
    ("services", "Service", False), ("endpoints", "Endpoints", False),
    ("persistentvolumeclaims", "PersistentVolumeClaim", False), ("deployments.apps", "Deployment", False),
    ("statefulsets.apps", "StatefulSet", False), ("daemonsets.apps", "DaemonSet", False),
    ("events", "Event", False), ("secrets", "Secret", False),
    ("poddisruptionbudgets.policy", "PodDisruptionBudget", False), ("serviceaccounts", "ServiceAccount", False),
    ("roles.rbac.authorization.k8s.io", "Role", False),
    ("rolebindings.rbac.authorization.k8s.io", "RoleBinding", False),
    ("clusterroles.rbac.authorization.k8s.io", "ClusterRole", True),
    ("clusterrolebindings.rbac.authorization.k8s.io", "ClusterRoleBinding", True),
)


@dataclass
class Progress:
    stage: str
    message: str
    done: int
    total: int


def categories_of(names: Iterable[str], field: str = "categories") -> list[Category]:
    out = []
    for i, name in enumerate(names):
        try:
            out.append(Category(name))
        except ValueError:
            raise InvalidArgument.field(f"{field}[{i}]", f"{name!r} is not one of "
                                        f"{', '.join(c.value for c in Category)}") from None
    return sorted(set(out)) or list(Category)


class Scanner:
    """Runs scans and keeps them (ScanHistory)."""

    def __init__(self, pool: ClusterPool, history: ScanHistory, prices: Prices,
                 series: TimeSeries | None = None) -> None:
        self.pool = pool
        self.history = history
        self.prices = prices
        # The samplers' time series (server/jobs), when the job system runs.
        self.series = series

    async def scan(self, caller: Caller, cluster: str, namespaces: list[str], categories: list[str],
                   min_severity: int = 0) -> AsyncIterator[Progress | ScanRecord]:
        """Progress events, then the kept scan. Namespace-scoped callers see only their
        namespaces (and cluster-level objects such as nodes)."""
        cluster_id = parse_cluster(cluster, "name")
        chosen = categories_of(categories)
        wanted = sorted(set(namespaces) or set(caller.namespaces))
        scan_id = uuid.uuid4().hex[:16]
        started = time.time()
        await asyncio.to_thread(self.history.start, scan_id, cluster_id, wanted, [c.value for c in chosen],
                                caller.name, started)
        try:
            snap = Snapshot(cluster_id, prices=self.prices, history=await self._sampled(cluster_id))
            warnings: list[str] = []
            async for event in self._collect(snap, wanted, warnings):
                yield event
            snap.objects = {k: [o for o in v if self._seen(caller, cluster_id, o)] for k, v in snap.objects.items()}
            yield Progress("analyze", f"{len(chosen)} categories", len(KINDS), len(KINDS) + 1)
            findings = [f for f in run(snap, chosen) if f.severity >= min_severity]
            summary = Summary(scores={c.value: s for c, s in scores(findings, chosen).items()},
                              resources_scanned=sum(len(v) for v in snap.objects.values()),
                              duration=time.time() - started, warnings=warnings)
            await asyncio.to_thread(self.history.finish, scan_id, findings, summary, time.time())
        except BaseException as error:  # a cancelled stream or a bug leaves a finished record, not a RUNNING one
            cancelled = isinstance(error, (asyncio.CancelledError, GeneratorExit))
            await asyncio.shield(asyncio.to_thread(
                self.history.fail, scan_id, "the caller cancelled the scan" if cancelled else
                str(error) or type(error).__name__, time.time(), CANCELLED if cancelled else FAILED))
            raise
        record = await asyncio.to_thread(self.history.get, scan_id)
        assert record is not None
        yield record

    async def _sampled(self, cluster: str) -> dict[str, list[float]]:
        """The last week of the samplers' cluster-wide requests and usage."""
        if self.series is None:
            return {}
        end = datetime.now(timezone.utc)
        out = {}
        for name in ("cpu_requests", "cpu_usage", "memory_requests", "memory_usage"):
            found = await self.series.query_async(f"clusters/{cluster}/metrics/{name}", end - HISTORY, end, 0)
            out[name] = [p.value for p in found.points]
        return out

    @staticmethod
    def _seen(caller: Caller, cluster: str, obj: dict) -> bool:
        return visible(caller, cluster, (obj.get("metadata") or {}).get("namespace", ""))

    async def _collect(self, snap: Snapshot, namespaces: list[str], warnings: list[str]
                       ) -> AsyncIterator[Progress]:
        try:
            conn = await self.pool.get(snap.cluster)
        except NotFound:
            raise
        except KubecommitError as error:
            warnings.append(f"cluster unreachable: {error.message}")
            return
        total = len(KINDS) + 1
        unreachable = ""
        for i, (plural, kind, cluster_level) in enumerate(KINDS):
            yield Progress("read", plural, i, total)
            if unreachable:
                continue
            try:
                rt = await conn.resolve(plural)
                where = [""] if cluster_level or not namespaces else namespaces
                snap.objects[kind] = [o for ns in where for o in await list_all(conn, rt, ns)]
            except NotFound as error:
                warnings.append(f"{plural}: {error.message}")
            except KubecommitError as error:
                warnings.append(f"{plural}: {error.message}")
                if error.code in ("UNAVAILABLE", "DEADLINE_EXCEEDED"):
                    unreachable = error.message
                    warnings.append(f"cluster unreachable, the remaining kinds were not read: {error.message}")
        if not unreachable:
            snap.usage = await self._usage(conn, namespaces, warnings)

    @staticmethod
    async def _usage(conn, namespaces: list[str], warnings: list[str]
                     ) -> dict[str, dict[str, dict[str, Decimal]]] | None:
        served = [r for r in await conn.resources() if r.group == "metrics.k8s.io" and r.kind == "PodMetrics"]
        if not served:
            warnings.append("metrics.k8s.io is not served: resources and cost rules use requests only")
            return None
        usage: dict[str, dict[str, dict[str, Decimal]]] = {}
        try:
            for ns in namespaces or [""]:
                for m in await list_all(conn, served[0], ns):
                    meta = m.get("metadata") or {}
                    usage[f"{meta.get('namespace')}/{meta.get('name')}"] = {
                        c["name"]: {r: quantity((c.get("usage") or {}).get(r)) for r in ("cpu", "memory")}
                        for c in m.get("containers") or []}
        except KubecommitError as error:
            warnings.append(f"pod metrics: {error.message}")
            return None
        return usage

    async def get(self, caller: Caller, scan_id: str, full: bool = True) -> ScanRecord:
        record = await asyncio.to_thread(self.history.get, scan_id, full)
        if record is None or not _may_see(caller, record):
            raise NotFound(f"no scan scans/{scan_id}", "SCAN_NOT_FOUND", metadata={"scan": f"scans/{scan_id}"})
        return record

    async def list(self, caller: Caller, cluster: str = "", state: str = "") -> list[ScanRecord]:
        """Scans the caller may see (their cluster and namespaces in its scope), newest first."""
        records = await asyncio.to_thread(self.history.list, {cluster} if cluster else None)
        return [r for r in records if _may_see(caller, r) and (not state or r.state == state)]

    async def compare(self, caller: Caller, scan_id: str, other: str) -> tuple[list[Seen], list[Seen], list[Seen]]:
        """(opened, fixed, still open) from `other` (default: the scan before) to `scan_id`."""
        later = await self.get(caller, scan_id)
        if other:
            earlier = await self.get(caller, other)
        else:
            earlier = await asyncio.to_thread(self.history.previous, later)
            if earlier is None:
                raise FailedPrecondition(f"scans/{scan_id} is the first scan of its cluster", "NO_EARLIER_SCAN")
        if earlier.cluster != later.cluster:
            raise InvalidArgument.field("other", "compare two scans of the same cluster")
        before = {s.finding.key: s for s in earlier.findings}
        now = {s.finding.key for s in later.findings}
        opened = [s for s in later.findings if s.finding.key not in before]
        still = [Seen(s.finding, min(s.first_seen, before[s.finding.key].first_seen), "still_open")
                 for s in later.findings if s.finding.key in before]
        fixed = [Seen(s.finding, s.first_seen, "fixed") for k, s in before.items() if k not in now]
        return [Seen(s.finding, s.first_seen, "opened") for s in opened], fixed, still


def _may_see(caller: Caller, record: ScanRecord) -> bool:
    """Every namespace the scan covered (all of them when it named none) is in the caller's scope."""
    return all(visible(caller, record.cluster, ns) for ns in record.namespaces or ["-"])
