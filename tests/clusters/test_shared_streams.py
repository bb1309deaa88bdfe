"""The streams of a pooled cluster connection share one aiohttp session (connection pool), talking
to kubesim over HTTP: closing one RPC's streams leaves the others' follows open, and forgetting
the cluster closes the session."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Iterator

import pytest

from kubesim import Simulator
from server.kube import ClusterPool, Kubeconfig, parse_kubeconfig
from server.kube import paths
from server.kube.streams import KEEPALIVE, ClusterStreams

FOLLOW = [("container", "frontend"), ("follow", "true"), ("tailLines", "0")]


@pytest.fixture()
def sim() -> Iterator[Simulator]:
    simulator = Simulator(log_interval=None).start()
    yield simulator
    simulator.stop()


async def _until(check: object, what: str) -> None:
    for _ in range(200):
        if callable(check) and check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_streams_share_the_connections_session_and_close_only_their_own(sim: Simulator, tmp_path: Path) -> None:
    async def loader(name: str) -> Kubeconfig:
        return parse_kubeconfig(sim.kubeconfig_text(name))

    pool = ClusterPool(loader, cache_dir=tmp_path, timeout=5)
    try:
        conn = await pool.get("demo")
        first, second = ClusterStreams(conn), ClusterStreams(conn)
        assert first.session is second.session  # one pool per cluster connection, not one per RPC
        pods = json.loads(await first.read(paths.pods("web"), []))
        pod = next(p["metadata"]["name"] for p in pods["items"] if p["metadata"]["name"].startswith("frontend"))
        before = sim.open_follows
        ended = await first.get(paths.pod_log("web", pod), FOLLOW)
        kept = await second.get(paths.pod_log("web", pod), FOLLOW)
        await _until(lambda: sim.open_follows == before + 2, "both follows open")

        await first.close()  # one RPC ends: its follow closes...
        assert ended.closed
        sim.append_log("web", pod, "frontend", ["still followed"])
        line = await asyncio.wait_for(kept.content.readline(), 10)
        assert b"still followed" in line  # ...and the other's goes on, on the same session
        assert not second.session.closed
        # kubesim sees a closed connection when it next writes to it.
        sim.append_log("web", pod, "frontend", ["after the close"])
        await _until(lambda: sim.open_follows == before + 1, "the closed follow to end at kubesim")

        session = second.session
        pool.forget("demo")  # credentials replaced or cluster deleted: the session goes with them
        await _until(lambda: session.closed, "the shared session to close")
        sim.append_log("web", pod, "frontend", ["after the forget"])
        await _until(lambda: sim.open_follows == before, "every follow to end at kubesim")
        kept.release()
    finally:
        pool.close()


async def test_stream_connections_probe_a_silent_peer(sim: Simulator, tmp_path: Path) -> None:
    """A follow of a quiet container reads nothing for hours: only TCP keepalive finds a peer gone
    behind a real partition (no FIN, no RST), and Linux's defaults would take over two hours."""
    async def loader(name: str) -> Kubeconfig:
        return parse_kubeconfig(sim.kubeconfig_text(name))

    pool = ClusterPool(loader, cache_dir=tmp_path, timeout=5)
    try:
        streams = ClusterStreams(await pool.get("demo"))
        pods = json.loads(await streams.read(paths.pods("web"), []))
        pod = next(p["metadata"]["name"] for p in pods["items"] if p["metadata"]["name"].startswith("frontend"))
        follow = await streams.get(paths.pod_log("web", pod), FOLLOW)
        assert follow.connection is not None
        sock = follow.connection.transport.get_extra_info("socket")
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        assert {name: sock.getsockopt(socket.IPPROTO_TCP, getattr(socket, name)) for name in KEEPALIVE} == KEEPALIVE
        follow.release()
        await streams.close()
    finally:
        pool.close()
