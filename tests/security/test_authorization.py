"""Authorization through real channels: roles, the permission table, cluster and namespace
scopes. A refused call stops at the interceptor with PERMISSION_DENIED naming the permission;
a call let through reaches the servicer (which may still answer UNIMPLEMENTED while the service
is being built, or reject the request on its merits)."""

from __future__ import annotations

from typing import Callable

import grpc
import pytest

from kubecommit.v1 import (
    affinity_pb2,
    clusters_pb2,
    containers_pb2,
    labels_pb2,
    yaml_versions_pb2,
)
from server.security.permissions import RULES
from server.security.roles import ROLES
from tests.security.conftest import METHODS, call
from tests.support.status import Details

DENIED = grpc.StatusCode.PERMISSION_DENIED
APPLY = "/kubecommit.v1.YamlVersionsService/ApplyManifest"
DELETE = "/kubecommit.v1.YamlVersionsService/DeleteResource"
EXEC = "/kubecommit.v1.ContainersService/Exec"
EXEC_STREAM = "/kubecommit.v1.ContainersService/ExecStream"
STREAM_LOGS = "/kubecommit.v1.ContainersService/StreamLogs"
GET_CLUSTER = "/kubecommit.v1.ClustersService/GetCluster"
LIST_RESOURCES = "/kubecommit.v1.ClustersService/ListResources"
ADD_TAINTS = "/kubecommit.v1.AffinityService/AddNodeTaints"
SELECT = "/kubecommit.v1.LabelsService/SelectResources"
CREATE_BACKUP = "/kubecommit.v1.YamlVersionsService/CreateBackup"


def container(namespace: str, cluster: str = "prod") -> str:
    return f"clusters/{cluster}/namespaces/{namespace}/pods/api-0/containers/app"


def manifest(namespace: str) -> yaml_versions_pb2.ApplyManifestRequest:
    return yaml_versions_pb2.ApplyManifestRequest(
        cluster="clusters/prod", namespace=namespace,
        manifest="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")


def denied(got: Details | None, permission: str) -> bool:
    return got is not None and got.code == DENIED and got.metadata.get("permission") == permission \
        and permission in got.message


def let_through(got: Details | None) -> bool:
    """The interceptor let the call reach the servicer."""
    return got is None or got.code not in (DENIED, grpc.StatusCode.UNAUTHENTICATED)


def test_every_rpc_of_the_contract_is_in_the_table() -> None:
    assert set(RULES) == set(METHODS)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_gets_exactly_its_permissions_on_every_rpc(as_role: Callable[..., grpc.Channel],
                                                             role: str) -> None:
    """An empty request to each of the contract's RPCs: refused with the permission named when
    the role lacks it, let through (to request checks or the servicer) when it has it."""
    channel = as_role(role)
    wrong = []
    for method, rule in RULES.items():
        got = call(channel, method)
        expected = rule.permission in ROLES[role]
        if expected != let_through(got) or (not expected and not denied(got, rule.permission)):
            wrong.append((method, rule.permission, got and got.code))
    assert not wrong


def test_viewer_cannot_apply_or_exec(as_role: Callable[..., grpc.Channel]) -> None:
    viewer = as_role("viewer")
    assert denied(call(viewer, APPLY, manifest("web")), "resources.apply")
    assert denied(call(viewer, EXEC, containers_pb2.ExecRequest(container=container("web"), command=["id"])),
                  "exec.run")
    start = containers_pb2.ExecStreamRequest(start=containers_pb2.ExecStart(container=container("web"), command=["sh"]))
    assert denied(call(viewer, EXEC_STREAM, start), "exec.run")
    assert let_through(call(viewer, GET_CLUSTER, clusters_pb2.GetClusterRequest(name="clusters/prod")))


def test_viewer_scoped_to_a_cluster_cannot_read_another(as_role: Callable[..., grpc.Channel]) -> None:
    viewer = as_role("viewer", clusters=["staging"])
    got = call(viewer, GET_CLUSTER, clusters_pb2.GetClusterRequest(name="clusters/prod"))
    assert denied(got, "clusters.read") and got.reason == "OUT_OF_SCOPE" and "'prod'" in got.message
    assert let_through(call(viewer, GET_CLUSTER, clusters_pb2.GetClusterRequest(name="clusters/staging")))
    resource = "clusters/prod/namespaces/web/deployments.apps/api"
    assert denied(call(viewer, "/kubecommit.v1.ClustersService/GetResource",
                       clusters_pb2.GetResourceRequest(name=resource)), "resources.read")
    # One foreign name among several is enough to refuse.
    compare = clusters_pb2.CompareResourcesRequest(names=[resource.replace("prod", "staging"), resource])
    assert denied(call(viewer, "/kubecommit.v1.ClustersService/CompareResources", compare), "resources.read")


def test_reads_spanning_clusters_pass_to_be_narrowed(as_role: Callable[..., grpc.Channel]) -> None:
    viewer = as_role("viewer", clusters=["staging"], namespaces=["web"])
    every = clusters_pb2.ListResourcesRequest(parent="clusters/-", resource_type="pods")
    assert let_through(call(viewer, LIST_RESOURCES, every))
    assert let_through(call(viewer, "/kubecommit.v1.ClustersService/ListClusters", clusters_pb2.ListClustersRequest()))
    assert let_through(call(viewer, SELECT, labels_pb2.SelectResourcesRequest(parent="clusters/-", label_selector="a=b")))
    # What a spanning read names explicitly is still checked.
    foreign = clusters_pb2.ListResourcesRequest(parent="clusters/-", resource_type="pods", clusters=["clusters/prod"])
    assert denied(call(viewer, LIST_RESOURCES, foreign), "resources.read")
    system = clusters_pb2.ListResourcesRequest(parent="clusters/staging", resource_type="pods", namespace="kube-system")
    assert denied(call(viewer, LIST_RESOURCES, system), "resources.read")


