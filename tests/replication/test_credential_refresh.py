"""A follower's credential refresh against the real connection pool: a connection being made
from credentials read before a registration changed is discarded, not pooled."""

from __future__ import annotations

import asyncio
from pathlib import Path

from kubesim import Simulator
from server.kube import ClusterPool, Kubeconfig, parse_kubeconfig
from server.replication.ha import CredentialRefresh


def test_a_connection_made_while_the_registration_changed_is_not_kept(tmp_path: Path) -> None:
    first, second = Simulator(seed=False, log_interval=None), Simulator(seed=False, log_interval=None)
    first.port, second.port = 1001, 1002  # only their kubeconfigs are used: nothing is dialled
    credentials = {"demo": parse_kubeconfig(first.kubeconfig_text("demo"))}
    registrations = {"demo": "etag-1"}

    async def scenario() -> str:
        loading, release = asyncio.Event(), asyncio.Event()

        async def loader(name: str) -> Kubeconfig:
            seen = credentials[name]
            loading.set()
            await release.wait()
            return seen

        async def current() -> dict[str, str]:
            return dict(registrations)

        pool = ClusterPool(loader, cache_dir=tmp_path, timeout=2)
        refresh = CredentialRefresh(current, pool)
        await refresh()  # the first look: nothing pooled yet
        getting = asyncio.create_task(pool.get("demo"))
        await loading.wait()  # the old credentials are read...
        credentials["demo"] = parse_kubeconfig(second.kubeconfig_text("demo"))
        registrations["demo"] = "etag-2"
        await refresh()  # ...the fetch brings the update while the connection is being made
        release.set()
        try:
            return (await getting).server
        finally:
            pool.close()

    assert asyncio.run(scenario()) == "http://127.0.0.1:1002"
