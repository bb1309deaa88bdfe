"""Every List RPC pages the same way (server/paging.py), checked through real channels: a token
replayed with another query is INVALID_ARGUMENT naming page_token, a huge page_size is clamped
(AIP-158), a negative one is refused, and a forged or edited token is INVALID_ARGUMENT, never
INTERNAL."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import grpc
import pytest

from kubecommit.v1 import admin_pb2, admin_pb2_grpc, clusters_pb2, clusters_pb2_grpc, containers_pb2, containers_pb2_grpc
from kubecommit.v1 import operations_pb2, operations_pb2_grpc
from kubecommit.v1 import yaml_versions_pb2 as vpb
from kubecommit.v1 import yaml_versions_pb2_grpc
from kubesim import Simulator
from server.containers.logs import pages as log_pages
from server.embedded import EmbeddedServer
from server.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from tests.support.auth import admin_token, with_token
from tests.support.clusters import register_cluster
from tests.support.status import details

WEB = "clusters/demo/namespaces/web"


def refused(call: Callable[[], Any], field: str) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    found = details(caught.value)
    assert found.code == grpc.StatusCode.INVALID_ARGUMENT, found
    assert field in found.violations, found


def forgeries(token: str) -> list[str]:
    """Tokens a client could make: garbage, an edited body under the old signature, no signature."""
    body, _, mac = token.partition(".")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    edited = base64.urlsafe_b64encode(raw.replace(b'"p":{', b'"p":{"x":1,')).decode().rstrip("=")
    return ["!!!", "bm90IGpzb24", body, f"{edited}.{mac}", base64.urlsafe_b64encode(b'{"o": 1}').decode()]


def check_family(list_page: Callable[..., Any], items: Callable[[Any], list[Any]],
                 other_query: Callable[..., Any] | None, default: int = DEFAULT_PAGE_SIZE,
                 maximum: int = MAX_PAGE_SIZE) -> None:
    """One List RPC: page 1 of size 1 gives a token; the token works for its own query only."""
    first = list_page(page_size=1)
    assert len(items(first)) == 1 and first.next_page_token
    second = list_page(page_size=1, page_token=first.next_page_token)
    assert items(second) and items(second) != items(first)
    if other_query is not None:
        refused(lambda: other_query(page_size=1, page_token=first.next_page_token), "page_token")
    for forged in forgeries(first.next_page_token):
        refused(lambda: list_page(page_size=1, page_token=forged), "page_token")
    # Clamped to the maximum, not refused: the same page as asking for the maximum itself (the
    # default page size would differ once a shared server holds more than 50 items).
    assert items(list_page(page_size=100000)) == items(list_page(page_size=maximum))
    assert len(items(list_page(page_size=0))) == min(default, len(items(list_page(page_size=100000))))
    refused(lambda: list_page(page_size=-1), "page_size")


@pytest.fixture(scope="module")
def two_clusters(server_factory: Callable[..., EmbeddedServer], sim: Simulator) -> EmbeddedServer:
    embedded = server_factory()
    for name in ("demo", "other"):
        register_cluster(embedded, name, sim.kubeconfig_text(name))
    return embedded


def _channel(embedded: EmbeddedServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(embedded.address) as ch:
        yield with_token(ch, admin_token(embedded.settings.data_dir))


@pytest.fixture(scope="module")
def clusters(two_clusters: EmbeddedServer) -> Iterator[clusters_pb2_grpc.ClustersServiceStub]:
    for ch in _channel(two_clusters):
        yield clusters_pb2_grpc.ClustersServiceStub(ch)


@pytest.fixture(scope="module")
def versions(demo_server: EmbeddedServer) -> Iterator[yaml_versions_pb2_grpc.YamlVersionsServiceStub]:
    for ch in _channel(demo_server):
        yield yaml_versions_pb2_grpc.YamlVersionsServiceStub(ch)


@pytest.fixture(scope="module")
def containers(demo_server: EmbeddedServer) -> Iterator[containers_pb2_grpc.ContainersServiceStub]:
    for ch in _channel(demo_server):
        yield containers_pb2_grpc.ContainersServiceStub(ch)


def test_list_clusters(clusters: clusters_pb2_grpc.ClustersServiceStub) -> None:
    check_family(lambda **kw: clusters.ListClusters(clusters_pb2.ListClustersRequest(**kw)),
                 lambda r: list(r.clusters),
                 lambda **kw: clusters.ListClusters(clusters_pb2.ListClustersRequest(order_by="name desc", **kw)))


def test_list_resources(clusters: clusters_pb2_grpc.ClustersServiceStub) -> None:
    def request(**kw: Any) -> clusters_pb2.ListResourcesRequest:
        return clusters_pb2.ListResourcesRequest(parent="clusters/demo", resource_type="namespaces", **kw)
    check_family(lambda **kw: clusters.ListResources(request(**kw)), lambda r: list(r.resources),
                 lambda **kw: clusters.ListResources(request(label_selector="a=b", **kw)))


def _configmap(versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub, name: str, value: str) -> None:
    versions.ApplyManifest(vpb.ApplyManifestRequest(cluster="clusters/demo", message=f"{name}={value}", manifest=(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: web\ndata:\n  v: '{value}'\n")))


def test_versions_and_commits(versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub) -> None:
    first, second = (f"paging-{uuid.uuid4().hex[:6]}" for _ in range(2))
    for value in ("1", "2"):
        _configmap(versions, first, value)
        _configmap(versions, second, value)
    check_family(
        lambda **kw: versions.ListVersions(vpb.ListVersionsRequest(parent=f"{WEB}/configmaps/{first}", **kw)),
        lambda r: list(r.versions),
        lambda **kw: versions.ListVersions(vpb.ListVersionsRequest(parent=f"{WEB}/configmaps/{second}", **kw)))
    check_family(lambda **kw: versions.ListCommits(vpb.ListCommitsRequest(**kw)), lambda r: list(r.commits),
                 lambda **kw: versions.ListCommits(vpb.ListCommitsRequest(prefix=f"{WEB}/configmaps/{first}", **kw)))


def test_tags_and_branches(versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub) -> None:
    for _ in range(2):
        suffix = uuid.uuid4().hex[:6]
        versions.CreateTag(vpb.CreateTagRequest(tag_id=f"paging-{suffix}"))
        versions.CreateBranch(vpb.CreateBranchRequest(branch_id=f"paging-{suffix}"))
    tags = versions.ListTags(vpb.ListTagsRequest(page_size=1))
    # A token of one List is refused by another, even where neither has a filter.
    refused(lambda: versions.ListBranches(vpb.ListBranchesRequest(page_size=1, page_token=tags.next_page_token)),
            "page_token")
    check_family(lambda **kw: versions.ListTags(vpb.ListTagsRequest(**kw)), lambda r: list(r.tags), None)
    check_family(lambda **kw: versions.ListBranches(vpb.ListBranchesRequest(**kw)), lambda r: list(r.branches), None)


def test_backups_refuse_forged_tokens(versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub) -> None:
    for forged in ["!!!", "bm90IGpzb24", "MTA"]:
        refused(lambda: versions.ListBackups(vpb.ListBackupsRequest(page_token=forged)), "page_token")
    versions.ListBackups(vpb.ListBackupsRequest(page_size=100000))
    refused(lambda: versions.ListBackups(vpb.ListBackupsRequest(page_size=-1)), "page_size")


def test_containers_and_log_entries(containers: containers_pb2_grpc.ContainersServiceStub) -> None:
    check_family(
        lambda **kw: containers.ListContainers(containers_pb2.ListContainersRequest(parent=WEB, **kw)),
        lambda r: list(r.containers),
        lambda **kw: containers.ListContainers(containers_pb2.ListContainersRequest(
            parent=WEB, label_selector="app=frontend", **kw)))

    # A closed window of the past: the containers go on logging, and the family compares the
    # answers of calls made one after another (a `tail_lines` query moves between them).
    end = datetime.now(timezone.utc) - timedelta(seconds=1)

    def query(until: datetime = end) -> containers_pb2.LogQuery:
        return containers_pb2.LogQuery(parent=WEB, label_selector="app=frontend",
                                       since=_rfc3339(end - timedelta(seconds=60)), until=_rfc3339(until))
    check_family(
        lambda **kw: containers.ListLogEntries(containers_pb2.ListLogEntriesRequest(query=query(), **kw)),
        lambda r: [e.SerializeToString() for e in r.entries],
        lambda **kw: containers.ListLogEntries(containers_pb2.ListLogEntriesRequest(
            query=query(until=end - timedelta(seconds=1)), **kw)),
        default=log_pages.DEFAULT_PAGE, maximum=log_pages.MAX_PAGE)  # log lines come in bigger pages


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_exec_sessions_and_exports(containers: containers_pb2_grpc.ContainersServiceStub) -> None:
    name = next(c.name for c in containers.ListContainers(containers_pb2.ListContainersRequest(
        parent=WEB, label_selector="app=frontend")).containers if c.state == "running")
    for _ in range(2):
        containers.Exec(containers_pb2.ExecRequest(container=name, command=["true"]))
    check_family(
        lambda **kw: containers.ListExecSessions(containers_pb2.ListExecSessionsRequest(**kw)),
        lambda r: [s.name for s in r.sessions],
        lambda **kw: containers.ListExecSessions(containers_pb2.ListExecSessionsRequest(parent=name, **kw)))
    for forged in ["!!!", "12", "bm90IGpzb24"]:
        refused(lambda: containers.ListLogExports(containers_pb2.ListLogExportsRequest(page_token=forged)),
                "page_token")
    containers.ListLogExports(containers_pb2.ListLogExportsRequest(page_size=100000))


@pytest.fixture(scope="module")
def admin(demo_server: EmbeddedServer) -> Iterator[admin_pb2_grpc.AdminServiceStub]:
    for ch in _channel(demo_server):
        yield admin_pb2_grpc.AdminServiceStub(ch)


def test_tokens_and_audit_entries(admin: admin_pb2_grpc.AdminServiceStub) -> None:
    prefix = f"paging-{uuid.uuid4().hex[:6]}"
    for i in range(2):
        admin.CreateToken(admin_pb2.CreateTokenRequest(token=admin_pb2.Token(display_name=f"{prefix}-{i}",
                                                                             role="viewer")))
    check_family(lambda **kw: admin.ListTokens(admin_pb2.ListTokensRequest(**kw)), lambda r: list(r.tokens),
                 lambda **kw: admin.ListTokens(admin_pb2.ListTokensRequest(filter='role = "viewer"', **kw)))
    # Reads of the audit log (and refusals) are audited themselves: the pages read token creations.
    created = 'rpc = "/kubecommit.v1.AdminService/CreateToken"'
    check_family(
        lambda **kw: admin.ListAuditEntries(admin_pb2.ListAuditEntriesRequest(filter=created, **kw)),
        lambda r: list(r.audit_entries),
        lambda **kw: admin.ListAuditEntries(admin_pb2.ListAuditEntriesRequest(filter=f"{created} AND code = OK",
                                                                              **kw)))


@pytest.fixture(scope="module")
def operations(demo_server: EmbeddedServer) -> Iterator[operations_pb2_grpc.OperationsServiceStub]:
    for ch in _channel(demo_server):
        yield operations_pb2_grpc.OperationsServiceStub(ch)


def test_jobs_rules_and_channels(operations: operations_pb2_grpc.OperationsServiceStub) -> None:
    check_family(lambda **kw: operations.ListJobs(operations_pb2.ListJobsRequest(**kw)), lambda r: list(r.jobs),
                 lambda **kw: operations.ListJobs(operations_pb2.ListJobsRequest(filter="paused=false", **kw)))
    rules = lambda **kw: operations.ListAlertRules(operations_pb2.ListAlertRulesRequest(**kw))  # noqa: E731
    check_family(rules, lambda r: list(r.alert_rules), None)
    # A token of one List is refused by another, even where neither has a filter.
    refused(lambda: operations.ListNotificationChannels(operations_pb2.ListNotificationChannelsRequest(
        page_size=1, page_token=rules(page_size=1).next_page_token)), "page_token")
