"""A bounded FIFO queue with one consumer: the queue of a log follow, lighter than asyncio.Queue.

A follow's readers, its control task and its pod watch put what they produce on one bounded queue
that its sender drains. asyncio.Queue allocates four deques up front (the items, waiting getters,
waiting putters, and the Event behind `join`), ~3 KB that each of hundreds of idle follows held
for nothing; an Inbox holds two lists, and a future per task while it waits. The semantics the
follow relies on are asyncio.Queue's: `put` waits for room (back-pressure) and waiting putters are
woken in order, one per item taken; `get` waits for an item; a cancelled `put` or `get` (a
timeout's too, see idle.QueueTimer) neither loses nor duplicates an item, and a putter woken but
cancelled passes its turn on."""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

T = TypeVar("T")


class Inbox(Generic[T]):
    __slots__ = ("maxsize", "_items", "_getter", "_putters")

    def __init__(self, maxsize: int) -> None:
        if maxsize <= 0:
            raise ValueError("an Inbox is bounded")
        self.maxsize = maxsize
        self._items: list[T] = []
        self._getter: asyncio.Future[None] | None = None  # the consumer, waiting for an item
        self._putters: list[asyncio.Future[None]] = []  # producers waiting for room, oldest first

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        return len(self._items) >= self.maxsize

    def qsize(self) -> int:
        return len(self._items)

    def put_nowait(self, item: T) -> None:
        if self.full():
            raise asyncio.QueueFull
        self._items.append(item)
        getter = self._getter
        if getter is not None and not getter.done():
            getter.set_result(None)

    async def put(self, item: T) -> None:
        while self.full():
            room: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._putters.append(room)
            try:
                await room
            except BaseException:
                room.cancel()  # when it was not woken
                if room in self._putters:
                    self._putters.remove(room)
                if not self.full() and not room.cancelled():
                    self._wake_putter()  # woken by a get but cancelled: the next one's turn
                raise
        self.put_nowait(item)

    def get_nowait(self) -> T:
        if not self._items:
            raise asyncio.QueueEmpty
        item = self._items.pop(0)
        self._wake_putter()
        return item

    async def get(self) -> T:
        while not self._items:
            if self._getter is not None:
                raise RuntimeError("an Inbox has one consumer")
            self._getter = asyncio.get_running_loop().create_future()
            try:
                await self._getter
            finally:
                self._getter = None
        return self.get_nowait()

    def _wake_putter(self) -> None:
        while self._putters:
            room = self._putters.pop(0)
            if not room.done():
                room.set_result(None)
                return
