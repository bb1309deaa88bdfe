"""Benchmark of YamlVersionsService through gRPC against kubesim: ``python -m bench.versions``.

1. ApplyManifest of a 50-document manifest as one commit, and N single-document applies in a
   row (default 1,000), with the time split between the cluster (kubesim over HTTP), the store
   (gitstore) and everything else (gRPC, parsing, normalizing, diffing: kubecommit's overhead);
2. ListVersions and DiffVersions round trips (p50/p99) on a store of ``--commits`` commits built
   with gitstore directly (100,000 for the issue's figure; a smaller default because building
   takes ~4 ms a commit).
Rewrites its own section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import grpc

from bench.sections import replace_section
from gitstore import Author, Change, Store, StoreKey
from kubecommit.v1 import yaml_versions_pb2 as pb, yaml_versions_pb2_grpc
from kubesim import Simulator
from server.registry import ClusterRecord, now
from server.config import Settings
from server.embedded import EmbeddedServer
from server.kube import ClusterConnection, parse_kubeconfig
from server.runtime import ADMIN_TOKEN_FILE

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- BEGIN versions-bench -->", "<!-- END versions-bench -->"


class Clock:
    """Wall time spent inside cluster calls and store calls while the server runs in-process."""

    def __init__(self) -> None:
        self.cluster = 0.0
        self.store = 0.0

    @contextmanager
    def installed(self) -> Iterator[None]:
        original_request = ClusterConnection.request
        store_methods = {n: getattr(Store, n) for n in ("commit", "read", "read_if_exists", "exists",
                                                         "list_versions")}
        clock = self

        async def request(conn: ClusterConnection, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original_request(conn, *args, **kwargs)
            finally:
                clock.cluster += time.perf_counter() - started

        def timed(fn: Any) -> Any:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return fn(*args, **kwargs)
                finally:
                    clock.store += time.perf_counter() - started
            return wrapper

        ClusterConnection.request = request  # type: ignore[method-assign]
        for name, fn in store_methods.items():
            setattr(Store, name, timed(fn))
        try:
            yield
        finally:
            ClusterConnection.request = original_request  # type: ignore[method-assign]
            for name, fn in store_methods.items():
                setattr(Store, name, fn)


def start(data_dir: Path, sim: Simulator | None) -> tuple[EmbeddedServer, yaml_versions_pb2_grpc.YamlVersionsServiceStub]:
    embedded = EmbeddedServer(Settings.load(env={}, overrides={
        "data_dir": data_dir, "listen": "127.0.0.1:0", "log_level": "WARNING",
        "rate_limit_per_second": 1e6, "rate_limit_burst": 1e6})).start()  # measure, do not throttle
    if sim is not None:
        runtime = embedded.server.runtime
        assert runtime is not None
        kubeconfig = parse_kubeconfig(sim.kubeconfig_text("bench"))
        record = ClusterRecord(id="bench", server=kubeconfig.server, context=kubeconfig.context,
                               create_time=now(), update_time=now(), state="connected")
        embedded.run(runtime.clusters.create(record, kubeconfig))
    token = (data_dir / ADMIN_TOKEN_FILE).read_text().strip()
    channel = grpc.intercept_channel(grpc.insecure_channel(embedded.address), _Bearer(token))
    return embedded, yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel)


class _Bearer(grpc.UnaryUnaryClientInterceptor):
    def __init__(self, token: str) -> None:
        self.header = ("authorization", f"Bearer {token}")

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(details._replace(metadata=[*(details.metadata or ()), self.header]), request)


def configmap(i: int, version: int) -> str:
    return (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: default\n"
            f"  labels: {{app: bench}}\ndata:\n  version: \"{version}\"\n  payload: {'x' * 200}\n")


def split(clock: Clock, total: float) -> str:
    other = max(0.0, total - clock.cluster - clock.store)
    return (f"{total:.2f} s total: cluster {clock.cluster:.2f} s ({clock.cluster / total:.0%}), "
            f"store {clock.store:.2f} s ({clock.store / total:.0%}), kubecommit's own {other:.2f} s "
            f"({other / total:.0%})")


def bench_apply(applies: int) -> list[str]:
    sim = Simulator(seed=False).start()
    lines = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            embedded, stub = start(Path(tmp), sim)
            try:
                stub.ApplyManifest(pb.ApplyManifestRequest(cluster="clusters/bench", manifest=configmap(-1, 0)))
                for version in (1, 2):
                    manifest = "---\n".join(configmap(i, version) for i in range(50))
                    clock = Clock()
                    with clock.installed():
                        started = time.perf_counter()
                        out = stub.ApplyManifest(pb.ApplyManifestRequest(cluster="clusters/bench", manifest=manifest))
                        total = time.perf_counter() - started
                    assert out.commit and len(out.resources) == 50
                    what = "create" if version == 1 else "update"
                    lines.append(f"| 50-document manifest, one commit ({what}) | {split(clock, total)} |")
                clock = Clock()
                with clock.installed():
                    started = time.perf_counter()
                    for n in range(applies):
                        stub.ApplyManifest(pb.ApplyManifestRequest(cluster="clusters/bench",
                                                                   manifest=configmap(n % 10, 100 + n)))
                    total = time.perf_counter() - started
                lines.append(f"| {applies:,} single-document applies in a row ({applies / total:.0f}/s) | "
                             f"{split(clock, total)} |")
            finally:
                embedded.stop()
    finally:
        sim.stop()
    return lines


def percentile(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[q - 1] if len(samples) > 1 else samples[0]


def bench_reads(commits: int, calls: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        data.mkdir(exist_ok=True)
        key = StoreKey.from_config(data / "store.key")
        started = time.perf_counter()
        paths = [f"clusters/bench/namespaces/ns-{i % 20}/configmaps/cm-{i}.yaml" for i in range(1000)]
        with Store.open(data / "store", key=key) as store:
            for n in range(commits):
                i = n % len(paths)
                store.commit([Change.put(paths[i], configmap(i, n).replace("namespace: default",
                                                                              f"namespace: ns-{i % 20}"))],
                             author=Author("bench", "bench@example.com"), message=f"change {n}")
        built = time.perf_counter() - started
        embedded, stub = start(data, None)
        try:
            target = paths[7].removesuffix(".yaml")
            total = stub.ListVersions(pb.ListVersionsRequest(parent=target)).total_size
            results = []
            for label, call in (
                    ("ListVersions (one resource, page of 50)",
                     lambda: stub.ListVersions(pb.ListVersionsRequest(parent=target, page_size=50))),
                    ("DiffVersions (version 1 against the current one)",
                     lambda: stub.DiffVersions(pb.DiffVersionsRequest(name=target, **{"from": "1"})))):
                samples = []
                for _ in range(calls):
                    started = time.perf_counter()
                    call()
                    samples.append((time.perf_counter() - started) * 1000)
                results.append(f"| {label}, store of {commits:,} commits ({total} versions of the resource) | "
                               f"p50 {percentile(samples, 50):.2f} ms · p99 {percentile(samples, 99):.2f} ms |")
            results.append(f"| building that store with gitstore directly | {built:.0f} s "
                           f"({commits / built:.0f} commits/s) |")
            return results
        finally:
            embedded.stop()


def record(lines: list[str], args: argparse.Namespace) -> None:
    section = "\n".join([
        BEGIN, "## YamlVersionsService (`make bench-versions` = `python -m bench.versions`)", "",
        f"Run: `python -m bench.versions --applies {args.applies} --commits {args.commits}` on "
        f"{time.strftime('%Y-%m-%d')}, through gRPC (authenticated) to an in-process server, kubesim over HTTP. "
        "Cluster time = inside the cluster-access layer's HTTP calls; store time = inside gitstore calls; "
        "the rest is kubecommit's own (gRPC, YAML parsing, normalizing, diffs).", "",
        "| what | figure |", "| --- | --- |", *lines, END])
    replace_section(DOCS, BEGIN, END, section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applies", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=10_000, help="store size for the read round trips")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--no-record", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    lines = bench_apply(args.applies) + bench_reads(args.commits, args.calls)
    print("\n".join(lines))
    if not args.no_record:
        record(lines, args)


if __name__ == "__main__":
    main()
