"""The jobs and alerting of one server, wired once by the composition root (server/runtime.py
calls `Operations.create` with what they use), started after the server serves and stopped
before the runtime closes."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from typing import AsyncIterator, Callable

from server import paging
from server.alerts.access import may_see
from server.alerts.config import AlertingConfig, AlertRule, Channel, ChannelSecrets
from server.alerts.notify import Delivery, Notifier
from server.alerts.store import FILTER_KEYS, Alert, Alerts, glob, matches, parse_filter
from server.clusters import Clusters
from server.config import Settings
from server.jobs.runner import JobRunner, JobStatus
from server.jobs.schedule import Schedule
from server.jobs.state import JobState, RunnerLock
from server.jobs.timeseries import TimeSeries
from server.jobs.work import BackupScheduler, DriftRecorder, HealthWatch, Housekeeping, Samplers
from server.kube import ClusterPool
from server.quotas.policies import Policies
from server.registry import ClusterRegistry
from server.replication.ha import LeaderOnlyLock, Replication
from server.security.audit import AuditEvent
from server.storage import Storage
from server.versions import Versions

# The filter fields of ListJobs.
JOB_FILTER = ("name", "paused", "outcome")


@dataclass
class Operations:
    runner: JobRunner
    series: TimeSeries
    alerts: Alerts
    config: AlertingConfig
    notifier: Notifier
    enabled: bool

    @classmethod
    def create(cls, s: Settings, storage: Storage, registry: ClusterRegistry, pool: ClusterPool,
               versions: Versions, clusters: Clusters, signing: ChannelSecrets, *,
               replication: Replication | None,
               audit: Callable[[AuditEvent], None], on_finished: Callable[[str, str, float], None]
               ) -> "Operations":
        """`replication`: with replicas, only the leader runs jobs; `audit` records runs that
        changed something, `on_finished` counts every run (metrics)."""
        data = s.data_dir
        # Schedules are checked before anything opens: a bad one stops the start naming the setting.
        drift = Schedule.parse(s.drift_recorder_schedule, "drift_recorder_schedule")
        backup = Schedule.parse(s.backup_schedule, "backup_schedule") if s.backup_schedule.strip() else None
        samples = Schedule.parse(s.sample_schedule, "sample_schedule")
        watch = Schedule.parse(s.health_schedule, "health_schedule")
        config = AlertingConfig(storage, signing)
        with ExitStack() as opened:  # a failed start closes the databases it had opened
            alerts = Alerts(data, s.database_url)
            opened.callback(alerts.close)
            series = TimeSeries(data, s.timeseries_retention_days, s.database_url)
            opened.callback(series.close)
            state = JobState(data, s.database_url)
            opened.callback(state.close)
            notifier = Notifier(alerts, config, data, timeout=s.webhook_timeout_seconds,
                                attempts=s.webhook_attempts, database_url=s.database_url)
            opened.callback(notifier.close_db)
            providers = [
                DriftRecorder(versions.writer, registry, alerts, config, s.drift_recorder_mode, drift).jobs,
                BackupScheduler(versions.backups, alerts, config, schedule=backup,
                                mode=s.backup_mode, full_every=s.backup_full_every, keep_count=s.backup_keep_count,
                                keep_days=s.backup_keep_days).jobs,
                Samplers(pool, registry, series, alerts, config, samples, Policies(storage)).jobs,
                HealthWatch(clusters.health, registry, alerts, config, watch).jobs,
                Housekeeping(alerts, notifier, registry, s.alert_retention_days).jobs,
            ]
            lock = RunnerLock(data)
            if replication is not None:
                lock = LeaderOnlyLock(lock, replication)
            runner = JobRunner(state, lock, providers, tick=s.jobs_tick_seconds,
                               stop_grace=s.shutdown_grace_seconds, audit=audit,
                               on_finished=on_finished)
            opened.pop_all()
        return cls(runner, series, alerts, config, notifier, s.jobs_enabled)

    # -- the Lists: filtered and paged here (server/paging.py), converted by the servicer ----------

    async def list_jobs(self, filter: str, page_size: int, token: str) -> tuple[list[JobStatus], str]:
        terms = parse_filter(filter, JOB_FILTER)
        statuses = [s for s in await self.runner.list()
                    if glob(s.job.name, terms.get("name", "*").removeprefix("jobs/"))
                    and ("paused" not in terms or str(s.record.paused).lower() == terms["paused"].lower())
                    and ("outcome" not in terms or s.record.outcome == terms["outcome"].lower())]
        return paging.offset_page(statuses, ("jobs", filter), page_size, token)

    async def list_series(self, prefix: str, page_size: int, token: str) -> tuple[list[str], str]:
        """The series names under `prefix` that the caller may see."""
        names = [n for n in await self.series.names_async(prefix) if may_see(n)]
        return paging.offset_page(names, ("timeSeries", prefix), page_size, token)

    async def list_alerts(self, filter: str, page_size: int, token: str) -> tuple[list[Alert], str]:
        terms = parse_filter(filter, FILTER_KEYS)
        alerts = [a for a in await self.alerts.list() if matches(a, terms) and may_see(a.subject)]
        return paging.offset_page(alerts, ("alerts", filter), page_size, token)

    async def watch_alerts(self, filter: str) -> AsyncIterator[tuple[Alert, str]]:
        """Changes (alert, change) to the alerts that match `filter` and the caller may see."""
        terms = parse_filter(filter, FILTER_KEYS)
        async for alert, change in self.alerts.watch():
            if matches(alert, terms) and may_see(alert.subject):
                yield alert, change

    async def list_channels(self, page_size: int, token: str) -> tuple[list[Channel], str]:
        return paging.offset_page(await self.config.list(Channel), ("notificationChannels",), page_size, token)

    async def test_channel(self, channel_id: str) -> list[Delivery]:
        """Sends the channel a test notification now; its attempts (NOT_FOUND for an unknown channel)."""
        return await self.notifier.test(await self.config.get(Channel, channel_id))

    async def list_deliveries(self, channel_id: str, page_size: int, token: str) -> tuple[list[Delivery], str]:
        """The channel's newest delivery attempts (NOT_FOUND for an unknown channel)."""
        channel = await self.config.get(Channel, channel_id)
        rows = await self.notifier.deliveries_async(channel.id)
        return paging.offset_page(rows, ("deliveries", f"notificationChannels/{channel_id}"), page_size, token)

    async def list_rules(self, page_size: int, token: str) -> tuple[list[AlertRule], str]:
        rules = sorted(await self.config.rules(), key=lambda r: r.id)
        return paging.offset_page(rules, ("alertRules",), page_size, token)

    def start(self) -> None:
        if self.enabled:
            self.runner.start()

    async def close(self) -> None:
        await self.runner.stop()
        await self.notifier.close()
        self.runner.state.close()
        self.series.close()
        self.alerts.close()
