"""The quotas domain, built once from the runtime: objects, usage and alert policies."""

from __future__ import annotations

from dataclasses import dataclass

from server.alerts.store import Alerts
from server.jobs.timeseries import TimeSeries
from server.quotas.check import ManifestCheck
from server.quotas.objects import QuotaObjects
from server.quotas.policies import Policies
from server.quotas.usage import QuotaUsage
from server.runtime import Runtime
from server.versions.apply import Writer


@dataclass
class Quotas:
    objects: QuotaObjects
    usage: QuotaUsage
    policies: Policies
    manifests: ManifestCheck

    @classmethod
    def create(cls, runtime: Runtime) -> "Quotas":
        objects = QuotaObjects(runtime, Writer(runtime), runtime.settings.fanout_timeout_seconds)
        policies = Policies(runtime.store)

        # The job system's time series and alerts exist once the composition root made them (and
        # not at all when jobs are off): asked for at each call.
        def series() -> TimeSeries | None:
            return runtime.operations.series if runtime.operations is not None else None

        def alerts() -> Alerts | None:
            return runtime.operations.alerts if runtime.operations is not None else None

        return cls(objects, QuotaUsage(objects, policies, series, alerts), policies, ManifestCheck(runtime, objects))
