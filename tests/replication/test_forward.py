"""The generic forwarding relay (server/interceptors/forward.py) between two real grpc.aio servers
on loopback: a "follower" with the ForwardingInterceptor and a "leader" answering raw-bytes
methods of the four shapes. What the caller sent (metadata, trace context, deadline, stream
messages and half-close) reaches the leader; what the leader answers (messages, status, details,
trailers) reaches the caller; where forwarding is impossible the caller is told UNAVAILABLE with
a retry hint. The whole server path is in tests/replication/test_failover.py."""

from __future__ import annotations

import asyncio

import json
from typing import Any, AsyncIterator

import grpc
import pytest
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from server.interceptors.forward import FORWARDED_BY, ForwardingInterceptor, method_rules
from server.observability.tracing import TracingInterceptor
from tests.support.gitremote import free_port
from tests.support.status import details

SERVICE = "test.Relay"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def _leader_handlers(served: list[str]) -> grpc.GenericRpcHandler:
    async def unary(raw: bytes, context: grpc.aio.ServicerContext) -> bytes:
        if raw == b"fail":
            status = status_pb2.Status(code=code_pb2.FAILED_PRECONDITION, message="leader says no")
            info = error_details_pb2.ErrorInfo(reason="LEADER_SAYS_NO", domain="kubecommit.io")
            status.details.add().Pack(info)
            await context.abort_with_status(rpc_status.to_status(status))
        served.append("leader")
        context.set_trailing_metadata((("x-leader", "yes"),))
        return json.dumps({"metadata": dict(context.invocation_metadata()), "remaining": context.time_remaining(),
                           "request": raw.decode()}).encode()

    async def unary_stream(raw: bytes, context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
        for i in range(3):
            yield f"{raw.decode()}-{i}".encode()

    async def stream_unary(requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext) -> bytes:
        return b"+".join([r async for r in requests])

    async def stream_stream(requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
        async for raw in requests:
            yield raw.upper()

    return grpc.method_handlers_generic_handler(SERVICE, {
        "Unary": grpc.unary_unary_rpc_method_handler(unary),
        "UnaryStream": grpc.unary_stream_rpc_method_handler(unary_stream),
        "StreamUnary": grpc.stream_unary_rpc_method_handler(stream_unary),
        "StreamStream": grpc.stream_stream_rpc_method_handler(stream_stream)})


def _follower_handlers(served: list[str]) -> grpc.GenericRpcHandler:
    """The same shapes; only `Unary` of a request starting `local` is answered here."""
    async def unary(raw: bytes, context: grpc.aio.ServicerContext) -> bytes:
        served.append("follower")
        return b"answered by the follower"

    async def never(*_: Any) -> Any:
        raise AssertionError("a call that needs the leader ran on the follower")

    async def never_stream(*_: Any) -> AsyncIterator[bytes]:
        raise AssertionError("a call that needs the leader ran on the follower")
        yield b""

    return grpc.method_handlers_generic_handler(SERVICE, {
        "Unary": grpc.unary_unary_rpc_method_handler(unary),
        "UnaryStream": grpc.unary_stream_rpc_method_handler(never_stream),
        "StreamUnary": grpc.stream_unary_rpc_method_handler(never),
        "StreamStream": grpc.stream_stream_rpc_method_handler(never_stream)})


class Pair:
    def __init__(self) -> None:
        self.served: list[str] = []
        self.leader_address: str | None = None
        self.follower = ""
        self.servers: list[grpc.aio.Server] = []
        self.forwarding: ForwardingInterceptor | None = None
        self.observed: list[tuple[str, grpc.StatusCode]] = []  # what the follower's metrics count

    async def start(self) -> "Pair":
        leader = grpc.aio.server()
        leader.add_generic_rpc_handlers((_leader_handlers(self.served),))
        self.leader_address = f"127.0.0.1:{leader.add_insecure_port('127.0.0.1:0')}"
        # Every method may need the leader; `Unary` of a request starting `local` does not.
        may, needs = method_rules({f"/{SERVICE}/Unary": lambda raw: not raw.startswith(b"local")},
                                  lambda method: method != f"/{SERVICE}/Unary" and method.startswith(f"/{SERVICE}/"))
        self.forwarding = ForwardingInterceptor("follower-1", lambda: self.leader_address, lambda: False, may, needs,
                                                None, [], retry_after=0.5,
                                                observe=lambda method, code: self.observed.append((method, code)))
        follower = grpc.aio.server(interceptors=[TracingInterceptor(), self.forwarding])
        follower.add_generic_rpc_handlers((_follower_handlers(self.served),))
        self.follower = f"127.0.0.1:{follower.add_insecure_port('127.0.0.1:0')}"
        self.servers = [leader, follower]
        for server in self.servers:
            await server.start()
        return self

    async def stop(self) -> None:
        assert self.forwarding is not None
        await self.forwarding.close()
        for server in self.servers:
            await server.stop(0)


@pytest.fixture()
async def pair() -> AsyncIterator[Pair]:
    started = await Pair().start()
    yield started
    await started.stop()


async def _observed(pair: Pair, count: int) -> list[tuple[str, grpc.StatusCode]]:
    """What the follower counted, once it has `count` calls: a relayed error reaches the caller
    (the abort sends it) a moment before the relay's own bookkeeping runs."""
    for _ in range(100):
        if len(pair.observed) >= count:
            break
        await asyncio.sleep(0.05)
    return pair.observed


def _call(channel: grpc.aio.Channel, shape: str, method: str) -> Any:
    return getattr(channel, shape)(f"/{SERVICE}/{method}")


async def test_a_unary_call_reaches_the_leader_with_what_the_caller_sent(pair: Pair) -> None:
    async with grpc.aio.insecure_channel(pair.follower) as channel:
        call = _call(channel, "unary_unary", "Unary")(
            b"apply", timeout=20, metadata=(("authorization", "Bearer secret-token"), ("x-request-id", "req-1"),
                                            ("traceparent", TRACEPARENT)))
        answer = json.loads(await call)
        trailers = dict(await call.trailing_metadata())
    assert pair.served == ["leader"] and answer["request"] == "apply"
    sent = answer["metadata"]
    assert sent["authorization"] == "Bearer secret-token" and sent["x-request-id"] == "req-1"
    assert sent[FORWARDED_BY] == "follower-1"
    # The same trace, continued by the follower's span: the leader's span will be its child.
    _, trace_id, parent_id, _ = sent["traceparent"].split("-")
    assert trace_id == TRACEPARENT.split("-")[1] and parent_id != TRACEPARENT.split("-")[2]
    assert 0 < answer["remaining"] <= 20  # the caller's deadline, what was left of it
    assert trailers["x-leader"] == "yes"
    assert pair.observed == [(f"/{SERVICE}/Unary", grpc.StatusCode.OK)]


async def test_a_call_that_does_not_need_the_leader_runs_here(pair: Pair) -> None:
    async with grpc.aio.insecure_channel(pair.follower) as channel:
        assert await _call(channel, "unary_unary", "Unary")(b"local read", timeout=10) == b"answered by the follower"
    assert pair.served == ["follower"] and pair.observed == []


async def test_the_leaders_error_reaches_the_caller_with_its_details(pair: Pair) -> None:
    async with grpc.aio.insecure_channel(pair.follower) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _call(channel, "unary_unary", "Unary")(b"fail", timeout=10)
    info = details(refused.value)
    assert info.code is grpc.StatusCode.FAILED_PRECONDITION and info.message == "leader says no"
    assert info.reason == "LEADER_SAYS_NO"
    assert await _observed(pair, 1) == [(f"/{SERVICE}/Unary", grpc.StatusCode.FAILED_PRECONDITION)]


async def test_streams_of_every_shape_are_relayed(pair: Pair) -> None:
    async def requests() -> AsyncIterator[bytes]:
        for word in (b"a", b"b", b"c"):
            yield word

    async with grpc.aio.insecure_channel(pair.follower) as channel:
        streamed = [m async for m in _call(channel, "unary_stream", "UnaryStream")(b"sync", timeout=10)]
        gathered = await _call(channel, "stream_unary", "StreamUnary")(requests())  # no deadline
        echoed = [m async for m in _call(channel, "stream_stream", "StreamStream")(requests(), timeout=10)]
    assert streamed == [b"sync-0", b"sync-1", b"sync-2"]
    assert gathered == b"a+b+c"  # the caller's half-close ended the leader's request stream
    assert echoed == [b"A", b"B", b"C"]
    assert [code for _, code in pair.observed] == [grpc.StatusCode.OK] * 3


async def test_an_unreachable_leader_is_unavailable_with_a_retry_hint(pair: Pair) -> None:
    pair.leader_address = f"127.0.0.1:{free_port()}"  # nothing listens there
    async with grpc.aio.insecure_channel(pair.follower) as channel:
        for shape, method, request in (("unary_unary", "Unary", b"apply"), ("unary_stream", "UnaryStream", b"x")):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                call = _call(channel, shape, method)(request, timeout=10)
                await call if shape == "unary_unary" else [m async for m in call]
            info = details(refused.value)
            assert info.code is grpc.StatusCode.UNAVAILABLE and info.reason == "LEADER_UNREACHABLE", info
            assert info.metadata["leader_address"] == pair.leader_address and info.retry_seconds == 0.5
    assert await _observed(pair, 2) == [(f"/{SERVICE}/Unary", grpc.StatusCode.UNAVAILABLE),
                                        (f"/{SERVICE}/UnaryStream", grpc.StatusCode.UNAVAILABLE)]


async def test_a_call_forwarded_to_a_replica_that_does_not_lead_is_not_forwarded_again(pair: Pair) -> None:
    async with grpc.aio.insecure_channel(pair.follower) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _call(channel, "unary_unary", "Unary")(b"apply", timeout=10, metadata=((FORWARDED_BY, "other"),))
    info = details(refused.value)
    assert info.code is grpc.StatusCode.UNAVAILABLE and info.reason == "NO_LEADER" and info.retry_seconds == 0.5
    assert pair.served == []

