"""The runner's rules as pure logic and on a real event loop: schedules, one run for many missed
slots, no overlap, pause/run-now, one runner per data directory, clean stop."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from server.errors import InvalidArgument, NotFound
from server.jobs.runner import Job, JobRunner
from server.jobs.schedule import Schedule, due_time
from server.jobs.state import FAILED, SUCCEEDED, JobState, RunnerLock

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)


def test_schedules_parse_cron_and_intervals() -> None:
    assert Schedule.parse("0 2 * * *", "s").cron == "0 2 * * *"
    assert Schedule.parse("every 5m", "s").interval == 300
    assert Schedule.parse("every 30s", "s").interval == 30
    for bad in ("every", "every -1m", "every xm", "61 * * * *", "* * *", "nonsense"):
        with pytest.raises(InvalidArgument):
            Schedule.parse(bad, "schedule")


def test_cron_next_slot_and_missed_runs_run_once() -> None:
    daily = Schedule.parse("0 2 * * *", "s")
    assert daily.next_after(T0) == datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
    # Never run: a cron job waits for its slot; an interval job is due at once.
    assert due_time(daily, None, T0) == datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
    assert due_time(Schedule(interval=60), None, T0) == T0
    # Last run three days ago: due once (the first missed slot is in the past) ...
    last = T0 - timedelta(days=3)
    assert due_time(daily, last, T0) <= T0
    # ... and after that one run, the next slot is in the future: no stampede of the other two.
    assert due_time(daily, T0, T0) > T0


def _runner(tmp_path: Path, jobs: list[Job], tick: float = 0.02) -> JobRunner:
    async def provide() -> list[Job]:
        return jobs
    return JobRunner(JobState(tmp_path), RunnerLock(tmp_path), [provide], tick=tick, stop_grace=0.5)


async def test_a_job_never_overlaps_itself(tmp_path: Path) -> None:
    active, most, runs = 0, 0, 0

    async def slow() -> str:
        nonlocal active, most, runs
        active += 1
        runs += 1
        most = max(most, active)
        await asyncio.sleep(0.15)
        active -= 1
        return "ok"

    runner = _runner(tmp_path, [Job("slow", Schedule(interval=0.01), slow)])
    runner.start()
    await asyncio.sleep(0.5)
    await runner.stop()
    assert most == 1 and 2 <= runs <= 4
    record = runner.state.records()["slow"]
    assert record.outcome in (SUCCEEDED, FAILED) and record.runs >= 2


async def test_missed_runs_after_a_restart_run_once(tmp_path: Path) -> None:
    calls: list[datetime] = []

    async def tick() -> str:
        calls.append(datetime.now(timezone.utc))
        return ""

    job = Job("hourly", Schedule(interval=3600), tick)
    state = JobState(tmp_path)
    state.ensure(["hourly"], T0 - timedelta(days=2))
    state.finished("hourly", datetime.now(timezone.utc) - timedelta(hours=30), SUCCEEDED, 0.1, "", "")
    state.close()
    runner = _runner(tmp_path, [job])
    runner.start()
    await asyncio.sleep(0.3)
    await runner.stop()
    assert len(calls) == 1  # 30 missed slots, one run
    record = runner.state.records()["hourly"]
    assert record.runs == 2 and record.last_run is not None
    assert record.last_run > datetime.now(timezone.utc) - timedelta(minutes=1)


async def test_failures_are_recorded_and_pause_and_run_now(tmp_path: Path) -> None:
    async def broken() -> str:
        raise RuntimeError("disk full")

    runner = _runner(tmp_path, [Job("broken", Schedule(interval=3600), broken)])
    await runner.step()
    await runner.wait_idle("broken")
    status = await runner.get("broken")
    assert status.record.outcome == FAILED and "disk full" in status.record.error
    assert status.next_run is not None and status.next_run > datetime.now(timezone.utc)
    assert await runner.step() == []  # not due again for an hour
    paused = await runner.pause("broken")
    assert paused.record.paused and paused.next_run is None
    await runner.run_now("broken")  # an admin's run goes through even while paused
    assert await runner.step() == ["broken"]
    await runner.wait_idle("broken")
    assert (await runner.get("broken")).record.runs == 2
    with pytest.raises(NotFound):
        await runner.run_now("missing")
    await runner.stop()


async def test_one_runner_per_data_directory(tmp_path: Path) -> None:
    calls = 0

    async def count() -> str:
        nonlocal calls
        calls += 1
        return ""

    jobs = [Job("every", Schedule(interval=0.01), count)]
    first, second = _runner(tmp_path, jobs), _runner(tmp_path, jobs)
    assert await first.step() == ["every"]
    assert await second.step() == []  # the lock is held by the first
    await first.stop()  # releases the lock: the second takes over
    await asyncio.sleep(0.05)
    assert await second.step() == ["every"]
    await second.stop()
    assert oct(os.stat(tmp_path / "jobs.db").st_mode & 0o777) == "0o600"


async def test_stop_cancels_a_run_that_outlives_the_grace(tmp_path: Path) -> None:
    async def forever() -> str:
        await asyncio.sleep(60)
        return ""

    runner = _runner(tmp_path, [Job("forever", Schedule(interval=1), forever)])
    await runner.step()
    await asyncio.sleep(0.05)
    await runner.stop()
    record = runner.state.records()["forever"]
    assert record.outcome == FAILED and "cancelled" in record.error


@pytest.mark.parametrize("setting,value", [("sample_schedule", "every x"), ("backup_schedule", "99 * * * *"),
                                           ("drift_recorder_mode", "sometimes"), ("backup_mode", "daily")])
def test_a_bad_job_setting_stops_the_start_naming_it(server_factory, setting: str, value: str) -> None:
    with pytest.raises(InvalidArgument) as failure:
        server_factory(**{setting: value})
    assert failure.value.violations[0].field == setting
