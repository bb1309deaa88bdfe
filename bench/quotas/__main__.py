"""Benchmark of GetQuotaUsage across clusters: ``python -m bench.quotas`` (``make bench-quotas``).

``--clusters`` (20) clusters x ``--namespaces`` (50) namespaces with a ResourceQuota each, every
cluster answering ``--latency`` (10 ms) late: one kubesim behind a loopback proxy that sleeps
before forwarding each request (both in a child process), registered 20 times. Measured through a real gRPC channel:
`clusters/-/namespaces/-/quotaUsage` (trends left out), p50 and p95 of ``--runs`` calls, against
a baseline in the same run: the same call for ONE cluster behind the same proxy (what a perfectly
parallel fan-out would cost), and the sum of the clusters asked one at a time (no fan-out).
Rewrites its own section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import grpc
from aiohttp import ClientSession, web

from bench.jobs.__main__ import register
from bench.quotas.child import ChildClusters
from bench.sections import replace_section
from kubecommit.v1 import quotas_pb2 as pb, quotas_pb2_grpc
from kubesim import Simulator
from server.config import Settings
from server.embedded import EmbeddedServer
from server.runtime import ADMIN_TOKEN_FILE

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- BEGIN quotas-bench -->", "<!-- END quotas-bench -->"


class SlowProxy:
    """Forwards every request to `target` after `delay` seconds, on its own loop and thread."""

    def __init__(self, target: str, delay: float) -> None:
        self.target, self.delay = target.rstrip("/"), delay
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.url = ""

    async def _forward(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with self.session.request(request.method, self.target + request.path_qs, headers=headers,
                                        data=await request.read()) as answer:
            body = await answer.read()
            return web.Response(status=answer.status, body=body,
                                content_type=answer.content_type, headers={})

    async def _start(self) -> str:
        self.session = ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]

    def start(self) -> "SlowProxy":
        self.thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    def stop(self) -> None:
        async def close() -> None:
            await self.session.close()
            await self.runner.cleanup()
        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def add_quotas(sim: Simulator, namespaces: int) -> None:
    def put(cluster) -> None:  # type: ignore[no-untyped-def]
        for i in range(namespaces):
            ns = f"team-{i}"
            cluster.put_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
            cluster.put_object({"apiVersion": "v1", "kind": "ResourceQuota",
                                "metadata": {"name": "compute", "namespace": ns},
                                "spec": {"hard": {"pods": "20", "requests.cpu": "4", "requests.memory": "8Gi",
                                                  "limits.cpu": "8"}}})
    sim.call(put)


def timed(call, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    return sorted(out)


def p(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--namespaces", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.010)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    clusters = ChildClusters(args.namespaces, args.latency)
    kubeconfig = clusters.kubeconfig
    with tempfile.TemporaryDirectory() as data:
        settings = Settings.load(env={}, overrides={
            "data_dir": Path(data), "listen": "127.0.0.1:0", "log_format": "text", "log_level": "WARNING",
            "jobs_enabled": False})
        embedded = EmbeddedServer(settings).start()
        try:
            for i in range(args.clusters):
                register(embedded, f"c{i:02d}", kubeconfig)
            token = (Path(data) / ADMIN_TOKEN_FILE).read_text().strip()
            channel = grpc.insecure_channel(embedded.address)
            stub = quotas_pb2_grpc.QuotasServiceStub(channel)
            auth = [("authorization", f"Bearer {token}")]

            def usage(name: str) -> pb.QuotaUsage:
                return stub.GetQuotaUsage(pb.GetQuotaUsageRequest(name=name, omit_trends=True), metadata=auth)

            warm = usage("clusters/-/namespaces/-/quotaUsage")  # discovery cached per cluster
            assert not warm.unreachable_clusters, warm.unreachable_clusters
            quotas = len({r.resource_quota for r in warm.resources})
            assert quotas == args.clusters * (args.namespaces + 3) or quotas >= args.clusters * args.namespaces
            cpu0 = time.process_time()
            fanout = timed(lambda: usage("clusters/-/namespaces/-/quotaUsage"), args.runs)
            cpu = (time.process_time() - cpu0) / args.runs  # kubecommit's CPU per call (the clusters run elsewhere)
            one = timed(lambda: usage("clusters/c00/namespaces/-/quotaUsage"), args.runs)
            sequential = [sum(timed(lambda c=c: usage(f"clusters/c{c:02d}/namespaces/-/quotaUsage"), 1)[0]
                              for c in range(args.clusters)) for _ in range(3)]
            channel.close()
        finally:
            embedded.stop()
            clusters.stop()
    cores = os.cpu_count()
    rows = [
        f"| GetQuotaUsage `clusters/-/namespaces/-`, {args.clusters} clusters x {quotas // args.clusters} quotas "
        f"(4 resources each), {args.latency * 1000:.0f} ms per cluster request | p50 {p(fanout, .5) * 1000:.0f} ms, "
        f"p95 {p(fanout, .95) * 1000:.0f} ms; kubecommit CPU {cpu * 1000:.0f} ms a call | one cluster alone p50 {p(one, .5) * 1000:.0f} ms; "
        f"the clusters one at a time {statistics.median(sequential) * 1000:.0f} ms | "
        f"{p(fanout, .5) / p(one, .5):.1f}x one cluster, {statistics.median(sequential) / p(fanout, .5):.1f}x "
        f"faster than one at a time | target < 300 ms |",
    ]
    section = "\n".join([
        BEGIN, "## quotas (`make bench-quotas` = `python -m bench.quotas`)", "",
        f"{cores} cores, shared. One kubesim behind a loopback proxy adding the latency (both in a child "
        f"process), registered "
        f"{args.clusters} times; {args.runs} calls each.", "",
        "| what | measured | baseline (same run) | ratio | note |", "| --- | --- | --- | --- | --- |",
        *rows, END])
    replace_section(DOCS, BEGIN, END, section)
    print(section)


if __name__ == "__main__":
    main()
