"""Benchmark of LabelsService through gRPC against kubesim: ``python -m bench.labels``.

1. BatchUpdateLabels of ``--resources`` (1,000) ConfigMaps spread over ``--clusters`` (5) kubesim
   clusters, selected by label across `clusters/-`: one dry run, then the write (one commit per
   cluster), with the time split between the clusters (kubesim over HTTP), the store (gitstore)
   and the rest (gRPC, YAML, planning, diffs); baseline: single UpdateLabels calls, per resource.
2. SelectResources over ``--objects`` (50,000) objects in one cluster, answered from the synced watch
   cache: the first page (50) and a page deep in the selection; baseline in the same run: the
   cluster's own `limit=50` list (what the select costs without the cache) and listing everything.
Rewrites its own section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import grpc

from bench.sections import replace_section
from bench.versions.__main__ import Clock, split
from kubecommit.v1 import labels_pb2 as pb, labels_pb2_grpc
from kubesim import Simulator
from server.registry import ClusterRecord, now
from server.config import Settings
from server.embedded import EmbeddedServer
from server.kube import parse_kubeconfig
from server.runtime import ADMIN_TOKEN_FILE

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- BEGIN labels-bench -->", "<!-- END labels-bench -->"


def fill(sim: Simulator, count: int, namespaces: int = 10) -> None:
    """ConfigMaps labelled `bench=yes` and `app=app-{i % 100}`, straight into the simulator's state."""
    def put(cluster: Any) -> None:
        for n in range(namespaces):
            cluster.put_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"bench-{n}"}})
        for i in range(count):
            cluster.put_object({"apiVersion": "v1", "kind": "ConfigMap",
                                "metadata": {"name": f"cm-{i}", "namespace": f"bench-{i % namespaces}",
                                             "labels": {"bench": "yes", "app": f"app-{i % 100}"}},
                                "data": {"payload": "x" * 200}})
    sim.call(put)


def register(embedded: EmbeddedServer, name: str, sim: Simulator) -> None:
    runtime = embedded.server.runtime
    assert runtime is not None
    kubeconfig = parse_kubeconfig(sim.kubeconfig_text(name))
    embedded.run(runtime.clusters.create(ClusterRecord(
        id=name, server=kubeconfig.server, context=kubeconfig.context, create_time=now(), update_time=now(),
        state="connected"), kubeconfig))


class _Bearer(grpc.UnaryUnaryClientInterceptor):
    def __init__(self, token: str) -> None:
        self.header = ("authorization", f"Bearer {token}")

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(details._replace(metadata=[*(details.metadata or ()), self.header]), request)


def stub_for(embedded: EmbeddedServer) -> labels_pb2_grpc.LabelsServiceStub:
    token = (embedded.settings.data_dir / ADMIN_TOKEN_FILE).read_text().strip()
    channel = grpc.insecure_channel(embedded.address, options=[("grpc.max_receive_message_length", 256 << 20)])
    return labels_pb2_grpc.LabelsServiceStub(grpc.intercept_channel(channel, _Bearer(token)))


def wait_synced(embedded: EmbeddedServer, clusters: set[str], resource: str = "") -> None:
    """Until every informer of the clusters (or of one resource) is synced: the watch cache's
    lists run in the background and would otherwise count as the measured calls' cluster time."""
    runtime = embedded.server.runtime
    assert runtime is not None

    async def synced() -> bool:
        status = [s for s in runtime.cache.status() if s.cluster in clusters and (not resource or s.resource == resource)]
        return {s.cluster for s in status} == clusters and all(s.synced for s in status)
    while not embedded.run(synced()):
        time.sleep(0.05)


def timed(clock: Clock, call: Any, request: Any) -> tuple[float, Any]:
    clock.cluster = clock.store = 0.0
    started = time.perf_counter()
    response = call(request)
    return time.perf_counter() - started, response


