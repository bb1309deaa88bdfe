"""A watch cache of registered clusters: per cluster and kind that carries labels, an informer
(list, then watch from the list's resourceVersion; a watch whose version has expired, 410 Gone,
lists again, and so does a lost one once the cluster answers again), so that selections across
50,000 objects are answered from memory instead of by the cluster's own list, which costs the
cluster O(all objects) per page.

Readers ask `view(cluster, resource)`: a synced informer's view, or None — then they read the
cluster as before (and the informer is started for next time). An informer is synced from its
first complete list until its watch breaks; while it re-lists or reconnects it answers None, so a
reader never gets an answer older than the watch it came from. Results are the cluster's own: the
objects exactly as listed or watched, ordered by namespace and name as the API server lists them.

Bounded: at most `max_objects` per cluster over all its kinds; a kind that would go over is
stopped and its readers go to the cluster. The watch itself is the one ClustersService.WatchResources
uses (server/kube/streams.py `ClusterStreams.watch`). Nothing here knows any particular server.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from dataclasses import dataclass
from collections import Counter
from typing import Any, Awaitable, Callable, Iterable, Mapping

from server.errors import Aborted, KubecommitError
from server.kube.connection import ClusterConnection
from server.kube.labels import Selector
from server.kube.resources import ApiResource
from server.kube.streams import ClusterStreams

log = logging.getLogger("kubecommit.kube.cache")

# Kinds that carry labels but churn constantly (and that label selections skip by default).
NOISY = frozenset({"events", "events.events.k8s.io"})
# A full list of a big kind takes longer than one ordinary call's timeout.
LIST_TIMEOUT_SECONDS = 120.0
RETRY_MAX_SECONDS = 30.0
# How long a reader waits for the watch to deliver kubecommit's own last write before it reads
# the cluster instead.
CATCH_UP_SECONDS = 2.0

Key = tuple[str, str]  # (namespace, name): the API server's list order


def cacheable(rt: ApiResource) -> bool:
    """Kinds worth a cache: listable and watchable, events excepted."""
    return "list" in rt.verbs and "watch" in rt.verbs and rt.type not in NOISY


@dataclass(frozen=True)
class KindStatus:
    cluster: str
    resource: str
    synced: bool
    objects: int
    # Complete lists made: 1 after the first sync, one more per re-list (410, lost watch).
    lists: int
    # Why the informer is not synced ("" when it is): listing, watch lost, over the bound.
    problem: str = ""


class Informer:
    """The objects of one kind in one cluster (all namespaces), kept current by a watch."""

    def __init__(self, cache: "ClusterCache", rt: ApiResource) -> None:
        self.cache = cache
        self.rt = rt
        self.objects: dict[Key, dict[str, Any]] = {}
        self._keys: list[Key] | None = []  # sorted keys; None when objects were added or removed
        # Per namespace ("" for cluster-scoped objects): how many objects carry each (key, value)
        # label, kept with every event, so an inventory of keys costs the distinct pairs, not the objects.
        self.label_counts: dict[str, Counter[tuple[str, str]]] = {}
        self.synced = False
        self.lists = 0
        self.problem = "listing"
        self.task: asyncio.Task[None] | None = None
        # The newest resourceVersion the informer has seen (-1: not a number, cannot be compared),
        # and kubecommit's own newest write of this kind that it must see before it answers.
        self.seen = 0
        self.needed = 0
        self._moved = asyncio.Event()

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run(), name=f"informer {self.cache.name}/{self.rt.type}")

    @staticmethod
    def key(obj: dict[str, Any]) -> Key:
        meta = obj.get("metadata") or {}
        return str(meta.get("namespace") or ""), str(meta.get("name") or "")

    def _unsynced(self, problem: str) -> None:
        self.synced = False
        self.problem = problem
        self._moved.set()

    async def _list(self, conn: ClusterConnection) -> str:
        listed = await conn.list_objects(self.rt, timeout=max(conn.timeout, LIST_TIMEOUT_SECONDS))
        items = listed.get("items") or []
        if not self.cache.admit(self, len(items), replacing=True):
            raise _OverBound()
        self.objects = {self.key(o): o for o in items}
        self._keys = None
        self.label_counts = {}
        for obj in items:
            self._count(obj, 1)
        self.lists += 1
        self.synced, self.problem = True, ""
        version = str((listed.get("metadata") or {}).get("resourceVersion") or "")
        self._saw(version)
        return version

    def _saw(self, version: str) -> None:
        self.seen = int(version) if version.isdigit() else -1
        self._moved.set()
        self._moved = asyncio.Event()

    def wrote(self, version: str, deleted: bool) -> None:
        """kubecommit wrote an object of this kind (a deletion is seen with a newer version)."""
        if version.isdigit():
            self.needed = max(self.needed, int(version) + deleted)

    def caught_up(self) -> bool:
        return self.synced and self.seen >= self.needed and self.seen >= 0

    async def ready(self) -> bool:
        """Synced and past kubecommit's own writes, waiting a little for the watch to get there."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CATCH_UP_SECONDS
        while self.synced and not self.caught_up() and self.seen >= 0:
            left = deadline - loop.time()
            try:
                if left <= 0:
                    raise asyncio.TimeoutError
                await asyncio.wait_for(self._moved.wait(), left)
            except asyncio.TimeoutError:
                # Not seen in time (a deletion a finalizer holds back is seen at the version it
                # returned, not after it): this read goes to the cluster, later ones stop waiting.
                self.needed = self.seen
                return False
        return self.caught_up()

    async def _run(self) -> None:
        failures = 0
        version = ""
        while True:
            try:
                conn = await self.cache.connection()
                if not version:
                    version = await self._list(conn)
                    failures = 0
                async for kind, obj in self.cache.streams(conn).watch(self.rt, "", version):
                    version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
                    self._event(kind, obj)
                    self._saw(version)
                    failures = 0
            except asyncio.CancelledError:
                raise
            except _OverBound:
                self._unsynced(f"over the cache bound of {self.cache.max_objects} objects per cluster")
                self.objects, self._keys, self.label_counts = {}, [], {}
                log.warning("watch cache bound reached: %s/%s is read from the cluster", self.cache.name, self.rt.type)
                return
            except KubecommitError as error:
                if isinstance(error, Aborted) and error.reason == "EXPIRED":
                    # 410 Gone: the version is older than the cluster keeps; only a new list is exact.
                    self._unsynced("re-listing: the watch expired (410 Gone)")
                    version = ""
                    continue
                # Lost (cluster away, connection cut): the events missed meanwhile are not known to
                # have all arrived until a new list, so the kind is read from its cluster until then.
                self._unsynced(f"watch lost: {error.message}")
                version = ""
                failures += 1
                await asyncio.sleep(min(RETRY_MAX_SECONDS, 0.5 * 2 ** failures))
            except Exception as error:  # a malformed event must not end the informer silently
                log.exception("informer %s/%s failed", self.cache.name, self.rt.type)
                self._unsynced(f"failed: {type(error).__name__}")
                version = ""
                failures += 1
                await asyncio.sleep(min(RETRY_MAX_SECONDS, 0.5 * 2 ** failures))

    def _count(self, obj: Mapping[str, Any], step: int) -> None:
        meta = obj.get("metadata") or {}
        counts = self.label_counts.setdefault(str(meta.get("namespace") or ""), Counter())
        for pair in (meta.get("labels") or {}).items():
            counts[pair] += step
            if counts[pair] <= 0:
                del counts[pair]

    def _event(self, kind: str, obj: dict[str, Any]) -> None:
        key = self.key(obj)
        old = self.objects.get(key)
        if old is not None:
            self._count(old, -1)
        if kind == "DELETED":
            if self.objects.pop(key, None) is not None:
                self._keys = None
            return
        if old is None:
            if not self.cache.admit(self, 1, replacing=False):
                raise _OverBound()
            self._keys = None
        self.objects[key] = obj
        self._count(obj, 1)

    def keys(self) -> list[Key]:
        if self._keys is None:
            self._keys = sorted(self.objects)
        return self._keys

    def items(self, namespace: str, selector: Selector, after: Key | None = None, limit: int = 0
              ) -> tuple[list[dict[str, Any]], Key | None]:
        """Objects of `namespace` ("" = all) the selector matches, in list order, after `after`,
        at most `limit` (0 = all); and the key of the last one when more remain (a continue)."""
        keys = self.keys()
        if namespace:
            lo = bisect.bisect_left(keys, (namespace, ""))
            if after is not None:
                lo = max(lo, bisect.bisect_right(keys, after))
        else:
            lo = 0 if after is None else bisect.bisect_right(keys, after)
        out: list[dict[str, Any]] = []
        for i in range(lo, len(keys)):
            key = keys[i]
            if namespace and key[0] != namespace:
                break
            obj = self.objects[key]
            if not selector.matches((obj.get("metadata") or {}).get("labels")):
                continue
            if limit and len(out) == limit:
                return out, self.key(out[-1])
            out.append(dict(obj))  # readers may add apiVersion/kind; the cached object stays as listed
        return out, None

    def status(self) -> KindStatus:
        return KindStatus(self.cache.name, self.rt.type, self.synced, len(self.objects), self.lists, self.problem)


