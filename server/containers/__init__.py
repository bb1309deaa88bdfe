"""Containers: logs (list, follow, export), exec (one-shot and interactive) with a versioned
policy and recorded sessions, and files in and out of containers; see docs/containers.md."""

from __future__ import annotations

from dataclasses import dataclass

from server.containers.exec import Executor
from server.containers.files import Files
from server.containers.policy import Policies
from server.containers.records import Records
from server.runtime import Runtime


@dataclass
class Containers:
    runtime: Runtime
    records: Records
    policies: Policies
    executor: Executor
    files: Files

    @classmethod
    def create(cls, runtime: Runtime) -> "Containers":
        records = Records(runtime.settings.data_dir / "containers.db")
        runtime.on_close.append(records.close)
        policies = Policies(runtime.store)
        executor = Executor(runtime.pool, policies, records, runtime.sessions)
        return cls(runtime, records, policies, executor, Files(executor))
