"""The policy pieces on their own: which names a request points at, scope decisions, limits,
and the docs kept in step with the tables."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import grpc
import pytest

from kubecommit.v1 import clusters_pb2, containers_pb2, labels_pb2, yaml_versions_pb2
from server.context import Caller
from server.embedded import EmbeddedServer
from server.errors import PermissionDenied, ResourceExhausted
from server.security import permissions, roles
from server.security.limits import CallerLimits
from server.security.scope import authorize, targets, visible
from server.security.tokens import TokenStore
from tests.conftest import REPO
from tests.security.conftest import call, guarded
from tests.support.auth import admin_token, with_token
from tests.support.status import details

WEB_OPERATOR = Caller("otto", "otto@x", "operator", clusters=("prod",), namespaces=("web",))


def _where(message) -> list[tuple[str, str]]:
    return [(t.cluster, t.namespace) for t in targets(message)]


@pytest.mark.parametrize("message,expected", [
    (clusters_pb2.GetClusterRequest(name="clusters/prod"), [("prod", "")]),
    (clusters_pb2.ListResourcesRequest(parent="clusters/prod", namespace="web"), [("prod", "web")]),
    (clusters_pb2.ListResourcesRequest(parent="clusters/prod"), [("prod", "-")]),
    (clusters_pb2.ListResourcesRequest(parent="clusters/-", clusters=["staging"]), [("-", "-"), ("staging", "-")]),
    (yaml_versions_pb2.ApplyManifestRequest(cluster="prod", etags={"clusters/prod/namespaces/db/secrets/s": "1"}),
     [("prod", "-"), ("prod", "db")]),
    (containers_pb2.ExecStreamRequest(start=containers_pb2.ExecStart(
        container="clusters/prod/namespaces/web/pods/p/containers/c")), [("prod", "web")]),
    (labels_pb2.SelectResourcesRequest(parent="clusters/-", namespaces=["a", "b"]), [("-", "a"), ("-", "b")]),
    (clusters_pb2.GetResourceRequest(name="clusters/prod/nodes/n1"), [("prod", "")]),
    (yaml_versions_pb2.ListCommitsRequest(prefix="clusters/prod/namespaces/"), [("prod", "-")]),
    (yaml_versions_pb2.ApplyManifestRequest(cluster="clusters/prod", message="clusters/other: moved"), [("prod", "-")]),
    (yaml_versions_pb2.ListTagsRequest(), []),
    # The Namespace object (cluster-scoped), its versions and labels vs. what lives in it.
    (yaml_versions_pb2.DeleteResourceRequest(name="clusters/prod/namespaces/web"), [("prod", "web"), ("prod", "")]),
    (yaml_versions_pb2.RollbackResourceRequest(name="clusters/p/namespaces/web", target="clusters/p/namespaces/web/versions/2"),
     [("p", "web"), ("p", ""), ("p", "web"), ("p", "")]),
    (labels_pb2.GetLabelsRequest(name="clusters/p/namespaces/web/labels"), [("p", "web"), ("p", "")]),
    (labels_pb2.GetLabelsRequest(name="clusters/p/namespaces/web/deployments.apps/api/labels"), [("p", "web")]),
    (containers_pb2.ListContainersRequest(parent="clusters/p/namespaces/web"), [("p", "web")]),
])
def test_targets_name_cluster_and_namespace(message, expected: list[tuple[str, str]]) -> None:
    assert _where(message) == expected


def test_names_that_escape_their_path_are_opaque() -> None:
    [target] = targets(clusters_pb2.GetResourceRequest(name="clusters/prod/namespaces/web/../kube-system/pods/p"))
    assert target.opaque


def test_authorize_and_visible() -> None:
    authorize(WEB_OPERATOR, "resources.apply", "prod", "web")
    authorize(WEB_OPERATOR, "resources.read", "clusters/prod", "")
    for permission, cluster, namespace in (("resources.apply", "prod", "kube-system"),
                                           ("resources.apply", "staging", "web"),
                                           ("resources.apply", "prod", ""),
                                           ("resources.apply", "prod", "-"),
                                           ("clusters.write", "prod", "")):
        with pytest.raises(PermissionDenied) as refused:
            authorize(WEB_OPERATOR, permission, cluster, namespace)
        assert refused.value.metadata["permission"] == permission and permission in refused.value.message
    assert visible(WEB_OPERATOR, "prod", "web") and visible(WEB_OPERATOR, "prod")
    assert not visible(WEB_OPERATOR, "prod", "kube-system") and not visible(WEB_OPERATOR, "staging")
    assert visible(Caller("root", "r@x", "admin"), "anything", "kube-system")
    with pytest.raises(PermissionDenied):
        authorize(Caller("ghost", "g@x", "superuser"), "clusters.read", "prod")


def test_rate_limit_refills_and_says_when_to_retry() -> None:
    now = [0.0]
    limits = CallerLimits(rate_per_second=2, burst=3, max_streams=0, clock=lambda: now[0])
    for _ in range(3):
        limits.admit("alice")
    with pytest.raises(ResourceExhausted) as refused:
        limits.admit("alice")
    assert refused.value.retry_after == pytest.approx(0.5)
    limits.admit("bob")  # buckets are per caller
    now[0] += 0.5
    limits.admit("alice")


def test_stream_cap_is_per_caller_and_released() -> None:
    limits = CallerLimits(0, 1, max_streams=2)
    with limits.stream("alice"), limits.stream("alice"):
        with pytest.raises(ResourceExhausted) as refused, limits.stream("alice"):
            pass
        assert refused.value.retry_after is not None
        with limits.stream("bob"):
            pass
    with limits.stream("alice"), limits.stream("alice"):
        pass


def test_limits_through_a_real_channel(server_factory: Callable[..., EmbeddedServer]) -> None:
    embedded = server_factory(rate_limit_per_second=0.5, rate_limit_burst=3, max_streams_per_caller=1)
    get = clusters_pb2.GetClusterRequest(name="clusters/prod")
    with grpc.insecure_channel(embedded.address) as plain:
        admin = with_token(plain, admin_token(embedded.settings.data_dir))
        codes = [getattr(call(admin, "/kubecommit.v1.ClustersService/GetCluster", get), "code", None)
                 for _ in range(4)]
        got = call(admin, "/kubecommit.v1.ClustersService/GetCluster", get)
        assert grpc.StatusCode.RESOURCE_EXHAUSTED not in codes[:3]
        assert got is not None and got.code == grpc.StatusCode.RESOURCE_EXHAUSTED and got.reason == "RATE_LIMITED"
        assert got.retry_seconds and 0 < got.retry_seconds <= 2


async def test_open_streams_are_capped_per_caller(tmp_path: Path) -> None:
    """Through the real interceptors, around a stand-in ExecStream that stays open until told."""
    tokens = TokenStore(tmp_path)
    admin, _ = tokens.create("root", "admin")
    release = asyncio.Event()

    async def hold(requests: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
        async for _ in requests:
            yield b""
            await release.wait()

    method = grpc.stream_stream_rpc_method_handler(hold, containers_pb2.ExecStreamRequest.FromString)
    handler = grpc.method_handlers_generic_handler("kubecommit.v1.ContainersService", {"ExecStream": method})
    server, address = await guarded(handler, tokens, CallerLimits(0, 1, max_streams=1))
    start = containers_pb2.ExecStreamRequest(start=containers_pb2.ExecStart(
        container="clusters/prod/namespaces/web/pods/p/containers/c", command=["sh"])).SerializeToString()
    metadata = [("authorization", f"Bearer {admin}")]
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            open_stream = channel.stream_stream("/kubecommit.v1.ContainersService/ExecStream")
            first = open_stream(metadata=metadata, timeout=10)
            await first.write(start)
            assert await first.read() == b""  # running, and holding the caller's only slot
            second = open_stream(iter([start]), metadata=metadata, timeout=10)
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await second.read()
            got = details(refused.value)
            assert got.code == grpc.StatusCode.RESOURCE_EXHAUSTED and got.reason == "TOO_MANY_STREAMS"
            assert got.retry_seconds
            release.set()
            await first.done_writing()
            assert await first.code() == grpc.StatusCode.OK
            third = open_stream(iter([start]), metadata=metadata, timeout=10)
            assert await third.read() == b""  # the slot was given back
            assert await third.code() == grpc.StatusCode.OK
    finally:
        await server.stop(0)
        tokens.close()


def _section(text: str, marker: str) -> str:
    match = re.search(rf"<!-- {marker} -->\n(.*?)<!-- /{marker} -->", text, re.S)
    assert match, f"docs/security.md lacks the {marker} markers"
    return match.group(1)


def test_docs_show_the_tables_the_code_enforces() -> None:
    """Regenerate with `.venv/bin/python -m server.security` and paste between the markers."""
    docs = (REPO / "docs/security.md").read_text()
    assert _section(docs, "roles") == roles.markdown()
    assert _section(docs, "permissions") == permissions.markdown()
