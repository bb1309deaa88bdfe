"""Watching live objects: one cluster's watch that survives its resourceVersion expiring, and
many clusters' watches merged into one stream.

A Kubernetes watch resumes from the last resourceVersion it saw; when the API server's history
no longer reaches back that far (etcd compaction), it answers 410 Gone and the client must list
again. `ClusterWatch` does that by itself: it remembers what it has sent (by namespace and name,
with the object's resourceVersion), lists again, sends only the difference — new objects as
ADDED, changed ones as MODIFIED, vanished ones as DELETED with their last state — and watches on
from the new list. The caller of WatchResources sees no gap, no repeat and no error.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable

from server.clusters.model import LiveObject, WatchEvent, WatchEventType, WatchUnreachable
from server.errors import Aborted, KubecommitError, NotFound
from server.kube import ApiResource, ClusterConnection
from server.kube.streams import ClusterStreams

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (namespace, name)
# The merged stream's buffer per watch: a slow reader holds the clusters' watches back (they are
# read no faster than the caller takes events) instead of piling events up in memory.
_BUFFER = 256


def _key(obj: dict[str, Any]) -> Key:
    meta = obj.get("metadata") or {}
    return meta.get("namespace", ""), meta.get("name", "")


def _version(obj: dict[str, Any]) -> str:
    return (obj.get("metadata") or {}).get("resourceVersion", "")


def difference(sent: dict[Key, dict[str, Any]], listed: list[dict[str, Any]]) -> list[tuple[WatchEventType, dict[str, Any]]]:
    """The events that take a watcher who was sent `sent` to the state `listed`: ADDED for new
    objects, MODIFIED for objects whose resourceVersion moved, DELETED (the last state sent) for
    objects gone; unchanged objects send nothing. `sent` is updated to `listed`."""
    now = {_key(obj): obj for obj in listed}
    events: list[tuple[WatchEventType, dict[str, Any]]] = []
    for key, obj in now.items():
        before = sent.get(key)
        if before is None:
            events.append((WatchEventType.ADDED, obj))
        elif _version(before) != _version(obj):
            events.append((WatchEventType.MODIFIED, obj))
    events += [(WatchEventType.DELETED, obj) for key, obj in sent.items() if key not in now]
    sent.clear()
    sent.update(now)
    return events


@dataclass
class ClusterWatch:
    """The objects of one type in one cluster: a list, then every change, re-listed on 410."""

    cluster: str
    connection: ClusterConnection
    rt: ApiResource
    namespace: str
    label_selector: str
    field_selector: str
    visible: Callable[[dict[str, Any]], bool]
    sent: dict[Key, dict[str, Any]] = field(default_factory=dict)
    relists: int = 0  # lists after the first (a 410 each); tests and logs read it

    def _event(self, kind: WatchEventType, obj: dict[str, Any]) -> WatchEvent:
        return WatchEvent(kind, LiveObject(self.cluster, self.rt, obj))

    async def events(self) -> AsyncIterator[WatchEvent]:
        while True:
            listed = await self.connection.list_objects(self.rt, self.namespace, label_selector=self.label_selector,
                                                        field_selector=self.field_selector)
            for kind, obj in difference(self.sent, [o for o in listed.get("items") or [] if self.visible(o)]):
                yield self._event(kind, obj)
            try:
                async with ClusterStreams(self.connection) as streams:
                    async for kind_name, obj in streams.watch(
                            self.rt, self.namespace, (listed.get("metadata") or {}).get("resourceVersion", ""),
                            label_selector=self.label_selector, field_selector=self.field_selector):
                        if not self.visible(obj):
                            continue
                        kind = WatchEventType[kind_name]
                        if kind is WatchEventType.DELETED:
                            self.sent.pop(_key(obj), None)
                        else:
                            self.sent[_key(obj)] = obj
                        yield self._event(kind, obj)
            except Aborted as error:
                if error.reason != "EXPIRED":
                    raise
                self.relists += 1
                log.info("watch of %s in clusters/%s expired (%s); listing again", self.rt.type, self.cluster,
                         error.message)


async def merged(watches: dict[str, Callable[[], AsyncIterator[WatchEvent]]]
                 ) -> AsyncIterator[WatchEvent | WatchUnreachable]:
    """Every cluster's events as they arrive. A cluster that does not serve the type is left out;
    one that fails is reported once (WatchUnreachable) and the others go on. The stream ends
    when every cluster's has (or when the caller stops reading: every watch is then cancelled)."""
    queue: asyncio.Queue[WatchEvent | WatchUnreachable | None] = asyncio.Queue(_BUFFER)

    async def pump(cluster: str, events: Callable[[], AsyncIterator[WatchEvent]]) -> None:
        try:
            async for event in events():
                await queue.put(event)
        except NotFound as error:
            if error.reason != "UNKNOWN_RESOURCE_TYPE":
                await queue.put(WatchUnreachable(cluster, error.message))
        except KubecommitError as error:
            await queue.put(WatchUnreachable(cluster, error.message))
        finally:
            await queue.put(None)

    tasks = [asyncio.create_task(pump(cluster, events)) for cluster, events in watches.items()]
    try:
        running = len(tasks)
        while running:
            item = await queue.get()
            if item is None:
                running -= 1
            else:
                yield item
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