def bench_batch(embedded: EmbeddedServer, stub: labels_pb2_grpc.LabelsServiceStub, resources: int,
                clusters: int, singles: int) -> list[str]:
    sims = [Simulator(seed=False, log_interval=None).start() for _ in range(clusters)]
    try:
        for i, sim in enumerate(sims):
            fill(sim, resources // clusters)
            register(embedded, f"c{i}", sim)
        clock = Clock()
        request = pb.BatchUpdateLabelsRequest(parent="clusters/-", resource_types=["configmaps"],
                                              label_selector="bench=yes", max_resources=resources,
                                              patch=pb.LabelPatch(set_labels={"team": "bench"}))
        rows = []
        stub.ListLabelKeys(pb.ListLabelKeysRequest(parent="clusters/-", resource_types=["configmaps"]))  # starts them
        wait_synced(embedded, {f"c{i}" for i in range(clusters)})  # the batch then selects from the cache
        with clock.installed():
            request.validate_only = True
            wall, dry = timed(clock, stub.BatchUpdateLabels, request)
            assert dry.updated_count == resources, dry.updated_count
            rows.append(f"| BatchUpdateLabels dry run, {resources:,} ConfigMaps over {clusters} clusters | "
                        f"{wall:.2f} s | {resources / wall:,.0f} resources/s | {split(clock, wall)} | no commit |")
            request.validate_only = False
            wall, done = timed(clock, stub.BatchUpdateLabels, request)
            assert done.updated_count == resources and len(done.commits) == clusters
            rows.append(f"| BatchUpdateLabels write, same | {wall:.2f} s | {resources / wall:,.0f} resources/s | "
                        f"{split(clock, wall)} | {len(done.commits)} commits (one per cluster) |")
            started = time.perf_counter()
            for i in range(singles):
                stub.UpdateLabels(pb.UpdateLabelsRequest(labels=pb.Labels(
                    name=f"clusters/c0/namespaces/bench-{i % 10}/configmaps/cm-{i}/labels", labels={"single": "yes"})))
            single = (time.perf_counter() - started) / singles
        rows.append(f"| baseline: UpdateLabels one resource at a time ({singles} calls) | {single * 1000:.1f} ms "
                    f"per resource | {1 / single:,.0f} resources/s | | the batch write is "
                    f"{single * resources / wall:.1f}x faster than {resources:,} single calls |")
        return rows
    finally:
        for sim in sims:
            sim.stop()


def bench_select(embedded: EmbeddedServer, stub: labels_pb2_grpc.LabelsServiceStub, objects: int) -> list[str]:
    """First page from the synced watch cache vs the cluster's own `limit=50` list (the direct path,
    what a server without the cache answers from), both measured here."""
    runtime = embedded.server.runtime
    assert runtime is not None
    with Simulator(seed=False, log_interval=None) as sim:
        fill(sim, objects)
        register(embedded, "big", sim)
        request = pb.SelectResourcesRequest(parent="clusters/big", label_selector="bench=yes",
                                            resource_types=["configmaps"], page_size=50)
        rss_before = _rss_mib()
        started = time.perf_counter()
        stub.SelectResources(request)  # discovery, connection, and the first read starts the informers
        wait_synced(embedded, {"big"}, "configmaps")
        sync_time = time.perf_counter() - started
        rss_growth = _rss_mib() - rss_before
        firsts = []
        for _ in range(5):
            started = time.perf_counter()
            first = stub.SelectResources(request)
            firsts.append(time.perf_counter() - started)
        token = first.next_page_token
        for _ in range(20):
            token = stub.SelectResources(_paged(request, token)).next_page_token
        started = time.perf_counter()
        deep = stub.SelectResources(_paged(request, token))
        deep_time = time.perf_counter() - started

        async def direct(limit: int) -> int:
            conn = await runtime.pool.get("big")
            rt = await conn.resolve("configmaps")
            return len((await conn.list_objects(rt, label_selector="bench=yes", limit=limit))["items"])
        started = time.perf_counter()
        listed = embedded.run(direct(0))
        whole_time = time.perf_counter() - started
        cluster_page = []
        for _ in range(5):
            started = time.perf_counter()
            embedded.run(direct(50))
            cluster_page.append(time.perf_counter() - started)
    assert len(first.resources) == 50 and len(deep.resources) == 50 and listed == objects
    best, base = min(firsts), min(cluster_page)
    return [f"| SelectResources first page (50) of {objects:,} matching objects, one cluster, from the synced "
            f"watch cache | {best * 1000:.0f} ms (best of 5; median {sorted(firsts)[2] * 1000:.0f} ms) | aim < 200 ms | "
            f"page 22: {deep_time * 1000:.0f} ms; the cache synced {sync_time:.1f} s after the first read; "
            f"process RSS grew {rss_growth:.0f} MiB meanwhile (rough: includes the list's transient JSON) | "
            f"baseline: the cluster's own `limit=50` list (the path without the cache) {base * 1000:.0f} ms, "
            f"{base / best:.1f}x the cached page; listing all {listed:,} {whole_time * 1000:.0f} ms |"]


def _rss_mib() -> float:
    """Resident memory of this process (Linux), for a rough size of the cache."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _paged(request: pb.SelectResourcesRequest, token: str) -> pb.SelectResourcesRequest:
    out = pb.SelectResourcesRequest()
    out.CopyFrom(request)
    out.page_token = token
    return out


def write_docs(rows: list[str]) -> None:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    section = "\n".join([
        BEGIN, "## labels (`make bench-labels` = `python -m bench.labels`)", "",
        f"Last run: {when}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, kubesim in the same process "
        "(its HTTP servers share the machine). Written by the benchmark; do not edit by hand.", "",
        "| measure | wall | rate / aim | split | notes |", "| --- | --- | --- | --- | --- |", *rows, END])
    replace_section(DOCS, BEGIN, END, section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--clusters", type=int, default=5)
    parser.add_argument("--singles", type=int, default=50)
    parser.add_argument("--objects", type=int, default=50_000)
    parser.add_argument("--no-docs", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        settings = Settings.load(env={}, overrides={"data_dir": data, "listen": "127.0.0.1:0", "log_level": "WARNING",
                                                    "cluster_timeout_seconds": 60, "rate_limit_per_second": 1e6, "jobs_enabled": False,
                                                    "rate_limit_burst": 1e6})
        with EmbeddedServer(settings) as embedded:
            stub = stub_for(embedded)
            rows = bench_batch(embedded, stub, args.resources, args.clusters, args.singles)
            rows += bench_select(embedded, stub, args.objects)
    print("\n".join(rows))
    if not args.no_docs:
        write_docs(rows)


if __name__ == "__main__":
    main()