class _OverBound(Exception):
    """The cluster's cache would hold more than its bound."""


class ClusterCache:
    """The informers of one cluster."""

    def __init__(self, name: str, connection: Callable[[], Awaitable[ClusterConnection]], max_objects: int) -> None:
        self.name = name
        self.connection = connection
        self.max_objects = max_objects
        self.informers: dict[str, Informer] = {}
        self._streams: ClusterStreams | None = None

    def streams(self, conn: ClusterConnection) -> ClusterStreams:
        """One ClusterStreams for all the cluster's watches (each is one streaming GET on the
        connection's shared session, server/kube/streams.py `shared_session`)."""
        if self._streams is None or self._streams.conn is not conn:
            self._streams = ClusterStreams(conn)
        return self._streams

    def admit(self, informer: Informer, count: int, *, replacing: bool) -> bool:
        """Room for `count` more objects of `informer` (a list replaces the ones it holds)."""
        held = sum(len(i.objects) for i in self.informers.values() if i is not informer)
        return held + (0 if replacing else len(informer.objects)) + count <= self.max_objects

    def ensure(self, rt: ApiResource) -> Informer:
        informer = self.informers.get(rt.type)
        if informer is None or informer.rt != rt:
            if informer is not None and informer.task is not None:
                informer.task.cancel()  # the preferred version changed
            informer = self.informers[rt.type] = Informer(self, rt)
            informer.start()
        return informer

    def stop(self) -> list[asyncio.Task[None]]:
        """Cancels every informer; returns their tasks (their upstreams close once they end)."""
        tasks = [i.task for i in self.informers.values() if i.task is not None]
        for task in tasks:
            task.cancel()
        self.informers.clear()
        streams, self._streams = self._streams, None
        if streams is not None:
            informers = list(tasks)

            async def close() -> None:
                await asyncio.gather(*informers, return_exceptions=True)
                await streams.close()
            tasks.append(asyncio.get_running_loop().create_task(close()))
        return tasks


