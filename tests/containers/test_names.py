"""Names that reach a Kubernetes API path are checked as the API server checks them: every field of
ContainersService joined into a path refuses `..`, `/`, `%2F`, `?`, `#`, NUL and over-long names
with INVALID_ARGUMENT naming the field, before anything reaches the cluster; and the traversal a
namespace-scoped caller could once use to read another namespace is refused."""

from __future__ import annotations

from typing import Any, Callable

import grpc
import pytest

from kubecommit.v1 import containers_pb2 as pb
from kubecommit.v1 import containers_pb2_grpc
from kubesim import Simulator
from server.embedded import EmbeddedServer
from server.kube import paths
from tests.containers.conftest import WEB
from tests.support.auth import make_token, with_token
from tests.support.status import details

BAD = ["..", "a/b", "a%2Fb", "a?b", "a#b", "a\x00b", "a" * 300]
POD = "frontend-0"


def _container(namespace: str = "web", pod: str = POD, container: str = "frontend") -> str:
    return f"clusters/demo/namespaces/{namespace}/pods/{pod}/containers/{container}"


def _query(value: str, where: str) -> pb.LogQuery:
    if where == "parent":
        return pb.LogQuery(parent=f"clusters/demo/namespaces/{value}", pod=POD)
    return pb.LogQuery(parent=WEB, **{"pod": POD, where: value})


def _log_calls(rpc: str, stub: containers_pb2_grpc.ContainersServiceStub, value: str, where: str) -> Any:
    query = _query(value, where)
    if rpc == "ListLogEntries":
        return stub.ListLogEntries(pb.ListLogEntriesRequest(query=query))
    if rpc == "ExportLogs":
        return list(stub.ExportLogs(pb.ExportLogsRequest(query=query)))
    return list(stub.StreamLogs(iter([pb.StreamLogsRequest(query=query)])))


def _container_calls(rpc: str, stub: containers_pb2_grpc.ContainersServiceStub, name: str) -> Any:
    if rpc == "Exec":
        return stub.Exec(pb.ExecRequest(container=name, command=["true"]))
    if rpc == "ExecStream":
        return list(stub.ExecStream(iter([pb.ExecStreamRequest(start=pb.ExecStart(container=name, command=["sh"]))])))
    if rpc == "ListFiles":
        return stub.ListFiles(pb.ListFilesRequest(container=name, path="/"))
    if rpc == "DownloadFile":
        return list(stub.DownloadFile(pb.DownloadFileRequest(container=name, path="/etc/hostname")))
    if rpc == "DeleteFile":
        return stub.DeleteFile(pb.DeleteFileRequest(container=name, path="/tmp/x"))
    return stub.UploadFile(iter([pb.UploadFileRequest(target=pb.UploadTarget(container=name, path="/tmp/x"))]))


# (what is called, the field the error must name)
Case = tuple[Callable[[containers_pb2_grpc.ContainersServiceStub, str], Any], str]
CASES: dict[str, Case] = {
    "ListContainers.parent": (lambda s, v: s.ListContainers(pb.ListContainersRequest(
        parent=f"clusters/demo/namespaces/{v}")), "parent"),
    "ListContainers.pod": (lambda s, v: s.ListContainers(pb.ListContainersRequest(parent=WEB, pod=v)), "pod"),
    **{f"{rpc}.query.{where}": ((lambda s, v, rpc=rpc, where=where: _log_calls(rpc, s, v, where)), f"query.{where}")
       for rpc in ("ListLogEntries", "ExportLogs", "StreamLogs") for where in ("parent", "pod", "container")},
    **{f"{rpc}.{field}.{segment}": ((lambda s, v, rpc=rpc, segment=segment: _container_calls(
        rpc, s, _container(**{segment: v}))), field)
       for rpc, field in (("Exec", "container"), ("ExecStream", "start.container"), ("ListFiles", "container"),
                          ("DownloadFile", "container"), ("DeleteFile", "container"),
                          ("UploadFile", "target.container"))
       for segment in ("namespace", "pod", "container")},
    "GetExecPolicy.name": (lambda s, v: s.GetExecPolicy(pb.GetExecPolicyRequest(
        name=f"clusters/demo/namespaces/{v}/execPolicy")), "name"),
    "UpdateExecPolicy.policy.name": (lambda s, v: s.UpdateExecPolicy(pb.UpdateExecPolicyRequest(
        policy=pb.ExecPolicy(name=f"clusters/demo/namespaces/{v}/execPolicy"))), "policy.name"),
}


