"""Object storage with a cluster-wide resourceVersion and a bounded watch-event history.

All methods run on the simulator's event loop thread, so no locking is needed. Objects are kept in
their stored form (storage apiVersion); callers get deep copies so handlers can mutate freely.
"""

from __future__ import annotations

import asyncio
import copy
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterator

Key = tuple[str, str]  # (namespace, name); namespace "" for cluster-scoped


@dataclass
class Event:
    rv: int
    resource: str  # ResourceType.key
    type: str  # ADDED / MODIFIED / DELETED
    obj: dict


@dataclass
class Watcher:
    """A live watch: receives events for one resource, optionally one namespace."""

    resource: str
    namespace: str | None
    queue: asyncio.Queue[Event | None] = field(default_factory=asyncio.Queue)


class Expired(Exception):
    """The requested resourceVersion is older than the retained history (HTTP 410)."""


class Store:
    def __init__(self, history: int = 5000) -> None:
        self.rv = 1
        self.objects: dict[str, dict[Key, dict]] = {}
        self.history: deque[Event] = deque(maxlen=history)
        self.compacted_rv = 1  # events with rv <= this are gone
        self.watchers: list[Watcher] = []

    # -- reads -----------------------------------------------------------------------------
    def get(self, resource: str, namespace: str, name: str) -> dict | None:
        obj = self.objects.get(resource, {}).get((namespace, name))
        return copy.deepcopy(obj) if obj is not None else None

    def peek(self, resource: str, namespace: str, name: str) -> dict | None:
        """Like get() without copying: for read-only use by controllers."""
        return self.objects.get(resource, {}).get((namespace, name))

    def iter(self, resource: str, namespace: str | None = None) -> Iterator[dict]:
        """Stored objects (not copies) in name order, optionally limited to a namespace."""
        items = self.objects.get(resource, {})
        for key in sorted(items):
            if namespace is None or key[0] == namespace:
                yield items[key]

    def list(self, resource: str, namespace: str | None = None) -> list[dict]:
        return [copy.deepcopy(o) for o in self.iter(resource, namespace)]

    # -- writes ----------------------------------------------------------------------------
    def _next_rv(self) -> int:
        self.rv += 1
        return self.rv

    def put(self, resource: str, obj: dict) -> dict:
        """Create or replace; stamps resourceVersion, records and fans out the event."""
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        bucket = self.objects.setdefault(resource, {})
        etype = "MODIFIED" if key in bucket else "ADDED"
        rv = self._next_rv()
        meta["resourceVersion"] = str(rv)
        bucket[key] = copy.deepcopy(obj)
        self._emit(Event(rv, resource, etype, copy.deepcopy(obj)))
        return obj

    def remove(self, resource: str, namespace: str, name: str) -> dict | None:
        obj = self.objects.get(resource, {}).pop((namespace, name), None)
        if obj is None:
            return None
        rv = self._next_rv()
        obj["metadata"]["resourceVersion"] = str(rv)
        self._emit(Event(rv, resource, "DELETED", copy.deepcopy(obj)))
        return obj

    def drop_resource(self, resource: str) -> None:
        """Forget every object of a resource (its CRD was deleted)."""
        for ns, name in list(self.objects.get(resource, {})):
            self.remove(resource, ns, name)
        self.objects.pop(resource, None)

    # -- watch -----------------------------------------------------------------------------
    def _emit(self, ev: Event) -> None:
        if len(self.history) == self.history.maxlen:
            self.compacted_rv = self.history[0].rv
        self.history.append(ev)
        ns = ev.obj["metadata"].get("namespace", "")
        for w in self.watchers:
            if w.resource == ev.resource and (w.namespace is None or w.namespace == ns):
                w.queue.put_nowait(ev)

    def compact(self) -> None:
        """Drop all watch history, as etcd compaction would; older resourceVersions get 410."""
        self.history.clear()
        self.compacted_rv = self.rv

    def expire_watches(self, meanwhile: Callable[[], object] | None = None) -> None:
        """What an API server does when etcd compacts past its open watches: every open watch
        ends, `meanwhile` changes what it likes (no watch sees it), the revision moves on (in a
        real etcd other keys change all the time) and history is compacted to it. A client that
        resumes from the last version it saw gets 410 Expired and must list again."""
        self.close_watchers()
        if meanwhile is not None:
            meanwhile()
        self._next_rv()
        self.compact()

    def events_since(self, resource: str, namespace: str | None, rv: int) -> list[Event]:
        if rv < self.compacted_rv:
            raise Expired(f"too old resource version: {rv} ({self.compacted_rv})")
        return [e for e in self.history
                if e.rv > rv and e.resource == resource
                and (namespace is None or e.obj["metadata"].get("namespace", "") == namespace)]

    def list_at(self, resource: str, namespace: str | None, rv: int) -> list[dict]:
        """Objects as they were at resourceVersion `rv` (a list with resourceVersionMatch=Exact),
        rebuilt by undoing the retained history; 410 when that history no longer reaches back."""
        if rv < self.compacted_rv:
            raise Expired(f"too old resource version: {rv} ({self.compacted_rv})")
        later = self.events_since(resource, namespace, rv)
        touched = {(e.obj["metadata"].get("namespace", ""), e.obj["metadata"]["name"]) for e in later}
        state = {k: o for k, o in self.objects.get(resource, {}).items()
                 if k not in touched and (namespace is None or k[0] == namespace)}
        for key in touched:
            before = [e for e in self.history if e.rv <= rv and e.resource == resource
                      and (e.obj["metadata"].get("namespace", ""), e.obj["metadata"]["name"]) == key]
            first_after = next(e for e in later
                               if (e.obj["metadata"].get("namespace", ""), e.obj["metadata"]["name"]) == key)
            if before:
                if before[-1].type != "DELETED":
                    state[key] = before[-1].obj
            elif first_after.type != "ADDED":  # existed before the retained history began
                raise Expired(f"too old resource version: {rv} ({self.compacted_rv})")
        return [copy.deepcopy(state[k]) for k in sorted(state)]

    def subscribe(self, resource: str, namespace: str | None) -> Watcher:
        w = Watcher(resource, namespace)
        self.watchers.append(w)
        return w

    def unsubscribe(self, w: Watcher) -> None:
        if w in self.watchers:
            self.watchers.remove(w)

    def close_watchers(self) -> None:
        for w in self.watchers:
            w.queue.put_nowait(None)
        self.watchers.clear()
