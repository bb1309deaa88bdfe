"""The connection pool on its own: credentials replaced while a connection is being made never
leave the old ones pooled."""

from __future__ import annotations

import asyncio
from pathlib import Path

from server.kube import ClusterPool, Kubeconfig, parse_kubeconfig
from tests.clusters.helpers import kubeconfig_for


async def test_a_connection_loaded_before_forget_is_not_pooled(tmp_path: Path) -> None:
    servers = ["https://old.example:6443"]
    loading = asyncio.Event()
    release = asyncio.Event()

    async def loader(name: str) -> Kubeconfig:
        server = servers[0]
        loading.set()
        await release.wait()
        return parse_kubeconfig(kubeconfig_for(server, name))

    pool = ClusterPool(loader, cache_dir=tmp_path, timeout=1)
    try:
        getting = asyncio.create_task(pool.get("prod"))
        await loading.wait()  # the old credentials are loaded...
        servers[0] = "https://new.example:6443"  # ...while they are replaced
        pool.forget("prod")
        release.set()
        connection = await getting
        assert connection.server == "https://new.example:6443"
        assert await pool.get("prod") is connection
    finally:
        pool.close()
