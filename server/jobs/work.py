"""The jobs the server runs by itself, each a small class whose dependencies come through its
constructor: the drift recorder (one job per cluster), scheduled backups with retention, the
samplers of cluster metrics and quota usage, and the health watch. Each evaluates its alert rules
as it goes (server/alerts)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from gitstore import BackupManifest
from server.alerts.config import AlertingConfig, AlertRule
from server.alerts.notify import Notifier
from server.alerts.store import Alerts, Severity, subject_scope
from server.clusters.health import HealthChecks
from server.clusters.inventory import NODES, PODS, list_all
from server.clusters.metrics import node_usage, usage_summary
from server import context
from server.context import Caller
from server.errors import Aborted, InvalidArgument, KubecommitError
from server.jobs.runner import Job
from server.kube.quantity import value_of as quantity
from server.jobs.schedule import Schedule
from server.jobs.timeseries import TimeSeries
from server.kube import ClusterPool
from server.quotas.model import AlertPolicy
from server.quotas.policies import Policies
from server.registry import ClusterRegistry
from server.versions.apply import Writer
from server.versions.backups import Backups
from server.versions.common import MAIN
from server.versions.drift import ADDED, MODIFIED, Drift, commit_drifts, detect

RECORDER = Caller(name="drift-recorder", email="drift-recorder@kubecommit.localhost", role="admin")
BACKUP_SCHEDULER = Caller(name="backup-scheduler", email="backup-scheduler@kubecommit.localhost", role="admin")
DRIFT_MODES = ("import", "alert", "off")
# A cluster's tag choosing its recorder mode (`off` on request).
DRIFT_TAG = "drift-recorder"
SCHEDULED = "scheduled"


def field_manager(obj: dict[str, Any] | None) -> str:
    """The manager of the newest managedFields entry of the object itself (not its status):
    who changed it last. Entries of one second are ordered as the server appended them."""
    entries = [e for e in ((obj or {}).get("metadata") or {}).get("managedFields") or []
               if not e.get("subresource")]
    newest = max(enumerate(entries), key=lambda pair: (pair[1].get("time") or "", pair[0]), default=None)
    return newest[1].get("manager", "") if newest else ""


class DriftRecorder:
    """Per cluster: out-of-band changes against main, imported as commits by the recorder (one
    per field manager that made them) or only raised as a drift alert."""

    def __init__(self, writer: Writer, clusters: ClusterRegistry, alerts: Alerts, config: AlertingConfig,
                 mode: str, schedule: Schedule) -> None:
        if mode not in DRIFT_MODES:
            raise InvalidArgument.field("drift_recorder_mode", f"one of {', '.join(DRIFT_MODES)}")
        self.writer, self.clusters, self.alerts, self.config = writer, clusters, alerts, config
        self.mode, self.schedule = mode, schedule

    async def jobs(self) -> list[Job]:
        out = []
        for record in await self.clusters.list():
            mode = record.tags.get(DRIFT_TAG, self.mode)
            if mode in ("import", "alert"):
                out.append(Job(f"drift-{record.id}", self.schedule,
                               lambda c=record.id, m=mode: self.record(c, m),
                               f"drift recorder of clusters/{record.id} ({mode})", RECORDER))
        return out

    async def _managers(self, drifts: list[Drift]) -> dict[str, list[Drift]]:
        conn = await self.writer.pool.get(drifts[0].name.cluster)
        groups: dict[str, list[Drift]] = {}
        for drift in drifts:
            manager = ""
            if drift.kind in (ADDED, MODIFIED):
                rt = await conn.resolve(drift.name.resource)
                manager = field_manager(await self.writer.live(conn, rt, drift.name))
            groups.setdefault(manager, []).append(drift)
        return groups

    def _etags(self, cluster: str) -> dict[str, str]:
        store = self.writer.store
        return {p: store.read(p, MAIN).etag for p in store.list_paths(f"clusters/{cluster}", MAIN)}

    async def record(self, cluster: str, mode: str) -> str:
        # Main's etags before the cluster is read: an import must not undo a write made meanwhile.
        before = await self.writer.storage.run(self._etags, cluster)
        drifts, checked = await detect(self.writer, f"clusters/{cluster}", "", "")
        rule = await self.config.enabled_rule("drift")
        subject = f"clusters/{cluster}"
        if mode == "alert" or not drifts:
            if rule is not None:
                await self.alerts.observe(rule.id, subject, Severity[rule.severity] if drifts else None,
                                          f"{len(drifts)} resource(s) changed outside kubecommit: "
                                          + ", ".join(str(d.name) for d in drifts[:10]))
            return f"{len(drifts)} drifted of {checked} checked"
        commits = []
        for manager, group in sorted((await self._managers(drifts)).items()):
            by = f" by {manager}" if manager else ""
            message = (f"Record {len(group)} change(s) made outside kubecommit{by} in {subject}\n\n"
                       + "".join(f"{d.kind}: {d.name}\n" for d in group)
                       + (f"\nField-Manager: {manager}" if manager else ""))
            expected = {d.name.store_path: before.get(d.name.store_path) for d in group}
            try:
                commits.append(await commit_drifts(self.writer, group, message, expected))
            except Aborted:
                return f"main changed while checking clusters/{cluster}: left for the next run"
        return f"imported {len(drifts)} change(s) in {len(commits)} commit(s)"


class BackupScheduler:
    """Scheduled backups of the store, full or incremental chains, pruned by count and age;
    never the base of a kept incremental. Manual backups are never pruned."""

    def __init__(self, backups: Backups, alerts: Alerts, config: AlertingConfig, *, schedule: Schedule | None,
                 mode: str, full_every: int, keep_count: int, keep_days: float) -> None:
        if mode not in ("full", "incremental"):
            raise InvalidArgument.field("backup_mode", "full or incremental")
        self.backups, self.alerts, self.config = backups, alerts, config
        self.schedule, self.mode = schedule, mode
        self.full_every, self.keep_count, self.keep_age = max(1, full_every), keep_count, timedelta(days=keep_days)

    async def jobs(self) -> list[Job]:
        if self.schedule is None:
            return []
        return [Job("backups", self.schedule, self.run, f"scheduled backups ({self.mode})", BACKUP_SCHEDULER)]

    def _scheduled(self) -> list[BackupManifest]:
        """Scheduled backups, oldest first."""
        return [m for m in self.backups.store.list_backups(self.backups.directory)
                if self.backups.info(m).description == SCHEDULED]

    def _base(self, scheduled: list[BackupManifest]) -> str:
        if self.mode == "full" or not scheduled:
            return ""
        by_id = {m.backup_id: m for m in scheduled}
        chain, current = 1, scheduled[-1]
        while current.base and current.base in by_id:
            chain, current = chain + 1, by_id[current.base]
        return "" if chain >= self.full_every else scheduled[-1].backup_id

    def expired(self, scheduled: list[BackupManifest], now: datetime) -> list[str]:
        """Ids to delete, dependants before their bases: beyond the count or the age, unless a
        kept backup builds on them."""
        newest_first = list(reversed(scheduled))
        kept = {m.backup_id for m in newest_first[:self.keep_count] if now - m.created <= self.keep_age}
        by_id = {m.backup_id: m for m in scheduled}
        for backup in list(kept):
            base = by_id[backup].base
            while base:
                kept.add(base)
                base = by_id[base].base if base in by_id else None
        return [m.backup_id for m in newest_first if m.backup_id not in kept]

    async def run(self) -> str:
        rule = await self.config.enabled_rule("backup")
        try:
            summary = await self._run()
        except KubecommitError as error:
            if rule is not None:
                await self.alerts.observe(rule.id, "backups", Severity[rule.severity],
                                          f"scheduled backup failed: {error.message}")
            raise
        if rule is not None:
            await self.alerts.observe(rule.id, "backups", None)
        return summary

    async def _run(self) -> str:
        storage = self.backups.storage
        if not await storage.run(storage.sync.list_paths, "", MAIN):
            return "nothing to back up: the store is empty"
        scheduled = await storage.run(self._scheduled)
        base = self._base(scheduled)
        info = await self.backups.create(backup="", clusters=[], base=f"backups/{base}" if base else "",
                                         description=SCHEDULED)
        scheduled = await storage.run(self._scheduled)
        pruned = self.expired(scheduled, datetime.now(timezone.utc))
        for backup in pruned:
            await self.backups.delete(f"backups/{backup}")
        context.current().targets.extend(f"backups/{b}" for b in [info.manifest.backup_id, *pruned])
        kind = f"incremental on {base}" if base else "full"
        return f"backup {info.manifest.backup_id} ({kind}); pruned {len(pruned)}"


def _percent(used: Decimal, hard: Decimal) -> float:
    return float(used * 100 / hard) if hard else 0.0


class Samplers:
    """Every sample interval: cluster metrics and quota usage of every cluster into the time
    series, quota rules evaluated on the way, then downsampling."""

    def __init__(self, pool: ClusterPool, clusters: ClusterRegistry, series: TimeSeries, alerts: Alerts,
                 config: AlertingConfig, schedule: Schedule, policies: Policies) -> None:
        self.pool, self.clusters, self.policies = pool, clusters, policies
        self.series, self.alerts, self.config, self.schedule = series, alerts, config, schedule

    async def jobs(self) -> list[Job]:
        return [Job("samplers", self.schedule, self.run, "cluster metrics and quota usage into time series")]

    async def _cluster(self, cluster: str, rule: AlertRule | None, seen: set[str]) -> list[tuple[str, float]]:
        conn = await self.pool.get(cluster)
        nodes, pods, (usage, _) = await asyncio.gather(list_all(conn, NODES), list_all(conn, PODS), node_usage(conn))
        summary = usage_summary(nodes, pods, usage)
        prefix = f"clusters/{cluster}/metrics"
        ready = sum(1 for n in nodes for c in (n.get("status") or {}).get("conditions") or []
                    if c.get("type") == "Ready" and c.get("status") == "True")
        samples = [(f"{prefix}/nodes", len(nodes)), (f"{prefix}/nodes_ready", ready), (f"{prefix}/pods", len(pods))]
        for resource in ("cpu", "memory"):
            samples.append((f"{prefix}/{resource}_requests", summary[resource].requests))
            samples.append((f"{prefix}/{resource}_allocatable", summary[resource].allocatable))
            if usage is not None:
                samples.append((f"{prefix}/{resource}_usage", summary[resource].usage))
        samples += await self._quotas(cluster, conn, rule, seen)
        return samples

    async def _quotas(self, cluster: str, conn: Any, rule: AlertRule | None,
                      seen: set[str]) -> list[tuple[str, float]]:
        """Samples of every quota and resource; evaluates the rule and adds the subjects to `seen`."""
        samples = []
        policies: dict[str, AlertPolicy] = {}  # each namespace's quota alert policy (its thresholds)
        for quota in await list_all(conn, await conn.resolve("resourcequotas")):
            meta, status = quota["metadata"], quota.get("status") or {}
            name = f"clusters/{cluster}/namespaces/{meta['namespace']}/resourcequotas/{meta['name']}"
            hard, used = status.get("hard") or {}, status.get("used") or {}
            if rule is not None and meta["namespace"] not in policies:
                policies[meta["namespace"]] = await self.policies.effective(cluster, meta["namespace"], rule)
            for resource in sorted(hard):
                h, u = quantity(hard[resource]), quantity(used.get(resource))
                samples += [(f"{name}/{resource}/used", float(u)), (f"{name}/{resource}/hard", float(h))]
                if rule is None:
                    continue
                subject, percent = f"{name}/{resource}", _percent(u, h)
                seen.add(subject)
                policy = policies[meta["namespace"]]
                warning, critical = policy.thresholds(resource)
                severity = None if not policy.enabled else Severity.CRITICAL if percent >= critical else \
                    Severity.WARNING if percent >= warning else None
                await self.alerts.observe(rule.id, subject, severity,
                                          f"{resource} of {name}: {used.get(resource, '0')} of {hard[resource]} "
                                          f"used ({percent:.0f}%)")
        return samples

    async def run(self) -> str:
        rule = await self.config.enabled_rule("quota")
        now = datetime.now(timezone.utc)
        samples, failed, seen, unknown = [], [], set(), []
        for record in await self.clusters.list():
            try:
                samples += await self._cluster(record.id, rule, seen)
            except KubecommitError as error:
                failed.append(f"{record.id}: {error.message}")
                unknown.append(f"clusters/{record.id}/")
        if rule is not None:  # quotas (or clusters) gone since the last pass
            await self.alerts.resolve_missing(rule.id, seen, tuple(unknown))
        written = await asyncio.to_thread(self.series.write, samples, now)
        await asyncio.to_thread(self.series.downsample, now)
        if failed:
            raise KubecommitError(f"sampled {written}; failed: {'; '.join(failed)}", "SAMPLING_FAILED")
        return f"{written} samples"


class HealthWatch:
    """Every cluster's health: unreachable (critical), score under the rule's thresholds, crash
    loops (one alert per crash-looping pod container)."""

    def __init__(self, health: HealthChecks, clusters: ClusterRegistry, alerts: Alerts, config: AlertingConfig,
                 schedule: Schedule) -> None:
        self.health, self.clusters = health, clusters
        self.alerts, self.config, self.schedule = alerts, config, schedule

    async def jobs(self) -> list[Job]:
        return [Job("health-watch", self.schedule, self.run, "cluster health, unreachable clusters, crash loops")]

    async def run(self) -> str:
        rule = await self.config.enabled_rule("health")
        if rule is None:
            return "no health rule enabled"
        clusters = [r.id for r in await self.clusters.list()]
        reports = await self.health.check_many(clusters)
        all_loops: set[str] = set()
        unreachable = []
        for cluster, report in zip(clusters, reports):
            h, subject = report.health, f"clusters/{cluster}"
            reasons = {i.reason for i in h.issues}
            if "ClusterUnreachable" in reasons:
                unreachable.append(f"{subject}/")
            severity = Severity.CRITICAL if "ClusterUnreachable" in reasons or h.score < rule.critical_percent \
                else Severity.WARNING if h.score < rule.warning_percent else None
            await self.alerts.observe(rule.id, subject, severity,
                                      f"health score {h.score}: " + "; ".join(i.message for i in h.issues[:5]))
            loops = {i.resource or i.message: i.message for i in h.issues if i.reason == "CrashLoopBackOff"}
            for resource, message in loops.items():
                await self.alerts.observe(f"{rule.id}-crashloop", resource, Severity.WARNING, message)
            all_loops |= set(loops)
        # Clusters deleted since, pods no longer crash-looping (unless their cluster cannot be read).
        await self.alerts.resolve_missing(rule.id, {f"clusters/{c}" for c in clusters})
        await self.alerts.resolve_missing(f"{rule.id}-crashloop", all_loops, tuple(unreachable))
        return f"{len(clusters)} cluster(s) checked"


class Housekeeping:
    """Bounds the alert history and the delivery log (rows older than the retention go), and
    resolves alerts about clusters no longer registered (nothing else would clear them)."""

    def __init__(self, alerts: Alerts, notifier: Notifier, clusters: ClusterRegistry, retention_days: float) -> None:
        self.alerts, self.notifier, self.clusters = alerts, notifier, clusters
        self.retention = timedelta(days=retention_days)

    async def jobs(self) -> list[Job]:
        return [Job("housekeeping", Schedule(interval=3600), self.run,
                    "resolves alerts of deleted clusters; drops old resolved alerts and delivery records")]

    async def run(self) -> str:
        registered = {r.id for r in await self.clusters.list()}
        orphans = [a for a in await self.alerts.list(open_only=True)
                   if (where := subject_scope(a.subject)) is not None and where[0] not in registered]
        for alert in orphans:
            await self.alerts.observe(alert.rule, alert.subject, None)
        before = datetime.now(timezone.utc) - self.retention
        alerts, deliveries = await self.alerts.prune(before), await self.notifier.prune(before)
        return (f"resolved {len(orphans)} alert(s) of deleted clusters; dropped {alerts} resolved alert(s) "
                f"and {deliveries} delivery record(s)")
