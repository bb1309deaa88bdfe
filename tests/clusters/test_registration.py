"""CreateCluster, GetCluster, ListClusters, UpdateCluster, DeleteCluster and TestCluster through a
real channel against kubesim: good kubeconfigs, and every way one can be refused."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
import yaml
from google.protobuf import field_mask_pb2

from kubecommit.v1 import clusters_pb2 as pb
from kubesim import Simulator
from kubesim.testing import self_signed_cert
from server.embedded import EmbeddedServer
from tests.clusters.helpers import (closed_port_kubeconfig, create, has_credentials, git, head,
                                    kubeconfig_for)
from tests.support.status import details


def data_dir(server: EmbeddedServer) -> Path:
    return server.settings.data_dir


def test_create_connects_and_commits_the_registration(cserver, stub, sim):
    cluster = create(stub, "prod-eu", sim.kubeconfig_text("prod"), display_name="Prod EU",
                     provider=pb.PROVIDER_AWS, region="eu-west-1", tags={"env": "prod"})
    assert cluster.name == "clusters/prod-eu"
    assert cluster.state == pb.CLUSTER_STATE_CONNECTED
    assert cluster.node_count == 4 and cluster.server_version.startswith("v1.31")
    assert cluster.server == sim.url and cluster.context == "prod"
    assert cluster.created_by == "admin" and cluster.etag and not cluster.kubeconfig
    assert stub.GetCluster(pb.GetClusterRequest(name="clusters/prod-eu")) == cluster
    registration = yaml.safe_load(git(data_dir(cserver), "show", "HEAD:clusters/prod-eu/cluster.yaml"))
    assert registration["spec"]["provider"] == "aws" and registration["spec"]["tags"] == {"env": "prod"}
    assert "token" not in git(data_dir(cserver), "show", "HEAD")  # credentials never reach git
    assert has_credentials(data_dir(cserver), "prod-eu")


def test_duplicate_name_is_already_exists(stub, sim):
    create(stub, "dup", sim.kubeconfig_text())
    with pytest.raises(grpc.RpcError) as caught:
        create(stub, "dup", sim.kubeconfig_text())
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS


@pytest.mark.parametrize("cluster_id, kubeconfig, context, field, words", [
    ("empty", "", "", "cluster.kubeconfig", "empty"),
    ("malformed", "clusters: [unclosed", "", "cluster.kubeconfig", "not valid YAML"),
    ("not-config", "kind: Pod\n", "", "cluster.kubeconfig", "not a kubeconfig"),
    ("no-context", None, "elsewhere", "cluster.context", "not in the kubeconfig"),
    ("Not_A_Label", None, "", "cluster_id", "DNS label"),
    ("exec-creds", "exec", "", "cluster.kubeconfig", "run a program"),
])
def test_bad_input_names_the_field_and_leaves_nothing(cserver, stub, sim, cluster_id, kubeconfig, context,
                                                     field, words):
    if kubeconfig is None:
        kubeconfig = sim.kubeconfig_text()
    elif kubeconfig == "exec":
        data = yaml.safe_load(sim.kubeconfig_text())
        data["users"][0]["user"] = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "id"}}
        kubeconfig = yaml.safe_dump(data)
    before = head(data_dir(cserver))
    with pytest.raises(grpc.RpcError) as caught:
        create(stub, cluster_id, kubeconfig, context=context)
    info = details(caught.value)
    assert info.code == grpc.StatusCode.INVALID_ARGUMENT
    assert words in info.violations[field]
    assert head(data_dir(cserver)) == before
    assert not has_credentials(data_dir(cserver), cluster_id.lower())


def test_unreachable_is_refused_with_the_reason_or_kept_disconnected(cserver, stub):
    kubeconfig = closed_port_kubeconfig()
    before = head(data_dir(cserver))
    with pytest.raises(grpc.RpcError) as caught:
        create(stub, "gone", kubeconfig)
    info = details(caught.value)
    assert info.code == grpc.StatusCode.FAILED_PRECONDITION
    assert info.reason == "CLUSTER_UNREACHABLE" and "cluster.kubeconfig" in info.violations
    assert head(data_dir(cserver)) == before and not has_credentials(data_dir(cserver), "gone")

    cluster = create(stub, "gone", kubeconfig, allow_disconnected=True)
    assert cluster.state == pb.CLUSTER_STATE_DISCONNECTED and "unreachable" in cluster.state_message
    tested = stub.TestCluster(pb.TestClusterRequest(name="clusters/gone"))
    assert not tested.connected and "unreachable" in tested.error


def test_wrong_token_is_refused_as_unauthorized(stub, tmp_path):
    with Simulator(seed=False, token="right-token", log_interval=None) as guarded:
        with pytest.raises(grpc.RpcError) as caught:
            create(stub, "guarded", kubeconfig_for(guarded.url, token="wrong-token"))
        info = details(caught.value)
        assert info.code == grpc.StatusCode.FAILED_PRECONDITION and info.reason == "CLUSTER_UNAUTHORIZED"
        assert create(stub, "guarded", guarded.kubeconfig_text()).state == pb.CLUSTER_STATE_CONNECTED


def test_wrong_certificate_authority_is_a_tls_error(stub, tmp_path):
    import base64

    (tmp_path / "server").mkdir()
    (tmp_path / "other").mkdir()
    cert, key = self_signed_cert(tmp_path / "server")
    other_ca, _ = self_signed_cert(tmp_path / "other")
    with Simulator(seed=False, tls_cert=cert, tls_key=key, log_interval=None) as secure:
        wrong = kubeconfig_for(secure.url, ca=base64.b64encode(other_ca.read_bytes()).decode())
        with pytest.raises(grpc.RpcError) as caught:
            create(stub, "tls", wrong)
        assert details(caught.value).reason == "CLUSTER_TLS_ERROR"
        assert create(stub, "tls", secure.kubeconfig_text()).state == pb.CLUSTER_STATE_CONNECTED


def test_validate_only_connects_but_registers_nothing(cserver, stub, sim):
    before = head(data_dir(cserver))
    cluster = create(stub, "dry", sim.kubeconfig_text(), validate_only=True)
    assert cluster.state == pb.CLUSTER_STATE_CONNECTED and cluster.node_count == 4
    assert head(data_dir(cserver)) == before
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetCluster(pb.GetClusterRequest(name="clusters/dry"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_update_changes_masked_fields_and_guards_the_etag(stub, sim, sim2):
    cluster = create(stub, "upd", sim.kubeconfig_text(), tags={"env": "dev"})
    changed = stub.UpdateCluster(pb.UpdateClusterRequest(
        cluster=pb.Cluster(name="clusters/upd", display_name="Updated", tags={"env": "staging"},
                           region="ignored-not-in-mask", etag=cluster.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["display_name", "tags"])))
    assert changed.display_name == "Updated" and changed.tags == {"env": "staging"} and changed.region == ""
    assert changed.etag != cluster.etag
    with pytest.raises(grpc.RpcError) as caught:  # the old etag is stale now
        stub.UpdateCluster(pb.UpdateClusterRequest(cluster=pb.Cluster(name="clusters/upd", description="x",
                                                                      etag=cluster.etag)))
    assert caught.value.code() == grpc.StatusCode.ABORTED
    with pytest.raises(grpc.RpcError) as caught:
        stub.UpdateCluster(pb.UpdateClusterRequest(cluster=pb.Cluster(name="clusters/upd", server="x"),
                                                   update_mask=field_mask_pb2.FieldMask(paths=["server"])))
    assert "update_mask" in details(caught.value).violations


def test_replacing_the_kubeconfig_retests_it(stub, sim, sim2):
    create(stub, "moving", sim.kubeconfig_text())
    with pytest.raises(grpc.RpcError) as caught:
        stub.UpdateCluster(pb.UpdateClusterRequest(
            cluster=pb.Cluster(name="clusters/moving", kubeconfig=closed_port_kubeconfig()),
            update_mask=field_mask_pb2.FieldMask(paths=["kubeconfig"])))
    assert details(caught.value).reason == "CLUSTER_UNREACHABLE"
    assert stub.TestCluster(pb.TestClusterRequest(name="clusters/moving")).server == sim.url  # old one kept
    moved = stub.UpdateCluster(pb.UpdateClusterRequest(
        cluster=pb.Cluster(name="clusters/moving", kubeconfig=sim2.kubeconfig_text("two"), context="two"),
        update_mask=field_mask_pb2.FieldMask(paths=["kubeconfig", "context"])))
    assert moved.server == sim2.url and moved.context == "two"
    tested = stub.TestCluster(pb.TestClusterRequest(name="clusters/moving"))
    assert tested.connected and tested.server == sim2.url and tested.latency.ToNanoseconds() > 0


def test_delete_destroys_credentials_and_keeps_history(cserver, stub, sim):
    cluster = create(stub, "short-lived", sim.kubeconfig_text())
    with pytest.raises(grpc.RpcError) as caught:
        stub.DeleteCluster(pb.DeleteClusterRequest(name="clusters/short-lived", etag="0" * 40))
    assert caught.value.code() == grpc.StatusCode.ABORTED
    stub.DeleteCluster(pb.DeleteClusterRequest(name="clusters/short-lived", etag=cluster.etag))
    assert not has_credentials(data_dir(cserver), "short-lived")
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetCluster(pb.GetClusterRequest(name="clusters/short-lived"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    history = git(data_dir(cserver), "log", "--format=%s", "--", "clusters/short-lived/cluster.yaml")
    assert history.splitlines() == ["Remove cluster short-lived", "Register cluster short-lived"]


def test_get_of_a_bad_name_is_invalid(stub):
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetCluster(pb.GetClusterRequest(name="cluster/x"))
    assert "name" in details(caught.value).violations
