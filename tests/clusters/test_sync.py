"""SyncCluster: progress then a result, one `sync` commit that plain git reads, no commit when
nothing changed, deletions of objects gone from the cluster, and the cluster's state updated."""

from __future__ import annotations

import grpc
import pytest
import yaml

from kubecommit.v1 import clusters_pb2 as pb
from tests.clusters.helpers import closed_port_kubeconfig, create, git, head
from tests.support.status import details


def run_sync(stub, name: str, **fields) -> tuple[list[pb.SyncClusterResponse], pb.SyncResult]:
    events = list(stub.SyncCluster(pb.SyncClusterRequest(name=name, **fields)))
    assert events[-1].HasField("result") and all(e.HasField("progress") for e in events[:-1])
    return events[:-1], events[-1].result


def test_sync_writes_one_commit_git_can_read(cserver, stub, sim2):
    data = cserver.settings.data_dir
    create(stub, "snap", sim2.kubeconfig_text())
    progress, result = run_sync(stub, "clusters/snap")
    assert [e.progress.stage for e in progress][0] == "discover" and progress[-1].progress.stage == "write"
    assert result.commit == head(data) and result.objects_written == result.objects_read > 40
    assert result.objects_by_type["deployments.apps"] == 6 and result.objects_by_type["widgets.example.com"] == 2
    assert "events" not in result.objects_by_type and "leases.coordination.k8s.io" not in result.objects_by_type
    assert not any(t.startswith("nodes.metrics") or t.endswith("metrics.k8s.io") for t in result.objects_by_type)
    assert result.read_duration.ToNanoseconds() > 0 and result.write_duration.ToNanoseconds() > 0

    stat = git(data, "show", "--stat", "HEAD")
    assert "Operation: sync" in stat
    assert "clusters/snap/namespaces/web/deployments.apps/frontend.yaml" in stat
    files = git(data, "show", "--name-only", "--format=", "HEAD").split()
    assert "clusters/snap/nodes/node-1.yaml" in files  # cluster-scoped: no namespace segment
    assert "clusters/snap/namespaces/web.yaml" in files
    assert len(files) == result.objects_written
    frontend = yaml.safe_load(git(data, "show", "HEAD:clusters/snap/namespaces/web/deployments.apps/frontend.yaml"))
    assert frontend["kind"] == "Deployment" and "status" not in frontend
    assert not {"managedFields", "resourceVersion", "uid", "creationTimestamp"} & set(frontend["metadata"])
    secret = git(data, "show", "HEAD:clusters/snap/namespaces/shop/secrets/db-credentials.yaml")
    assert "ENC[" in secret and "s3cr3t" not in secret  # Secret values encrypted in git

    cluster = stub.GetCluster(pb.GetClusterRequest(name="clusters/snap"))
    assert cluster.resource_count == result.objects_read and cluster.last_sync_time.seconds > 0

    _, again = run_sync(stub, "clusters/snap")
    assert again.commit == "" and again.objects_written == 0 and head(data) == result.commit
    assert git(data, "log", "--format=%s").count("Sync cluster snap") == 1


def test_sync_deletes_objects_gone_from_the_cluster(cserver, stub, sim2):
    data = cserver.settings.data_dir
    create(stub, "shrinking", sim2.kubeconfig_text())
    run_sync(stub, "clusters/shrinking")

    def drop(cluster):
        rt = cluster.kind_type("ConfigMap")
        cluster.delete(rt, "shop", "cart-config")

    sim2.call(drop)
    _, result = run_sync(stub, "clusters/shrinking", message="after cleanup")
    assert result.objects_deleted == 1 and result.commit
    assert "clusters/shrinking/namespaces/shop/configmaps/cart-config.yaml" in git(
        data, "show", "--stat", "HEAD")
    assert git(data, "log", "-1", "--format=%s").strip() == "after cleanup"
    assert "clusters/shrinking/cluster.yaml" in git(data, "ls-tree", "-r", "--name-only", "HEAD")


def test_include_exclude_and_status(stub, sim2):
    create(stub, "picky", sim2.kubeconfig_text())
    _, only = run_sync(stub, "clusters/picky", include_resources=["deployments.apps", "cm"], include_status=True)
    assert set(only.objects_by_type) == {"deployments.apps", "configmaps"}
    _, without = run_sync(stub, "clusters/picky", exclude_resources=["pods", "replicasets.apps"])
    assert "pods" not in without.objects_by_type and "events" in without.objects_by_type


def test_sync_of_an_unreachable_cluster_fails_and_records_it(stub):
    create(stub, "lost", closed_port_kubeconfig(), allow_disconnected=True)
    with pytest.raises(grpc.RpcError) as caught:
        run_sync(stub, "clusters/lost")
    assert details(caught.value).reason == "CLUSTER_UNREACHABLE"
    assert stub.GetCluster(pb.GetClusterRequest(name="clusters/lost")).state == pb.CLUSTER_STATE_DISCONNECTED
