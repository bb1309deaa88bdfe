"""The quotas domain, built once by the composition root (server/runtime.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from server.alerts.store import Alerts
from server.jobs.timeseries import TimeSeries
from server.kube import ClusterPool
from server.quotas.check import ManifestCheck
from server.quotas.objects import QuotaObjects
from server.quotas.policies import Policies
from server.quotas.usage import QuotaUsage
from server.registry import ClusterRegistry
from server.storage import Storage
from server.versions.apply import Writer

# The job system's time series and alerts once it runs (None when jobs are off).
JobData = Callable[[], "tuple[TimeSeries, Alerts] | None"]


@dataclass(frozen=True)
class Quotas:
    objects: QuotaObjects
    usage: QuotaUsage
    policies: Policies
    manifests: ManifestCheck

    @classmethod
    def create(cls, storage: Storage, pool: ClusterPool, clusters: ClusterRegistry, writer: Writer,
               fanout_timeout: float, jobs: JobData) -> "Quotas":
        objects = QuotaObjects(pool, clusters, writer, fanout_timeout)
        policies = Policies(storage)
        return cls(objects, QuotaUsage(objects, policies, jobs), policies, ManifestCheck(objects))
