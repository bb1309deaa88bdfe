"""Write-ahead intents through a real `kubecommit serve` process killed between the cluster write
and the commit (the test-only KUBECOMMIT_TEST_CRASH_AFTER_CLUSTER_WRITE hook): the next start
on the same data directory records what reached the cluster as an import by the original caller,
or, when the cluster cannot be reached, reports it and keeps the intent for the start after."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Callable, Iterator

import grpc
import pytest
from kubernetes import client

from kubecommit.v1 import admin_pb2, admin_pb2_grpc, clusters_pb2, clusters_pb2_grpc
from kubecommit.v1 import yaml_versions_pb2 as pb
from kubecommit.v1 import yaml_versions_pb2_grpc
from kubesim import Simulator
from kubesim.testing import api_client_from
from gitstore import StoreKey
from server.versions.intents import CRASH_ENV, CRASH_EXIT_CODE, IntentJournal
from tests.support.auth import admin_token
from tests.support.served import Served

@pytest.fixture()
def servers() -> Iterator[list[Served]]:
    started: list[Served] = []
    yield started
    for served in started:  # after the tests' simulators: their connections left silent, not closed
        code = served.stop()  # a stop past its limit exits 1, its stacks in stderr
        assert code in (0, CRASH_EXIT_CODE), served.stderr[-20000:]


def _pending(data: Path) -> int:
    """How many intents the data directory holds."""
    journal = IntentJournal(data, StoreKey.from_config(data / "store.key"))
    try:
        return len(journal.pending())
    finally:
        journal.close()


def _kube(sim: Simulator, data: Path) -> client.CoreV1Api:
    return client.CoreV1Api(api_client_from(sim.write_kubeconfig(data.parent / "kubeconfig", name="crash")))


def _setup(data: Path, sim: Simulator, servers: list[Served], crash: bool = True) -> tuple[Served, str, str]:
    """A server (crash-armed by default) with `sim` registered as clusters/crash and a fresh
    namespace in it; returns the server, alice's operator token (made through the API) and the
    namespace."""
    served = Served(data, {CRASH_ENV: "1"} if crash else None)
    servers.append(served)
    admin = served.as_token(admin_token(data))
    clusters_pb2_grpc.ClustersServiceStub(admin).CreateCluster(clusters_pb2.CreateClusterRequest(
        cluster_id="crash", cluster=clusters_pb2.Cluster(kubeconfig=sim.kubeconfig_text("crash"))))
    alice = admin_pb2_grpc.AdminServiceStub(admin).CreateToken(admin_pb2.CreateTokenRequest(
        token=admin_pb2.Token(display_name="alice", email="alice@example.com", role="operator"))).secret
    namespace = f"t-{uuid.uuid4().hex[:8]}"
    kube = _kube(sim, data)
    kube.create_namespace({"metadata": {"name": namespace}})
    kube.api_client.close()
    return served, alice, namespace


def _apply(served: Served, token: str, namespace: str, request_id: str, value: str = "v", branch: str = "") -> None:
    manifest = (f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: crashed, namespace: {namespace}}}\n"
                f"data: {{k: {value}}}\n")
    versions = yaml_versions_pb2_grpc.YamlVersionsServiceStub(served.as_token(token))
    versions.ApplyManifest(pb.ApplyManifestRequest(cluster="clusters/crash", manifest=manifest, branch=branch),
                           metadata=[("x-request-id", request_id)], timeout=20)


def _crashes(served: Served, call: Callable[[], object]) -> None:
    with pytest.raises(grpc.RpcError) as error:
        call()
    assert error.value.code() == grpc.StatusCode.UNAVAILABLE  # the process is gone
    assert served.stop() == CRASH_EXIT_CODE


def _apply_and_crash(served: Served, token: str, namespace: str, request_id: str) -> None:
    _crashes(served, lambda: _apply(served, token, namespace, request_id))


def _audit(served: Served, data: Path, request_id: str) -> list[admin_pb2.AuditEntry]:
    stub = admin_pb2_grpc.AdminServiceStub(served.as_token(admin_token(data)))
    return list(stub.ListAuditEntries(admin_pb2.ListAuditEntriesRequest(
        filter=f'rpc = "recovery/intent" AND request_id = "{request_id}"')).audit_entries)


def test_a_write_killed_before_its_commit_is_recorded_on_the_next_start(tmp_path: Path, servers: list[Served]
                                                                        ) -> None:
    data = tmp_path / "data"
    with Simulator(seed=False, log_interval=None) as sim:
        served, alice, namespace = _setup(data, sim, servers)
        name = f"clusters/crash/namespaces/{namespace}/configmaps/crashed"
        _apply_and_crash(served, alice, namespace, "req-crash-1")
        kube = _kube(sim, data)
        assert kube.read_namespaced_config_map("crashed", namespace).data == {"k": "v"}  # in the cluster
        kube.api_client.close()
        assert _pending(data) == 1

        restarted = Served(data)
        servers.append(restarted)
        versions = yaml_versions_pb2_grpc.YamlVersionsServiceStub(restarted.as_token(admin_token(data)))
        (version,) = versions.ListVersions(pb.ListVersionsRequest(parent=name)).versions
        assert version.operation == pb.OPERATION_IMPORT
        assert (version.author_name, version.author_email) == ("alice", "alice@example.com")
        assert "k: v" in versions.GetVersion(pb.GetVersionRequest(name=version.name)).yaml
        commit = versions.ListCommits(pb.ListCommitsRequest(prefix=name)).commits[0]
        assert commit.request_id == "req-crash-1" and "exactly as intended" in commit.message
        (row,) = _audit(restarted, data, "req-crash-1")
        assert row.code == "OK" and row.caller == "alice" and name in row.targets
        assert _pending(data) == 0


def test_an_unreachable_cluster_keeps_the_intent_and_reports_it(tmp_path: Path, servers: list[Served]) -> None:
    data = tmp_path / "data"
    with Simulator(seed=False, log_interval=None) as sim:
        served, alice, namespace = _setup(data, sim, servers)
        _apply_and_crash(served, alice, namespace, "req-crash-2")
    # The simulator is gone: the next start cannot tell whether the write landed.
    for start in (1, 2):
        restarted = Served(data)
        servers.append(restarted)
        rows = _audit(restarted, data, "req-crash-2")
        assert [r.code for r in rows] == ["UNAVAILABLE"] * start and rows[0].caller == "alice"
        assert _pending(data) == 1
        restarted.stop()


def _crashed_write(data: Path, sim: Simulator, servers: list[Served], prepare: Callable[[Served, str, str], None],
                   write: Callable[[yaml_versions_pb2_grpc.YamlVersionsServiceStub, str], object]
                   ) -> tuple[yaml_versions_pb2_grpc.YamlVersionsServiceStub, str]:
    """`prepare(server, alice, namespace)` on an unarmed server, then `write(alice's stub, name)`
    on an armed one, which dies; returns an admin stub on the restarted server and the name."""
    first, alice, namespace = _setup(data, sim, servers, crash=False)
    name = f"clusters/crash/namespaces/{namespace}/configmaps/crashed"
    prepare(first, alice, namespace)
    first.stop()
    armed = Served(data, {CRASH_ENV: "1"})
    servers.append(armed)
    _crashes(armed, lambda: write(yaml_versions_pb2_grpc.YamlVersionsServiceStub(armed.as_token(alice)), name))
    restarted = Served(data)
    servers.append(restarted)
    return yaml_versions_pb2_grpc.YamlVersionsServiceStub(restarted.as_token(admin_token(data))), name


def test_a_delete_killed_before_its_commit_is_recorded_as_a_deletion(tmp_path: Path, servers: list[Served]) -> None:
    with Simulator(seed=False, log_interval=None) as sim:
        versions, name = _crashed_write(
            tmp_path / "data", sim, servers, lambda s, alice, ns: _apply(s, alice, ns, "req-apply"),
            lambda stub, name: stub.DeleteResource(pb.DeleteResourceRequest(name=name), timeout=20))
        newest, applied = versions.ListVersions(pb.ListVersionsRequest(parent=name)).versions
        assert applied.operation == pb.OPERATION_APPLY
        assert newest.operation == pb.OPERATION_IMPORT and newest.author_name == "alice" and newest.deleted
        assert _pending(tmp_path / "data") == 0


def test_a_rollback_killed_before_its_commit_is_recorded(tmp_path: Path, servers: list[Served]) -> None:
    def two_versions(served: Served, alice: str, namespace: str) -> None:
        _apply(served, alice, namespace, "req-v1", value="one")
        _apply(served, alice, namespace, "req-v2", value="two")

    with Simulator(seed=False, log_interval=None) as sim:
        versions, name = _crashed_write(
            tmp_path / "data", sim, servers, two_versions,
            lambda stub, name: stub.RollbackResource(pb.RollbackResourceRequest(name=name, target="1"), timeout=20))
        newest, *_ = versions.ListVersions(pb.ListVersionsRequest(parent=name)).versions
        assert newest.operation == pb.OPERATION_IMPORT and newest.author_name == "alice"
        assert newest.version == 3 and "k: one" in versions.GetVersion(pb.GetVersionRequest(name=newest.name)).yaml


def test_a_merge_killed_before_its_commit_is_recorded(tmp_path: Path, servers: list[Served]) -> None:
    def draft(served: Served, alice: str, namespace: str) -> None:
        stub = yaml_versions_pb2_grpc.YamlVersionsServiceStub(served.as_token(alice))
        stub.CreateBranch(pb.CreateBranchRequest(branch_id="draft"))
        _apply(served, alice, namespace, "req-draft", value="drafted", branch="branches/draft")

    with Simulator(seed=False, log_interval=None) as sim:
        versions, name = _crashed_write(
            tmp_path / "data", sim, servers, draft,
            lambda stub, name: stub.MergeBranch(pb.MergeBranchRequest(source="branches/draft"), timeout=20))
        (newest,) = versions.ListVersions(pb.ListVersionsRequest(parent=name)).versions
        assert newest.operation == pb.OPERATION_IMPORT and newest.author_name == "alice"
        assert "k: drafted" in versions.GetVersion(pb.GetVersionRequest(name=newest.name)).yaml