@pytest.mark.parametrize("bad", BAD, ids=["dotdot", "slash", "pct2F", "question", "hash", "nul", "long"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_path_field_refuses_names_that_are_not_names(stub, sim: Simulator, case: str, bad: str) -> None:
    call, field = CASES[case]
    before = len(sim.request_paths)
    with pytest.raises(grpc.RpcError) as error:
        call(stub, bad)
    d = details(error.value)
    assert d.code == grpc.StatusCode.INVALID_ARGUMENT, (d.code, d.message)
    assert field in d.violations, d.violations
    assert not [p for p in sim.request_paths[before:] if "a%2Fb" in p or "%3F" in p or "a" * 100 in p]


def test_scoped_caller_cannot_walk_out_of_its_namespace(demo_server: EmbeddedServer, sim: Simulator) -> None:
    """The reported exploit: a token scoped to `web` naming pod `../../shop/pods/postgres-0`."""
    token = make_token(demo_server, "webonly", "operator", clusters=["demo"], namespaces=["web"])
    escape = "../../shop/pods/postgres-0"
    before = len(sim.request_paths)
    with grpc.insecure_channel(demo_server.address) as ch:
        stub = containers_pb2_grpc.ContainersServiceStub(with_token(ch, token))
        for call in (lambda q: stub.ListLogEntries(pb.ListLogEntriesRequest(query=q)),
                     lambda q: list(stub.ExportLogs(pb.ExportLogsRequest(query=q))),
                     lambda q: list(stub.StreamLogs(iter([pb.StreamLogsRequest(query=q)])))):
            for query in (pb.LogQuery(parent=WEB, pod=escape), pb.LogQuery(parent=WEB, pod="../../shop/secrets/x"),
                          pb.LogQuery(parent=WEB, pod=POD, container="../../shop")):
                with pytest.raises(grpc.RpcError) as error:
                    call(query)
                d = details(error.value)
                assert d.code == grpc.StatusCode.INVALID_ARGUMENT and set(d.violations) & {"query.pod",
                                                                                          "query.container"}
        # What the token may read still works: the check refuses names, not the caller.
        assert stub.ListContainers(pb.ListContainersRequest(parent=WEB)).containers
    seen = sim.request_paths[before:]
    assert seen and all(p.startswith("/api/v1/namespaces/web/") for p in seen if "/namespaces/" in p), seen
    assert not [p for p in seen if "shop" in p]


@pytest.mark.parametrize("name,rule,ok", [
    ("web", paths.NAMESPACE, True), ("a" * 63, paths.NAMESPACE, True), ("a" * 64, paths.NAMESPACE, False),
    ("Web", paths.NAMESPACE, False), ("-web", paths.NAMESPACE, False), ("web-", paths.NAMESPACE, False),
    ("postgres-0", paths.POD, True), ("x.y-1.z", paths.POD, True), (".x", paths.POD, False),
    ("x..y", paths.POD, False), ("a" * 253, paths.POD, True), ("a" * 254, paths.POD, False),
    ("app.v2", paths.CONTAINER, False), ("app-2", paths.CONTAINER, True), ("", paths.CONTAINER, False),
])
def test_name_rules_match_the_api_server(name: str, rule: paths.NameRule, ok: bool) -> None:
    if ok:
        assert paths.check_name(name, rule, "f") == name
    else:
        with pytest.raises(Exception) as error:
            paths.check_name(name, rule, "f")
        assert error.value.violations[0].field == "f"  # type: ignore[attr-defined]


def test_builders_check_what_they_join() -> None:
    assert paths.pod_log("web", "frontend-0") == "/api/v1/namespaces/web/pods/frontend-0/log"
    assert paths.pods() == "/api/v1/pods"
    for namespace, pod in (("web", "../../shop/pods/postgres-0"), ("../shop", "x"), ("web", "a?b")):
        with pytest.raises(Exception):
            paths.pod_exec(namespace, pod)


def test_every_kind_of_object_path_checks_its_name() -> None:
    """ApiResource.path (every other domain's Kubernetes paths) goes through the same check."""
    from server.kube import ApiResource

    roles = ApiResource("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False, ())
    assert roles.path("", "system:controller:x") == "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:controller:x"
    secrets = ApiResource("", "v1", "secrets", "Secret", True, ())
    assert secrets.path("web", "tls") == "/api/v1/namespaces/web/secrets/tls"
    for namespace, name in (("web", ".."), ("web", "a/b"), ("web", "a%2Fb"), ("web", "a?b"), ("web", "a#b"),
                            ("web", "a\x00b"), ("web", "a" * 300), ("../shop", "x")):
        with pytest.raises(Exception) as error:
            secrets.path(namespace, name)
        assert error.value.violations[0].field in ("name", "namespace")  # type: ignore[attr-defined]
