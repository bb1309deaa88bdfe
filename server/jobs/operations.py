"""The jobs and alerting of one server, built once from the runtime (the composition root calls
`Operations.create`), started after the server serves and stopped before the runtime closes."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

from server.alerts.config import AlertingConfig
from server.alerts.notify import Notifier
from server.alerts.store import Alerts
from server.jobs.runner import JobRunner
from server.jobs.schedule import Schedule
from server.jobs.state import JobState, RunnerLock
from server.jobs.timeseries import TimeSeries
from server.quotas.policies import Policies
from server.jobs.work import BackupScheduler, DriftRecorder, HealthWatch, Housekeeping, Samplers
from server.replication.ha import LeaderOnlyLock
from server.runtime import Runtime


@dataclass
class Operations:
    runner: JobRunner
    series: TimeSeries
    alerts: Alerts
    config: AlertingConfig
    notifier: Notifier
    enabled: bool

    @classmethod
    def create(cls, runtime: Runtime) -> "Operations":
        s, data = runtime.settings, runtime.settings.data_dir
        # Schedules are checked before anything opens: a bad one stops the start naming the setting.
        drift = Schedule.parse(s.drift_recorder_schedule, "drift_recorder_schedule")
        backup = Schedule.parse(s.backup_schedule, "backup_schedule") if s.backup_schedule.strip() else None
        samples = Schedule.parse(s.sample_schedule, "sample_schedule")
        watch = Schedule.parse(s.health_schedule, "health_schedule")
        config = AlertingConfig(runtime.store, data)
        versions, clusters = runtime.domains.versions, runtime.domains.clusters
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
                DriftRecorder(versions.writer, runtime.clusters, alerts, config, s.drift_recorder_mode, drift).jobs,
                BackupScheduler(versions.backups, alerts, config, schedule=backup,
                                mode=s.backup_mode, full_every=s.backup_full_every, keep_count=s.backup_keep_count,
                                keep_days=s.backup_keep_days).jobs,
                Samplers(runtime.pool, runtime.clusters, series, alerts, config, samples, Policies(runtime.store)).jobs,
                HealthWatch(clusters.health, runtime.clusters, alerts, config, watch).jobs,
                Housekeeping(alerts, notifier, runtime.clusters, s.alert_retention_days).jobs,
            ]
            lock = RunnerLock(data)
            if runtime.replication is not None:  # with replicas, only the leader runs jobs
                lock = LeaderOnlyLock(lock, runtime.replication)
            runner = JobRunner(state, lock, providers, tick=s.jobs_tick_seconds,
                               stop_grace=s.shutdown_grace_seconds, audit=runtime.audit.record,
                               on_finished=runtime.metrics.count_job)
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