def test_operator_scoped_to_web_cannot_touch_kube_system(as_role: Callable[..., grpc.Channel]) -> None:
    operator = as_role("operator", namespaces=["web"])
    exec_in = lambda ns: containers_pb2.ExecRequest(container=container(ns), command=["id"])  # noqa: E731
    got = call(operator, EXEC, exec_in("kube-system"))
    assert denied(got, "exec.run") and "'kube-system'" in got.message
    assert let_through(call(operator, EXEC, exec_in("web")))
    assert denied(call(operator, APPLY, manifest("kube-system")), "resources.apply")
    assert let_through(call(operator, APPLY, manifest("web")))
    name = "clusters/prod/namespaces/kube-system/configmaps/coredns"
    assert denied(call(operator, DELETE, yaml_versions_pb2.DeleteResourceRequest(name=name)), "resources.apply")
    # Streams: the first message is checked before the servicer reads it.
    start = lambda ns: containers_pb2.ExecStreamRequest(  # noqa: E731
        start=containers_pb2.ExecStart(container=container(ns), command=["sh"]))
    assert denied(call(operator, EXEC_STREAM, start("kube-system")), "exec.run")
    assert let_through(call(operator, EXEC_STREAM, start("web")))
    logs = containers_pb2.StreamLogsRequest(query=containers_pb2.LogQuery(parent="clusters/prod/namespaces/kube-system"))
    assert denied(call(operator, STREAM_LOGS, logs), "logs.read")
    # Every namespace is more than `web`.
    drift = yaml_versions_pb2.ImportDriftRequest(cluster="clusters/prod")
    got = call(operator, "/kubecommit.v1.YamlVersionsService/ImportDrift", drift)
    assert denied(got, "resources.apply") and "every namespace" in got.message


def test_namespace_scope_reads_but_never_changes_cluster_level_objects(
        as_role: Callable[..., grpc.Channel]) -> None:
    operator = as_role("operator", namespaces=["web"])
    assert let_through(call(operator, GET_CLUSTER, clusters_pb2.GetClusterRequest(name="clusters/prod")))
    taint = affinity_pb2.AddNodeTaintsRequest(name="clusters/prod/nodes/n1",
                                              taints=[affinity_pb2.NodeTaint(key="k", effect=1)])
    got = call(operator, ADD_TAINTS, taint)
    assert denied(got, "resources.apply") and "cluster-level" in got.message


def test_namespace_scope_does_not_cover_the_namespace_object(as_role: Callable[..., grpc.Channel]) -> None:
    """Deleting, relabelling or rolling back the Namespace `web` changes a cluster-level object."""
    operator = as_role("operator", namespaces=["web"])
    ns = "clusters/prod/namespaces/web"
    assert denied(call(operator, DELETE, yaml_versions_pb2.DeleteResourceRequest(name=ns)), "resources.apply")
    relabel = labels_pb2.UpdateLabelsRequest(labels=labels_pb2.Labels(name=f"{ns}/labels", labels={"a": "b"}))
    assert denied(call(operator, "/kubecommit.v1.LabelsService/UpdateLabels", relabel), "resources.apply")
    back = yaml_versions_pb2.RollbackResourceRequest(name=ns, target=f"{ns}/versions/1")
    assert denied(call(operator, "/kubecommit.v1.YamlVersionsService/RollbackResource", back), "resources.rollback")
    assert let_through(call(operator, "/kubecommit.v1.ClustersService/GetResource",
                            clusters_pb2.GetResourceRequest(name=ns)))
    assert let_through(call(operator, DELETE, yaml_versions_pb2.DeleteResourceRequest(name=f"{ns}/configmaps/c")))


def test_scoped_token_must_name_what_it_acts_on(as_role: Callable[..., grpc.Channel]) -> None:
    operator = as_role("operator", clusters=["prod"])
    got = call(operator, "/kubecommit.v1.ContainersService/ListFiles", containers_pb2.ListFilesRequest(path="/"))
    assert denied(got, "exec.run")


def test_names_that_do_not_parse_are_refused_to_scoped_tokens(as_role: Callable[..., grpc.Channel]) -> None:
    operator = as_role("operator", namespaces=["web"])
    sneaky = "clusters/prod/namespaces/web/../kube-system/pods/p/containers/c"
    assert denied(call(operator, EXEC, containers_pb2.ExecRequest(container=sneaky, command=["id"])), "exec.run")


def test_store_wide_permissions_need_an_unscoped_token(as_role: Callable[..., grpc.Channel]) -> None:
    backup = yaml_versions_pb2.CreateBackupRequest(backup_id="b1")
    got = call(as_role("admin", clusters=["prod"]), CREATE_BACKUP, backup)
    assert denied(got, "backups.admin") and got.reason == "SCOPED_TOKEN"
    assert let_through(call(as_role("admin"), CREATE_BACKUP, backup))


def test_admin_gets_through(as_admin: grpc.Channel) -> None:
    assert let_through(call(as_admin, APPLY, manifest("kube-system")))
    assert let_through(call(as_admin, EXEC, containers_pb2.ExecRequest(container=container("kube-system"), command=["id"])))
    assert let_through(call(as_admin, ADD_TAINTS, affinity_pb2.AddNodeTaintsRequest(
        name="clusters/prod/nodes/n1", taints=[affinity_pb2.NodeTaint(key="k", effect=1)])))
