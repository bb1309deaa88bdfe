"""The follow's queue (server/containers/inbox.py), pure logic: bounded with back-pressure,
putters woken in order, and cancelled waits (a timeout's too) neither lose nor duplicate an item.
The follows that use it are tested end to end in test_streams.py and test_stream_truth.py."""

from __future__ import annotations

import asyncio

import pytest

from server.containers.idle import QueueTimer
from server.containers.inbox import Inbox


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_put_waits_for_room_and_putters_go_in_order() -> None:
    inbox: Inbox[str] = Inbox(1)
    await inbox.put("first")
    assert inbox.full()
    with pytest.raises(asyncio.QueueFull):
        inbox.put_nowait("no room")
    waiting = [asyncio.create_task(inbox.put(name)) for name in ("a", "b", "c")]
    await _settle()
    assert not any(task.done() for task in waiting)
    taken = [inbox.get_nowait()]
    for _ in range(3):
        await _settle()
        taken.append(await inbox.get())
    assert taken == ["first", "a", "b", "c"]
    assert all(task.done() for task in waiting) and inbox.empty()
    with pytest.raises(asyncio.QueueEmpty):
        inbox.get_nowait()


async def test_a_woken_putter_cancelled_passes_its_turn_on() -> None:
    inbox: Inbox[str] = Inbox(1)
    inbox.put_nowait("x")
    first, second = asyncio.create_task(inbox.put("a")), asyncio.create_task(inbox.put("b"))
    await _settle()
    assert inbox.get_nowait() == "x"  # wakes `first`...
    first.cancel()  # ...which is cancelled before it runs
    await _settle()
    assert first.cancelled() and second.done()
    assert inbox.get_nowait() == "b" and inbox.empty()


async def test_a_cancelled_get_takes_nothing() -> None:
    inbox: Inbox[str] = Inbox(4)
    getter = asyncio.create_task(inbox.get())
    await _settle()
    inbox.put_nowait("kept")  # wakes the getter...
    getter.cancel()  # ...which is cancelled before it runs
    await _settle()
    assert getter.cancelled()
    assert await inbox.get() == "kept" and inbox.empty()


async def test_one_consumer() -> None:
    inbox: Inbox[str] = Inbox(1)
    getter = asyncio.create_task(inbox.get())
    await _settle()
    with pytest.raises(RuntimeError):
        await inbox.get()
    inbox.put_nowait("one")
    assert await getter == "one"


async def test_queue_timer_times_out_without_losing_the_next_item() -> None:
    inbox: Inbox[str] = Inbox(2)
    timer: QueueTimer[str] = QueueTimer(inbox, 0)
    assert await timer.next() is None  # nothing sent for `seconds`: a heartbeat is due
    inbox.put_nowait("line")
    assert await timer.next() == "line"
