"""Identity flows into history: the caller the interceptor authenticates is the author of the
commits its call makes. The services build on `server.context.commit_author()`; this proves the
helper, then the whole path from a bearer token to a commit author through a real channel."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import grpc
import pytest

from gitstore import Author, Change, Store
from kubecommit.v1 import yaml_versions_pb2
from server import context
from server.context import CallContext, Caller
from server.security.limits import CallerLimits
from server.security.tokens import TokenStore
from tests.security.conftest import guarded

APPLY = "/kubecommit.v1.YamlVersionsService/ApplyManifest"


def test_commit_author_is_the_current_caller() -> None:
    alice = Caller(name="alice", email="alice@example.com", role="operator", namespaces=("web",))
    bound = context.bind(CallContext(method=APPLY, request_id="r1", caller=alice))
    try:
        assert context.commit_author() == Author(name="alice", email="alice@example.com")
        assert context.commit_request_id() == "r1"
    finally:
        context.unbind(bound)
    # Outside any call (CLI maintenance, the demo bootstrap) kubecommit itself is the author.
    assert context.commit_author() == Author(name="kubecommit", email="kubecommit@localhost")


async def test_a_token_becomes_the_author_of_the_commit_its_call_makes(tmp_path: Path) -> None:
    """The real interceptor chain around a stand-in ApplyManifest that commits like the
    YamlVersions service does: `author=context.commit_author()`."""
    store = Store.open(tmp_path / "store")
    tokens = TokenStore(tmp_path)
    token, _ = tokens.create("dave", "operator", email="dave@example.com")

    async def apply(request: Any, servicer_context: grpc.aio.ServicerContext) -> bytes:
        store.commit([Change(f"clusters/prod/namespaces/web/configmaps/{request.message}.yaml",
                             {"apiVersion": "v1", "kind": "ConfigMap"})],
                     author=context.commit_author(), message=request.message)
        return yaml_versions_pb2.ApplyManifestResponse().SerializeToString()

    handler = grpc.method_handlers_generic_handler("kubecommit.v1.YamlVersionsService", {
        "ApplyManifest": grpc.unary_unary_rpc_method_handler(
            apply, request_deserializer=yaml_versions_pb2.ApplyManifestRequest.FromString)})
    server, address = await guarded(handler, tokens, CallerLimits(0, 1, 0))
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = channel.unary_unary(APPLY, request_serializer=lambda m: m.SerializeToString())
            request = yaml_versions_pb2.ApplyManifestRequest(
                cluster="clusters/prod", namespace="web", manifest="kind: ConfigMap", message="settings")
            await stub(request, metadata=[("authorization", f"Bearer {token}")], timeout=10)
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub(request, timeout=10)
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        await server.stop(0)
    [entry], _ = await asyncio.to_thread(store.log)
    assert entry.author == Author(name="dave", email="dave@example.com")
    store.close()
    tokens.close()
