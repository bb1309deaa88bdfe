"""The quotas domain, built once from the runtime: objects, usage and alert policies."""

from __future__ import annotations

from dataclasses import dataclass

from server.jobs.timeseries import TimeSeries
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

    @classmethod
    def create(cls, runtime: Runtime) -> "Quotas":
        objects = QuotaObjects(runtime, Writer(runtime), runtime.settings.fanout_timeout_seconds)
        policies = Policies(runtime.store)

        def series() -> TimeSeries | None:
            return runtime.operations.series if runtime.operations is not None else None

        return cls(objects, QuotaUsage(objects, policies, series), policies)
