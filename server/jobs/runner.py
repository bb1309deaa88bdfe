"""The server's one job runner: a scheduler loop that asks its providers which jobs exist (a drift
recorder per cluster, backups, samplers, ...), starts those that are due, and records how each
run went in the job state.

- Due times come from the last recorded run (`due_time`), so a job missed while the server was
  down runs once at start, never once per missed slot.
- A job never overlaps itself: a job still running is not started again.
- Only the server holding the runner lock runs jobs; the others keep trying, and take over
  when the holder stops.
- `stop()` stops the loop and waits for running jobs (cancelled after a grace period).
- A run that changed something (drift imported, a backup made) is an audit record, `rpc`
  `job:{name}`, caller the job's identity.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Awaitable, Callable, Iterable

from server import context
from server.context import SYSTEM_CALLER, Caller
from server.errors import KubecommitError, NotFound
from server.jobs.schedule import Schedule, due_time
from server.jobs.state import FAILED, SUCCEEDED, JobRecord, JobState, RunnerLock
from server.security.audit import MAX_TARGETS, AuditEvent

log = logging.getLogger("kubecommit.jobs")

# What a job does; returns a short summary of what it did ("" when nothing to say).
Action = Callable[[], Awaitable[str]]


@dataclass(frozen=True)
class Job:
    name: str  # a resource id: `drift-demo`, `backups`, `sample-metrics`
    schedule: Schedule
    action: Action
    description: str = ""
    # Whose name the job's commits and audit records carry.
    caller: Caller = SYSTEM_CALLER


# Providers list the jobs that exist now (clusters come and go).
Provider = Callable[[], Awaitable[Iterable[Job]]]


@dataclass
class JobStatus:
    job: Job
    record: JobRecord
    running: bool
    next_run: datetime | None  # None while paused


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _describe(error: BaseException) -> str:
    """Domain errors say what is wrong; anything else only its type (no secret in job records)."""
    if isinstance(error, KubecommitError):
        return error.message
    return f"{type(error).__name__}: {error}"


class JobRunner:
    def __init__(self, state: JobState, lock: RunnerLock, providers: list[Provider], *, tick: float = 1.0,
                 concurrency: int = 4, stop_grace: float = 10.0,
                 audit: Callable[[AuditEvent], None] | None = None,
                 on_finished: Callable[[str, str, float], None] | None = None) -> None:
        self.state = state
        # Runs that changed something (their call context names targets) go to the audit log.
        self.audit = audit
        # Told (job, outcome, seconds) after every run: the metrics endpoint counts them.
        self.on_finished = on_finished
        self.lock = lock
        self.providers = providers
        self.tick = tick
        self.stop_grace = stop_grace
        self._gate = asyncio.Semaphore(concurrency)
        self._jobs: dict[str, Job] = {}
        self._running: dict[str, asyncio.Task[None]] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._refreshed = 0.0

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        self._loop_task = asyncio.create_task(self._loop(), name="kubecommit-jobs")

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
            self._loop_task = None
        running = list(self._running.values())
        if running:
            _, pending = await asyncio.wait(running, timeout=self.stop_grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        self.lock.release()

    async def _loop(self) -> None:
        while True:
            try:
                await self.step()
            except Exception:  # a broken provider must not stop every other job
                log.exception("job runner step failed")
            try:
                await asyncio.wait_for(self._wake.wait(), self.tick)
            except TimeoutError:
                pass
            self._wake.clear()

    # -- scheduling -------------------------------------------------------------------------

    async def refresh(self) -> dict[str, Job]:
        jobs: dict[str, Job] = {}
        for provider in self.providers:
            for job in await provider():
                jobs[job.name] = job
        await asyncio.to_thread(self.state.ensure, list(jobs), utcnow())
        self._jobs = jobs
        self._refreshed = time.monotonic()
        return jobs

    async def step(self) -> list[str]:
        """One pass: start every due job that is not running; returns the names started."""
        if not self.lock.try_acquire():
            return []
        if time.monotonic() - self._refreshed >= self.tick * 5 or not self._jobs:
            await self.refresh()
        records = await asyncio.to_thread(self.state.records)
        now = utcnow()
        started = []
        for name, job in self._jobs.items():
            record = records.get(name)
            if record is None or name in self._running:
                continue
            if record.requested or (not record.paused and due_time(job.schedule, record.last_run,
                                                                   record.created) <= now):
                if record.requested:
                    await asyncio.to_thread(self.state.set_flag, name, "requested", False)
                self._running[name] = asyncio.create_task(self._run(job), name=f"job-{name}")
                started.append(name)
        return started

    async def _run(self, job: Job) -> None:
        call = context.CallContext(method=f"job:{job.name}", request_id=f"job-{uuid.uuid4().hex[:16]}",
                                   caller=job.caller)
        token = context.bind(call)
        started, clock = utcnow(), time.monotonic()
        outcome, error, summary = SUCCEEDED, "", ""
        try:
            async with self._gate:
                summary = await job.action() or ""
        except asyncio.CancelledError:
            outcome, error = FAILED, "cancelled: the server stopped during the run"
            raise
        except Exception as failure:
            outcome, error = FAILED, _describe(failure)
            log.warning("job failed", extra={"job": job.name, "error": error})
        finally:
            context.unbind(token)
            self._running.pop(job.name, None)
            seconds = time.monotonic() - clock
            await asyncio.shield(asyncio.to_thread(self.state.finished, job.name, started, outcome, seconds,
                                                   error, summary))
            if self.on_finished is not None:
                self.on_finished(job.name, outcome, seconds)
            if self.audit is not None and call.targets:
                self.audit(AuditEvent(
                    time=started.timestamp(), caller=job.caller.name, role=job.caller.role, rpc=call.method,
                    targets=tuple(dict.fromkeys(call.targets))[:MAX_TARGETS],
                    code="OK" if outcome == SUCCEEDED else "UNKNOWN", request_id=call.request_id,
                    duration_ms=round(seconds * 1000, 3)))

    # -- what the API asks ------------------------------------------------------------------

    async def list(self) -> list[JobStatus]:
        """Every job that exists now (asked of the providers, so a cluster registered a moment
        ago has its drift recorder listed)."""
        jobs = await self.refresh()
        records = await asyncio.to_thread(self.state.records)
        out = []
        for name in sorted(jobs):
            job, record = jobs[name], records.get(name) or JobRecord(name, utcnow())
            next_run = None if record.paused else due_time(job.schedule, record.last_run, record.created)
            out.append(JobStatus(job, record, name in self._running, next_run))
        return out

    async def get(self, name: str) -> JobStatus:
        for status in await self.list():
            if status.job.name == name:
                return status
        raise NotFound(f"jobs/{name} does not exist", "JOB_NOT_FOUND", metadata={"job": name})

    async def _flag(self, name: str, flag: str, value: bool) -> JobStatus:
        await self.get(name)
        await asyncio.to_thread(self.state.set_flag, name, flag, value)
        self._wake.set()
        return await self.get(name)

    async def run_now(self, name: str) -> JobStatus:
        """Asks for a run at the next step (of whichever server runs jobs); a running job is not
        started twice, the request waits for the run in progress to end."""
        return await self._flag(name, "requested", True)

    async def pause(self, name: str) -> JobStatus:
        return await self._flag(name, "paused", True)

    async def resume(self, name: str) -> JobStatus:
        return await self._flag(name, "paused", False)

    async def wait_idle(self, name: str) -> None:
        """Waits for a run of `name` in progress (tests, shutdown of one job)."""
        task = self._running.get(name)
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
