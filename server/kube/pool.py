"""Connections per cluster, made once and reused, replaced when credentials change."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Awaitable, Callable

from server.kube.connection import ClusterConnection
from server.kube.kubeconfig import Kubeconfig
from server.kube.resources import ApiResource

# Loads a registered cluster's kubeconfig (decrypted); raises NotFound for unknown clusters.
KubeconfigLoader = Callable[[str], Awaitable[Kubeconfig]]


class ClusterPool:
    def __init__(self, loader: KubeconfigLoader, *, cache_dir: Path, timeout: float,
                 watch_timeout: float = 300.0, max_threads: int = 64) -> None:
        self._loader = loader
        self._cache_dir = cache_dir
        self.timeout = timeout
        self.watch_timeout = watch_timeout
        # Cluster calls block in the client; a pool of their own keeps one slow cluster from
        # starving the default executor that everything else uses.
        self.executor = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="kube")
        self._connections: dict[str, ClusterConnection] = {}
        self._lock = asyncio.Lock()
        # Bumped by every `forget`: a connection made from credentials loaded before it is stale.
        self._forgotten = 0
        # Called with the cluster's name by every `forget` (the watch cache stops its informers).
        self.on_forget: list[Callable[[str], None]] = []
        # Called with (cluster, resource, resourceVersion, deleted) after every write a pooled
        # connection makes (the watch cache's read-your-writes).
        self.on_write: list[Callable[[str, ApiResource, str, bool], None]] = []

    def connect(self, name: str, kubeconfig: Kubeconfig | None, timeout: float | None = None) -> ClusterConnection:
        """A connection that is not pooled: for testing credentials before they are kept."""
        return ClusterConnection(name, kubeconfig, executor=self.executor,
                                 timeout=timeout or self.timeout, cache_dir=self._cache_dir, on_write=self._written,
                                 watch_timeout=self.watch_timeout)

    def _written(self, cluster: str, rt: ApiResource, version: str, deleted: bool) -> None:
        for listener in self.on_write:
            listener(cluster, rt, version, deleted)

    async def get(self, name: str) -> ClusterConnection:
        connection = self._connections.get(name)
        if connection is not None:
            return connection
        async with self._lock:
            while name not in self._connections:
                before = self._forgotten
                kubeconfig = await self._loader(name)
                # Loading the client's configuration writes certificate files: off the loop.
                connection = await asyncio.to_thread(self.connect, name, kubeconfig)
                if self._forgotten != before:
                    # Credentials were replaced (or the cluster deleted) while these loaded:
                    # pooling them would keep the old ones until the next change.
                    connection.close()
                    continue
                self._connections[name] = connection
            return self._connections[name]

    def forget(self, name: str) -> None:
        """Drop a connection (credentials replaced or cluster deleted)."""
        self._forgotten += 1
        for listener in self.on_forget:
            listener(name)
        connection = self._connections.pop(name, None)
        if connection is not None:
            connection.close()

    def pooled(self) -> list[str]:
        """The clusters connected now."""
        return list(self._connections)

    def close(self) -> None:
        for name in list(self._connections):
            self.forget(name)
        self.executor.shutdown(wait=False, cancel_futures=True)
