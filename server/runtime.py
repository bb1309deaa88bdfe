"""Everything the services share at run time, built once at start-up and handed to each
servicer: settings, the versioned store and its key; security and cluster access as they land.

The store is synchronous (dulwich and SQLite); services call it through `asyncio.to_thread` so
the event loop never waits on disk.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from gitstore import Author, Store, StoreKey
from server.config import Settings

COMMITTER = Author(name="kubecommit", email="kubecommit@localhost")


@dataclass
class Runtime:
    settings: Settings
    key: StoreKey
    store: Store

    @classmethod
    async def create(cls, settings: Settings) -> "Runtime":
        data = settings.data_dir
        data.mkdir(parents=True, exist_ok=True, mode=0o700)
        # KUBECOMMIT_STORE_KEY wins over the key file; the file is made (0600) on first start.
        key = StoreKey.from_config(data / "store.key")
        store = await asyncio.to_thread(Store.open, data / "store", key=key, committer=COMMITTER)
        return cls(settings=settings, key=key, store=store)

    async def close(self) -> None:
        await asyncio.to_thread(self.store.close)
