"""Everything the services share at run time, built once at start-up and handed to each
servicer: settings, the versioned store and its key, the cluster registry and connection pool;
security as it lands.

The store is synchronous (dulwich and SQLite); services call it through `asyncio.to_thread` so
the event loop never waits on disk.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from gitstore import Author, Store, StoreKey
from server.clusters.registry import ClusterRegistry
from server.config import Settings
from server.kube import ClusterPool

COMMITTER = Author(name="kubecommit", email="kubecommit@localhost")


@dataclass
class Runtime:
    settings: Settings
    key: StoreKey
    store: Store
    # Registered clusters (inventory, credentials, state).
    clusters: ClusterRegistry
    # Connections to them: `await runtime.pool.get(cluster_id)` -> ClusterConnection.
    pool: ClusterPool

    @classmethod
    async def create(cls, settings: Settings) -> "Runtime":
        data = settings.data_dir
        data.mkdir(parents=True, exist_ok=True, mode=0o700)
        # KUBECOMMIT_STORE_KEY wins over the key file; the file is made (0600) on first start.
        key = StoreKey.from_config(data / "store.key")
        store = await asyncio.to_thread(Store.open, data / "store", key=key, committer=COMMITTER)
        clusters = ClusterRegistry(store, key, data, settings.allow_exec_credentials)
        pool = ClusterPool(clusters.kubeconfig, cache_dir=data / "cache",
                           timeout=settings.cluster_timeout_seconds)
        return cls(settings=settings, key=key, store=store, clusters=clusters, pool=pool)

    async def close(self) -> None:
        self.pool.close()
        self.clusters.close()
        await asyncio.to_thread(self.store.close)
