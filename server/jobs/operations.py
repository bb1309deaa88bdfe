"""The jobs and alerting of one server, wired once by the composition root (server/runtime.py
calls `Operations.create` with what they use), started after the server serves and stopped
before the runtime closes."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from typing import Callable

from server.alerts.config import AlertingConfig
from server.alerts.notify import Notifier
from server.alerts.store import Alerts
from server.clusters import Clusters
from server.config import Settings
from server.jobs.runner import JobRunner
from server.jobs.schedule import Schedule
from server.jobs.state import JobState, RunnerLock
from server.jobs.timeseries import TimeSeries
from server.jobs.work import BackupScheduler, DriftRecorder, HealthWatch, Housekeeping, Samplers
from server.kube import ClusterPool
from server.registry import ClusterRegistry
from server.replication.ha import LeaderOnlyLock, Replication
from server.security.audit import AuditEvent
from server.storage import Storage
from server.versions import Versions


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
               versions: Versions, clusters: Clusters, *, replication: Replication | None,
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
        config = AlertingConfig(storage, data)
        with ExitStack() as opened:  # a failed start closes the databases it had opened
            alerts = Alerts(data)
            opened.callback(alerts.close)
            series = TimeSeries(data, s.timeseries_retention_days)
            opened.callback(series.close)
            state = JobState(data)
            opened.callback(state.close)
            notifier = Notifier(alerts, config, data, timeout=s.webhook_timeout_seconds,
                                attempts=s.webhook_attempts)
            opened.callback(notifier.close_db)
            providers = [
                DriftRecorder(versions.writer, registry, alerts, config, s.drift_recorder_mode, drift).jobs,
                BackupScheduler(versions.backups, alerts, config, schedule=backup,
                                mode=s.backup_mode, full_every=s.backup_full_every, keep_count=s.backup_keep_count,
                                keep_days=s.backup_keep_days).jobs,
                Samplers(pool, registry, series, alerts, config, samples).jobs,
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

    def start(self) -> None:
        if self.enabled:
            self.runner.start()

    async def close(self) -> None:
        await self.runner.stop()
        await self.notifier.close()
        self.runner.state.close()
        self.series.close()
        self.alerts.close()