class WatchCache:
    """Informers of every registered cluster's label-carrying kinds (docs/configuration.md:
    `watch_cache_enabled`, `watch_cache_max_objects`)."""

    def __init__(self, connect: Callable[[str], Awaitable[ClusterConnection]], *, enabled: bool,
                 max_objects: int) -> None:
        self._connect = connect
        self.enabled = enabled
        self.max_objects = max_objects
        self.clusters: dict[str, ClusterCache] = {}
        self._starting: set[asyncio.Task[None]] = set()

    def _cluster(self, name: str) -> ClusterCache:
        cache = self.clusters.get(name)
        if cache is None:
            cache = self.clusters[name] = ClusterCache(name, lambda: self._connect(name), self.max_objects)
        return cache

    async def start(self, cluster: str) -> None:
        """Informers for every label-carrying kind the cluster serves (kinds found later start
        when first read)."""
        if not self.enabled:
            return
        cache = self._cluster(cluster)
        conn = await self._connect(cluster)
        for rt in await conn.resources():
            if cacheable(rt):
                cache.ensure(rt)

    async def start_all(self, clusters: Iterable[str]) -> None:
        """At server start: every registered cluster; one that cannot be reached now starts when read."""
        for cluster in clusters:
            await self._start_quietly(cluster)

    async def view(self, cluster: str, rt: ApiResource) -> Informer | None:
        """The synced informer of this kind, or None (read the cluster); starts it when missing.
        Read-your-writes: an informer that has not yet seen kubecommit's own last write of the
        kind is waited for (CATCH_UP_SECONDS), then passed over. Changes others make reach the
        cache as fast as the watch delivers them."""
        if not self.enabled or not cacheable(rt):
            return None
        if cluster not in self.clusters:  # first read of a cluster (registered since the start): all its kinds
            self._starting.add(asyncio.get_running_loop().create_task(self._start_quietly(cluster)))
        informer = self._cluster(cluster).ensure(rt)
        return informer if await informer.ready() else None

    async def _start_quietly(self, cluster: str) -> None:
        try:
            await self.start(cluster)
        except KubecommitError as error:
            log.warning("watch cache of %s not started: %s", cluster, error.message)
        finally:
            self._starting.discard(asyncio.current_task())  # type: ignore[arg-type]

    def written(self, cluster: str, rt: ApiResource, version: str, deleted: bool) -> None:
        """A pooled connection wrote an object (ClusterPool.on_write)."""
        cache = self.clusters.get(cluster)
        informer = cache.informers.get(rt.type) if cache is not None else None
        if informer is not None:
            informer.wrote(version, deleted)

    def forget(self, cluster: str) -> None:
        """The cluster was deleted or its credentials replaced: its informers stop."""
        cache = self.clusters.pop(cluster, None)
        if cache is not None:
            cache.stop()  # the tasks end on their own; nothing waits for them

    def status(self) -> list[KindStatus]:
        return [i.status() for c in list(self.clusters.values()) for i in list(c.informers.values())]

    async def close(self) -> None:
        for task in self._starting:
            task.cancel()
        tasks = [*self._starting, *(t for cache in list(self.clusters.values()) for t in cache.stop())]
        self.clusters.clear()
        await asyncio.gather(*tasks, return_exceptions=True)
