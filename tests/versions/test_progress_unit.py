"""ProgressFeed: reports from a worker thread reach the coroutine in order, coalesced to whole
percents (first and last of each stage kept), then the work's result or its error."""

from __future__ import annotations

import asyncio

import pytest

from server.versions.backups import ProgressFeed, Step


def _work(feed: ProgressFeed, total: int, fail: bool = False) -> str:
    for stage in ("verify", "restore"):
        for done in range(total + 1):
            feed.report(stage, done, total)
    if fail:
        raise RuntimeError("disk full")
    return "answer"


async def _collect(total: int, fail: bool = False) -> list[Step | str]:
    feed = ProgressFeed()
    return [event async for event in feed.follow(asyncio.to_thread(_work, feed, total, fail))]


def test_ten_thousand_reports_become_whole_percents_in_order() -> None:
    events = asyncio.run(_collect(10_000))
    assert events[-1] == "answer"
    steps = [e for e in events[:-1] if isinstance(e, Step)]
    assert len(steps) == len(events) - 1
    for stage in ("verify", "restore"):
        mine = [s for s in steps if s.stage == stage]
        assert len(mine) == 101 and mine[0].done == 0 and mine[-1].done == mine[-1].total == 10_000
        assert [s.done for s in mine] == sorted(s.done for s in mine)
    assert steps.index(next(s for s in steps if s.stage == "restore")) == 101  # verify's steps all came first


def test_small_work_reports_every_step_and_an_error_comes_after_them() -> None:
    feed_steps: list[Step] = []

    async def run() -> None:
        feed = ProgressFeed()
        async for event in feed.follow(asyncio.to_thread(_work, feed, 3, True)):
            assert isinstance(event, Step)
            feed_steps.append(event)
    with pytest.raises(RuntimeError, match="disk full"):
        asyncio.run(run())
    assert [(s.stage, s.done) for s in feed_steps] == [(st, d) for st in ("verify", "restore") for d in range(4)]
