"""Hostile YAML through ApplyManifest (and a kubeconfig through CreateCluster): an alias bomb and
deep nesting are refused while they are parsed, as INVALID_ARGUMENT naming the document and the
limit, without the server growing or its event loop stalling (the embedded server runs in this
process, so its RSS is ours)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from kubecommit.v1 import clusters_pb2, clusters_pb2_grpc, yaml_versions_pb2 as pb, yaml_versions_pb2_grpc
from server.embedded import EmbeddedServer
from tests.support.auth import admin_token, with_token
from tests.support.status import details

CLUSTER = "clusters/demo"


def alias_bomb(levels: int = 7) -> str:
    """Billion laughs: each level a list of nine aliases of the one before (9**8 strings)."""
    names = "abcdefghij"
    lines = ["apiVersion: v1", "kind: ConfigMap", "data:", "  a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]"]
    lines += [f"  {n}: &{n} [{','.join([f'*{p}'] * 9)}]" for p, n in zip(names, names[1:levels + 1])]
    return "\n".join(lines) + "\n"


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.fixture(scope="module")
def channel(demo_server: EmbeddedServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(demo_server.address) as ch:
        yield with_token(ch, admin_token(demo_server.settings.data_dir))


@pytest.fixture(scope="module")
def versions(channel: grpc.Channel) -> yaml_versions_pb2_grpc.YamlVersionsServiceStub:
    return yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel)


def refusal(versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub, manifest: str, dry_run: bool):
    with pytest.raises(grpc.RpcError) as refused:
        versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=manifest, dry_run=dry_run),
                               timeout=30)
    return details(refused.value)


def test_an_alias_bomb_is_refused_without_growing_or_stalling_the_server(versions, channel) -> None:
    bomb = alias_bomb()
    assert len(bomb) <= 345
    health = health_pb2_grpc.HealthStub(channel)
    health.Check(health_pb2.HealthCheckRequest(), timeout=5)  # warm
    latencies: list[float] = []
    done = threading.Event()

    def probe() -> None:
        while not done.is_set():
            start = time.perf_counter()
            health.Check(health_pb2.HealthCheckRequest(), timeout=5)
            latencies.append(time.perf_counter() - start)
            time.sleep(0.005)

    before = rss_bytes()
    prober = threading.Thread(target=probe)
    prober.start()
    try:
        for dry_run in (True, False, True, False):
            got = refusal(versions, bomb, dry_run)
            assert got.code == grpc.StatusCode.INVALID_ARGUMENT, got
            assert got.reason == "YAML_ALIAS_EXPANSION"
            assert got.metadata["limit"] == "max_nodes" and got.metadata["document"] == "0"
            assert list(got.violations) == ["manifest[0]"]
            assert "max_nodes" in got.message and got.message.startswith("manifest[0]: ")
    finally:
        done.set()
        prober.join()
    grown = rss_bytes() - before
    assert grown < 50 * 1024 * 1024, f"the server grew by {grown / 2**20:.0f} MiB"
    assert latencies and max(latencies) < 0.1, f"health answered in {max(latencies) * 1000:.0f} ms at worst"


def test_deep_nesting_is_invalid_not_unavailable(versions) -> None:
    nested = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n  x: " + "[" * 900 + "]" * 900 + "\n"
    for dry_run in (True, False):
        got = refusal(versions, nested, dry_run)
        assert got.code == grpc.StatusCode.INVALID_ARGUMENT, got
        assert (got.reason, got.metadata["limit"]) == ("YAML_TOO_DEEP", "max_depth")
        assert list(got.violations) == ["manifest[0]"]
    block = "".join(f"{'  ' * i}k{i}:\n" for i in range(900)) + "  " * 900 + "v: 1\n"
    deep_block = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: ok}}\n---\n{block}"
    got = refusal(versions, deep_block, True)
    assert (got.code, got.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "YAML_TOO_DEEP")
    assert list(got.violations) == ["manifest[1]"]


def test_anchors_within_the_limits_still_apply(versions) -> None:
    manifest = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: anchored, namespace: default}\n"
                "data:\n  a: &v shared\n  b: *v\n")
    applied = versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=manifest, dry_run=True),
                                     timeout=30)
    [resource] = applied.resources
    assert resource.name.endswith("/configmaps/anchored") and "b: shared" in resource.diff.unified_diff


def test_an_oversized_manifest_names_the_byte_limit(versions) -> None:
    big = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n" + "".join(
        f"  k{i}: {'x' * 1000}\n" for i in range(4200))
    got = refusal(versions, big, True)
    assert (got.code, got.reason, got.metadata["limit"]) == (grpc.StatusCode.INVALID_ARGUMENT, "YAML_TOO_LARGE",
                                                              "max_bytes")
    assert list(got.violations) == ["manifest"]


def test_a_kubeconfig_alias_bomb_is_refused_by_the_same_parser(channel) -> None:
    clusters = clusters_pb2_grpc.ClustersServiceStub(channel)
    bomb = alias_bomb().replace("kind: ConfigMap", "kind: Config")
    with pytest.raises(grpc.RpcError) as refused:
        clusters.CreateCluster(clusters_pb2.CreateClusterRequest(
            cluster_id="bomb", cluster=clusters_pb2.Cluster(kubeconfig=bomb), validate_only=True), timeout=30)
    got = details(refused.value)
    assert (got.code, got.reason, list(got.violations)) == (grpc.StatusCode.INVALID_ARGUMENT, "YAML_ALIAS_EXPANSION",
                                                             ["cluster.kubeconfig"])


def test_a_json_manifest_takes_the_fast_path_under_the_same_limits(versions) -> None:
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-json", "namespace": "default"},
                  "data": {"a": "1"}}
    applied = versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=json.dumps(config_map),
                                                             dry_run=True),
                                     timeout=30)
    [resource] = applied.resources
    assert resource.name.endswith("/configmaps/from-json") and "a: '1'" in resource.diff.unified_diff, resource
    for depth in (101, 5000):  # within json's own recursion limit, and beyond it
        deep = json.dumps(dict(config_map, data={"x": "NESTED"})).replace('"NESTED"', "[" * depth + "]" * depth)
        got = refusal(versions, deep, True)
        assert got.code == grpc.StatusCode.INVALID_ARGUMENT, got
        assert (got.reason, got.metadata["limit"]) == ("YAML_TOO_DEEP", "max_depth"), depth
        assert list(got.violations) == ["manifest[0]"]
