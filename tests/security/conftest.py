"""Servers and callers for the security tests: one server with limits off (so hundreds of calls
per test stay honest), tokens for each role and scope, and a way to call any RPC of any shape."""

from __future__ import annotations

from typing import Callable, Iterator, Sequence

import grpc
import pytest
from google.protobuf import descriptor
from google.protobuf.message import Message

from server.embedded import EmbeddedServer
from server.interceptors.auth import AuthInterceptor
from server.interceptors.request import RequestChecks, RequestInterceptor
from server.security.authn import Authenticator
from server.security.limits import CallerLimits
from server.security.tokens import TokenStore
from server.services import SERVICES
from tests.support.auth import admin_token, make_token, with_token
from tests.support.status import Details, details

METHODS: dict[str, descriptor.MethodDescriptor] = {
    f"/{entry.full_name}/{m.name}": m for entry in SERVICES for m in entry.descriptor.methods
}


def call(channel: grpc.Channel, method: str, request: Message | bytes = b"",
         metadata: Sequence[tuple[str, str]] = ()) -> Details | None:
    """Calls any RPC once with one request message; None on success, else the error's details."""
    shape = METHODS[method]
    raw = request if isinstance(request, bytes) else request.SerializeToString()
    kind = {(False, False): channel.unary_unary, (False, True): channel.unary_stream,
            (True, False): channel.stream_unary, (True, True): channel.stream_stream}[
        (shape.client_streaming, shape.server_streaming)]
    stub = kind(method, request_serializer=lambda b: b, response_deserializer=lambda b: b)
    argument = iter([raw]) if shape.client_streaming else raw
    try:
        reply = stub(argument, timeout=10, metadata=list(metadata))
        if shape.server_streaming:
            list(reply)
    except grpc.RpcError as error:
        return details(error)
    return None


@pytest.fixture(scope="session")
def sec_server(server_factory: Callable[..., EmbeddedServer]) -> EmbeddedServer:
    return server_factory(rate_limit_per_second=0, max_streams_per_caller=0)


@pytest.fixture()
def plain(sec_server: EmbeddedServer) -> Iterator[grpc.Channel]:
    """No credentials at all."""
    with grpc.insecure_channel(sec_server.address) as ch:
        yield ch


@pytest.fixture()
def as_admin(plain: grpc.Channel, sec_server: EmbeddedServer) -> grpc.Channel:
    return with_token(plain, admin_token(sec_server.settings.data_dir))


@pytest.fixture()
def as_role(plain: grpc.Channel, sec_server: EmbeddedServer) -> Callable[..., grpc.Channel]:
    """`as_role("viewer", clusters=["staging"])`: a channel carrying a fresh token."""
    made = iter(range(1_000_000))

    def channel(role: str, clusters: Sequence[str] = (), namespaces: Sequence[str] = ()) -> grpc.Channel:
        token = make_token(sec_server, f"{role}-{next(made)}", role, clusters, namespaces)
        return with_token(plain, token)

    return channel


async def guarded(handler: grpc.GenericRpcHandler, tokens: TokenStore, limits: CallerLimits) -> tuple[grpc.aio.Server, str]:
    """A grpc.aio server with the real interceptor chain around a stand-in servicer, for what
    the services being built will do (commit, hold streams open); returns it and its address."""
    server = grpc.aio.server(interceptors=[RequestInterceptor(), AuthInterceptor(Authenticator(tokens, None), limits),
                                           RequestChecks()])
    server.add_generic_rpc_handlers([handler])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, f"127.0.0.1:{port}"
