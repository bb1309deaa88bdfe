"""Quota usage: used / hard per quota and resource from the clusters' own accounting
(status.used), what namespaces without a quota request, alerts against the namespace's policy,
and trends from the samplers' time series with a projection of when each resource runs out.

Clusters are asked in parallel, each bounded by the per-cluster timeout; those that do not answer
are named in the answer, not waited for."""

from __future__ import annotations

import asyncio
import math
from functools import lru_cache
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable

from server import context
from server.alerts.store import Alerts
from server.clusters.inventory import list_all
from server.errors import InvalidArgument, NotFound, Unavailable
from server.jobs.timeseries import Point, TimeSeries
from server.kube import ClusterConnection, quantity
from server.names import ALL, check_dns_label
from server.quotas.model import Demand, ResourceUsage, Trend, Usage, UsageAlert
from server.quotas.objects import QuotaObjects
from server.quotas.policies import Policies
from server.quotas.rules import is_count
from server.security.scope import visible

DEFAULT_WINDOW = timedelta(hours=24)
DEFAULT_POINTS = 100
HEADROOM = Decimal("1.25")
_DONE = ("Succeeded", "Failed")


def fit(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Least-squares line through (x, y): (slope, intercept, r²). r² is 1 for a flat exact fit."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    sxy = sum((x - mx) * (y - my) for x, y in points)
    syy = sum((y - my) ** 2 for _, y in points)
    if sxx == 0:
        return 0.0, my, 0.0
    slope = sxy / sxx
    r2 = 1.0 if syy == 0 else (sxy * sxy) / (sxx * syy)
    return slope, my - slope * mx, r2


def project(points: list[tuple[datetime, float]], hard: float, used: float, now: datetime) -> Trend:
    """When `used` reaches `hard` at the rate of a linear fit over `points` (time, used)."""
    trend = Trend("", "", [])
    if hard and used >= hard:
        trend.projection = "exhausted"
        return trend
    if len(points) < 3:
        return trend
    origin = points[0][0].timestamp()
    slope, intercept, r2 = fit([((t.timestamp() - origin) / 3600, v) for t, v in points])
    trend.rate_per_hour, trend.confidence = slope, round(r2, 4)
    if slope <= 0 or not hard:
        trend.projection = "not growing"
        return trend
    hours = (hard - intercept) / slope  # hours after the first point
    when = datetime.fromtimestamp(origin + hours * 3600, timezone.utc)
    trend.projection, trend.exhaustion = "growing", max(when, now)
    return trend


@lru_cache(maxsize=4096)
def tidy(value: Decimal, binary: bool, whole: bool = False) -> str:
    """`value` rounded up to two significant digits (to a whole number for object counts), in
    canonical form: a limit people can read."""
    if value <= 0:
        return "0"
    if binary:
        unit = Decimal(2 ** 20) if value >= 2 ** 20 else Decimal(1)
    else:
        unit = Decimal(10) ** (math.floor(math.log10(value)) - 1)
        unit = max(unit, Decimal(1) if whole else Decimal("0.001"))
    return quantity.format_quantity((value / unit).to_integral_value(rounding="ROUND_CEILING") * unit, binary)


def _target(name: str) -> tuple[str, str, str]:
    """`.../quotaUsage` -> (cluster, namespace, ''); `.../resourcequotas/{q}/usage` -> (c, n, q)."""
    parts = (name or "").split("/")
    if len(parts) == 5 and parts[4] == "quotaUsage":
        quota = ""
    elif len(parts) == 7 and parts[4] == "resourcequotas" and parts[6] == "usage":
        quota = check_dns_label(parts[5], "name", "quota") if parts[5] else ""
    else:
        raise InvalidArgument.field("name", f"{name!r}: expected clusters/{{cluster}}/namespaces/{{namespace}}/"
                                    "quotaUsage or .../resourcequotas/{quota}/usage")
    if parts[0] != "clusters" or parts[2] != "namespaces":
        raise InvalidArgument.field("name", f"{name!r} does not start with clusters/{{cluster}}/namespaces/")
    cluster = parts[1] if parts[1] == ALL else check_dns_label(parts[1], "name", "cluster")
    namespace = parts[3] if parts[3] == ALL else check_dns_label(parts[3], "name", "namespace")
    if quota and ALL in (cluster, namespace):
        raise InvalidArgument.field("name", "one quota's usage names its cluster and namespace")
    return cluster, namespace, quota


def demand(pods: list[dict[str, Any]]) -> dict[str, Decimal]:
    """Requests and limits summed over pods that hold them (not finished), with the pod count,
    as the quota controller counts them."""
    totals: dict[str, Decimal] = {"pods": Decimal(0)}
    for pod in pods:
        if (pod.get("status") or {}).get("phase") in _DONE:
            continue
        totals["pods"] += 1
        for c in (pod.get("spec") or {}).get("containers") or []:
            res = c.get("resources") or {}
            for kind in ("requests", "limits"):
                for resource, text in (res.get(kind) or {}).items():
                    key = f"{kind}.{resource}"
                    totals[key] = totals.get(key, Decimal(0)) + quantity.value_of(text)
    return totals


def _scope(quota: str) -> tuple[str, str]:
    """clusters/{c}/namespaces/{n}/resourcequotas/{q} -> (c, n)."""
    parts = quota.split("/")
    return parts[1], parts[3]


class QuotaUsage:
    def __init__(self, objects: QuotaObjects, policies: Policies,
                 jobs: Callable[[], tuple[TimeSeries, Alerts] | None]) -> None:
        # `jobs()`: the job system's time series and alert store, None when jobs are off.
        self.objects, self.policies, self.jobs = objects, policies, jobs

    async def get(self, name: str, window: timedelta | None, max_points: int, threshold: float | None,
                  omit_trends: bool) -> Usage:
        cluster, namespace, quota = _target(name)
        if max_points < 0:
            raise InvalidArgument.field("max_trend_points", "must not be negative")
        if window is not None and window <= timedelta(0):
            raise InvalidArgument.field("trend_window", "must be positive")
        if threshold is not None and not 0 < threshold <= 1000:
            raise InvalidArgument.field("alert_threshold_percent", f"{threshold} is not in (0, 1000]")
        clusters = [r.id for r in await self.objects.clusters.list()] if cluster == ALL else [cluster]
        answered, unreachable = await self.objects.each_cluster(
            clusters, lambda conn, c: self._read(conn, namespace, quota))
        if cluster != ALL and unreachable:
            raise Unavailable(f"cluster {cluster} did not answer: {unreachable[0]}", "CLUSTER_UNREACHABLE")
        now = datetime.now(timezone.utc)
        usage = Usage(name, now, unreachable=unreachable)
        caller = context.current().caller  # `-` spans only what the caller may see
        for c in clusters:
            if c not in answered:
                continue
            quotas, pods = answered[c]
            if quota and not quotas:
                raise NotFound(f"clusters/{c}/namespaces/{namespace}/resourcequotas/{quota} does not exist",
                               "NOT_FOUND")
            quoted = set()
            for q in quotas:
                meta, status = q["metadata"], q.get("status") or {}
                quoted.add(meta["namespace"])
                if not visible(caller, c, meta["namespace"]):
                    continue
                qname = f"clusters/{c}/namespaces/{meta['namespace']}/resourcequotas/{meta['name']}"
                for resource, hard in sorted((status.get("hard") or (q.get("spec") or {}).get("hard") or {}).items()):
                    used = (status.get("used") or {}).get(resource, "0")
                    h, u = quantity.value_of(hard), quantity.value_of(used)
                    usage.resources.append(ResourceUsage(qname, resource, str(hard), str(used), float(h), float(u),
                                                         round(quantity.percent(u, h), 2)))
            if not quota:
                by_ns: dict[str, list[dict[str, Any]]] = {}
                for pod in pods:
                    by_ns.setdefault(pod["metadata"]["namespace"], []).append(pod)
                for ns in sorted(n for n in set(by_ns) - quoted if visible(caller, c, n)):
                    usage.unquoted.append(Demand(f"clusters/{c}/namespaces/{ns}", {
                        k: quantity.format_quantity(v, k.endswith(("memory", "storage")))
                        for k, v in demand(by_ns[ns]).items()}))
        usage.resources.sort(key=lambda r: (-r.percent, r.quota, r.resource) if cluster == ALL or namespace == ALL
                             else (r.quota, r.resource))
        await self._alerts(usage, threshold)
        await self._trends(usage, window or DEFAULT_WINDOW, max_points or DEFAULT_POINTS, omit_trends, now)
        return usage

    async def _read(self, conn: ClusterConnection, namespace: str, quota: str
                    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        ns = "" if namespace == ALL else namespace
        rt = await conn.resolve("resourcequotas")
        if quota:
            try:
                return [await conn.get_object(rt, ns, quota)], []
            except NotFound:
                return [], []
        quotas = await list_all(conn, rt, ns)
        pods = await list_all(conn, await conn.resolve("pods"), ns)
        return quotas, pods

    async def _alerts(self, usage: Usage, threshold: float | None) -> None:
        jobs = self.jobs()
        raised = {a.subject: a.id for a in await jobs[1].list(open_only=True)} if jobs is not None else {}
        policies = await self.policies.for_namespaces({_scope(r.quota) for r in usage.resources})
        for r in usage.resources:
            policy = policies[_scope(r.quota)]
            if threshold is None and not policy.enabled:
                continue
            warning, critical = (threshold, threshold) if threshold is not None else policy.thresholds(r.resource)
            if r.percent >= 100:
                severity, crossed = "CRITICAL", 100.0
            elif r.percent >= critical:
                severity, crossed = "HIGH", critical
            elif r.percent >= warning:
                severity, crossed = "MEDIUM", warning
            else:
                continue
            usage.alerts.append(UsageAlert(r.quota, r.resource, r.percent, crossed, severity,
                                           f"{r.resource} of {r.quota}: {r.used} of {r.hard} used "
                                           f"({r.percent:.0f}%, threshold {crossed:g}%)",
                                           raised.get(f"{r.quota}/{r.resource}", "")))
        order = {"CRITICAL": 0, "HIGH": 1, "MEDIUM": 2}
        usage.alerts.sort(key=lambda a: (order[a.severity], -a.percent))

    async def _trends(self, usage: Usage, window: timedelta, max_points: int, omit: bool, now: datetime) -> None:
        """Peaks and suggestions per resource and, unless `omit`, the trend with its projection.
        With `omit` no history is read: the peak is today's usage (the cheap answer)."""
        jobs = None if omit else self.jobs()
        series = jobs[0] if jobs is not None else None
        start = now - window
        step = max(1, int(window.total_seconds() // max_points))

        def read_all() -> list[list[Point]]:  # one thread hop for every series of the answer
            assert series is not None
            return [series.query(f"{r.quota}/{r.resource}/used", start, now, step).points for r in usage.resources]
        history = await asyncio.to_thread(read_all) if series is not None else [[] for _ in usage.resources]
        for r, points in zip(usage.resources, history):
            binary = quantity.is_binary(r.hard)
            peak = max([Decimal(str(p.value)) for p in points] + [Decimal(str(r.used_value))])
            whole = is_count(r.resource)
            r.peak = tidy(peak, binary, whole)
            r.suggested_hard = tidy(peak * HEADROOM, binary, whole)
            if omit:
                continue
            trend = project([(p.time, p.value) for p in points], r.hard_value, r.used_value, now)
            trend.quota, trend.resource = r.quota, r.resource
            trend.points = [(p.time, p.value, round(quantity.percent(Decimal(str(p.value)),
                                                                     Decimal(str(r.hard_value))), 2))
                            for p in points]
            usage.trends.append(trend)
