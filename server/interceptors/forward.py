"""Followers forward the calls that need the leader to it, so a client behind a Service can send
any call to any ready replica.

One generic grpc.aio handler for the four RPC shapes relays the request and response *bytes*
(nothing is parsed or re-encoded, so every service and future RPC is covered) over a channel to
the leader's advertised address. What the caller sent travels with the call: its metadata
(authorization, request id, ...) as it came, the trace context of the follower's span (so the
leader's span is its child), and the deadline that remains. What the leader answers comes back
as it was: messages, status code, message and details (`grpc-status-details-bin`), trailing
metadata. Authentication, authorization, limits and the audit row happen once, on the leader:
this interceptor sits outside those of the follower.

Where forwarding is impossible the call is answered, never run on a follower: UNAVAILABLE
`NO_LEADER` while no leader is known or the known one is this replica still catching up (the
local leadership check says so), UNAVAILABLE `LEADER_UNREACHABLE` when the leader cannot be
reached (both with a retry hint: a client retrying through the Service reaches the next leader),
and UNAVAILABLE `NO_LEADER` for a call another replica forwarded here while this one is not the
leader (two replicas with stale views never bounce a call between them).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Mapping

import grpc

from server.config import Settings
from server.errors import Unavailable
from server.interceptors.request import REQUEST_ID_HEADER, to_status
from server.interceptors.wrapping import MalformedRequest, responses
from server.observability.metrics import Metrics
from server.observability.tracing import inject
from server.replication.ha import Replication, leader_only

# Set on a forwarded call: the replica that forwarded it (loop guard, and the leader's logs).
FORWARDED_BY = "x-kubecommit-forwarded-by"
# Metadata the transport makes for each hop; everything else the caller sent is passed on.
_HOP_BY_HOP = frozenset({"grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "content-type", "te",
                         "user-agent", "traceparent", "tracestate", FORWARDED_BY})
# Trailing metadata of the leader's answer that is the transport's, not the call's.
_RESERVED_TRAILERS = ("grpc-status", "grpc-message")

# (method, the request when it is a single message, else None) -> does the call need the leader.
NeedsLeader = Callable[[str, Any], bool]
# Told how each forwarded call ended (method, status code): the follower's metrics.
ForwardObserver = Callable[[str, grpc.StatusCode], None]


class Route:
    """Where a call goes, decided per call from this replica's view of the lease."""

    def __init__(self, target: str | None, forwarded_here: bool) -> None:
        self.target = target  # the leader's address, or None to run here
        self.forwarded_here = forwarded_here


class ForwardingInterceptor(grpc.aio.ServerInterceptor):
    """`leader_address()` is the address to forward to (None: this replica is the leader, or no
    leader is known); `is_leader()` whether this replica writes now."""

    def __init__(self, identity: str, leader_address: Callable[[], str | None], is_leader: Callable[[], bool],
                 may_need_leader: Callable[[str], bool], needs_leader: NeedsLeader,
                 credentials: grpc.ChannelCredentials | None, options: list[tuple[str, Any]],
                 retry_after: float, observe: ForwardObserver | None = None) -> None:
        self.identity = identity
        self.leader_address = leader_address
        self.is_leader = is_leader
        self.may_need_leader = may_need_leader
        self.needs_leader = needs_leader
        self.credentials = credentials
        self.options = options
        self.retry_after = retry_after
        self.observe = observe or (lambda method, code: None)
        self._channels: dict[str, grpc.aio.Channel] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or not self.may_need_leader(details.method):
            return handler
        return _Relay(self, details.method, handler).handler()

    def channel(self, address: str) -> grpc.aio.Channel:
        """One channel per leader address, kept (a new leader is usually a new address)."""
        if address not in self._channels:
            self._channels[address] = grpc.aio.secure_channel(address, self.credentials, self.options) \
                if self.credentials is not None else grpc.aio.insecure_channel(address, self.options)
        return self._channels[address]

    def route(self, method: str, request: Any, context: grpc.aio.ServicerContext) -> Route:
        metadata = dict(_metadata(context))
        if isinstance(request, MalformedRequest) or not self.needs_leader(method, request) or self.is_leader():
            return Route(None, False)  # runs here (a bad request is refused here, like any other)
        if FORWARDED_BY in metadata:
            return Route(None, True)
        return Route(self.leader_address(), False)

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        self._channels.clear()


def _metadata(context: grpc.aio.ServicerContext) -> list[tuple[str, Any]]:
    return list(context.invocation_metadata() or ())


class _Relay:
    """One RPC's forwarding handler: raw bytes in and out, the local handler as fallback."""

    def __init__(self, forwarding: ForwardingInterceptor, method: str, local: grpc.RpcMethodHandler) -> None:
        self.fw = forwarding
        self.method = method
        self.local = local
        self.parse: Callable[[bytes], Any] = local.request_deserializer or (lambda raw: raw)
        self.encode: Callable[[Any], bytes] = local.response_serializer or (lambda message: message)

    def handler(self) -> grpc.RpcMethodHandler:
        local = self.local
        if local.unary_unary:
            return grpc.unary_unary_rpc_method_handler(self.unary_unary)
        if local.unary_stream:
            return grpc.unary_stream_rpc_method_handler(self.unary_stream)
        if local.stream_unary:
            return grpc.stream_unary_rpc_method_handler(self.stream_unary)
        return grpc.stream_stream_rpc_method_handler(self.stream_stream)

    # -- the four shapes ---------------------------------------------------------------------

    async def unary_unary(self, raw: bytes, context: grpc.aio.ServicerContext) -> bytes:
        request = self.parse(raw)
        route = await self._route(request, context)
        if route is None:
            return self.encode(await self.local.unary_unary(request, context))
        return await self._unary(self.fw.channel(route).unary_unary(self.method)(raw, **self._outgoing(context)),
                                 route, context)

    async def unary_stream(self, raw: bytes, context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
        request = self.parse(raw)
        route = await self._route(request, context)
        if route is None:
            async for message in responses(self.local.unary_stream(request, context)):
                yield self.encode(message)
            return
        call = self.fw.channel(route).unary_stream(self.method)(raw, **self._outgoing(context))
        async for message in self._relay(call, route, context):
            yield message

    async def stream_unary(self, requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext) -> bytes:
        route = await self._route(None, context)
        if route is None:
            return self.encode(await self.local.stream_unary(self._parsed(requests), context))
        return await self._unary(
            self.fw.channel(route).stream_unary(self.method)(requests, **self._outgoing(context)), route, context)

    async def stream_stream(self, requests: AsyncIterator[bytes],
                            context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
        route = await self._route(None, context)
        if route is None:
            async for message in responses(self.local.stream_stream(self._parsed(requests), context)):
                yield self.encode(message)
            return
        call = self.fw.channel(route).stream_stream(self.method)(requests, **self._outgoing(context))
        async for message in self._relay(call, route, context):
            yield message

    # -- shared ------------------------------------------------------------------------------

    async def _route(self, request: Any, context: grpc.aio.ServicerContext) -> str | None:
        """The leader's address to forward to, None to run here; aborts where neither can be."""
        route = self.fw.route(self.method, request, context)
        if route.forwarded_here:
            await self._abort(context, Unavailable(
                "this replica was forwarded a call for the leader but is not the leader (the lease is "
                "changing hands); retry", "NO_LEADER", retry_after=self.fw.retry_after))
        return route.target

    async def _parsed(self, requests: AsyncIterator[bytes]) -> AsyncIterator[Any]:
        async for raw in requests:
            yield self.parse(raw)

    def _outgoing(self, context: grpc.aio.ServicerContext) -> dict[str, Any]:
        incoming = _metadata(context)
        metadata = [(k, v) for k, v in incoming if k not in _HOP_BY_HOP and not k.startswith(":")]
        trace = {k: v for k, v in incoming if k in ("traceparent", "tracestate")}
        inject(trace)  # the follower's span (a child of the caller's) when one is current
        metadata += [*trace.items(), (FORWARDED_BY, self.fw.identity)]
        return {"metadata": tuple(metadata), "timeout": context.time_remaining()}

    async def _unary(self, call: Any, address: str, context: grpc.aio.ServicerContext) -> bytes:
        code = grpc.StatusCode.CANCELLED  # unless it ends otherwise
        try:
            try:
                answer = await call
            except grpc.aio.AioRpcError as error:
                code = _reported(error, started=False)
                await self._failed(error, address, context, started=False)
            code = grpc.StatusCode.OK
            await self._trailers(call, context)
            return answer
        finally:
            self.fw.observe(self.method, code)

    async def _relay(self, call: Any, address: str, context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
        started = False
        code = grpc.StatusCode.CANCELLED
        try:
            try:
                async for message in call:
                    started = True
                    yield message
            except grpc.aio.AioRpcError as error:
                code = _reported(error, started)
                await self._failed(error, address, context, started)
            finally:
                call.cancel()  # the caller went away (or the stream ended): so does the leader's call
            code = grpc.StatusCode.OK
            await self._trailers(call, context)
        finally:
            self.fw.observe(self.method, code)

    async def _trailers(self, call: Any, context: grpc.aio.ServicerContext) -> None:
        context.set_trailing_metadata(_passed_trailers(await call.trailing_metadata()))

    async def _failed(self, error: grpc.aio.AioRpcError, address: str, context: grpc.aio.ServicerContext,
                      started: bool) -> None:
        """The leader's error as the caller's; a leader that could not be reached at all is
        UNAVAILABLE `LEADER_UNREACHABLE` with a retry hint."""
        trailers = error.trailing_metadata() or ()
        if _unreachable(error, started):
            await self._abort(context, Unavailable(
                f"the leader at {address} cannot be reached ({error.details()}); retry", "LEADER_UNREACHABLE",
                metadata={"leader_address": address}, retry_after=self.fw.retry_after))
        await context.abort(error.code(), error.details() or "", _passed_trailers(trailers))

    async def _abort(self, context: grpc.aio.ServicerContext, error: Unavailable) -> None:
        request_id = dict(_metadata(context)).get(REQUEST_ID_HEADER) or uuid.uuid4().hex
        status = to_status(error, str(request_id))
        await context.abort(status.code, status.details,
                            tuple(status.trailing_metadata) + ((REQUEST_ID_HEADER, str(request_id)),))


def _unreachable(error: grpc.aio.AioRpcError, started: bool) -> bool:
    """UNAVAILABLE before any answer and without the details every kubecommit error carries: the
    transport's, not the leader's."""
    answered = any(key == "grpc-status-details-bin" for key, _ in error.trailing_metadata() or ())
    return error.code() is grpc.StatusCode.UNAVAILABLE and not answered and not started


def _reported(error: grpc.aio.AioRpcError, started: bool) -> grpc.StatusCode:
    return grpc.StatusCode.UNAVAILABLE if _unreachable(error, started) else error.code()


def _passed_trailers(trailers: Any) -> tuple[tuple[str, Any], ...]:
    return tuple((k, v) for k, v in (trailers or ()) if k not in _RESERVED_TRAILERS)


def method_rules(rules: Mapping[str, Callable[[Any], bool]], leader_only: Callable[[str], bool]) -> \
        tuple[Callable[[str], bool], NeedsLeader]:
    """The two questions the interceptor asks, from the per-method rule (`leader_only`) and the
    request-dependent ones (`rules`: method -> does this request need the leader)."""

    def may_need_leader(method: str) -> bool:
        return leader_only(method) or method in rules

    def needs_leader(method: str, request: Any) -> bool:
        if leader_only(method):
            return True
        rule = rules.get(method)
        return rule is not None and request is not None and rule(request)

    return may_need_leader, needs_leader


def for_replication(replication: Replication, settings: Settings, rules: Mapping[str, Callable[[Any], bool]],
                    metrics: Metrics) -> ForwardingInterceptor:
    """The interceptor of a replica: forwards what needs the leader (the RPCs `leader_only`
    names, and `rules`: request-dependent methods, such as CallTool of a tool that writes)."""
    may_need_leader, needs_leader = method_rules(rules, leader_only)
    return ForwardingInterceptor(
        replication.elector.identity, replication.leader_address, lambda: replication.is_leader,
        may_need_leader, needs_leader, _credentials(settings),
        [("grpc.max_send_message_length", settings.max_receive_message_bytes),
         ("grpc.max_receive_message_length", settings.max_send_message_bytes),
         # A leader that just came back (or a new one at a reused address) is tried again soon,
         # and a lost one (no answer at all, e.g. its node gone) is given up on within about a
         # retry period (this also bounds each connection attempt; gRPC's default is 20 s).
         ("grpc.initial_reconnect_backoff_ms", 200), ("grpc.max_reconnect_backoff_ms", 1000),
         ("grpc.min_reconnect_backoff_ms", max(1000, int(replication.timing.retry_period * 1000)))],
        replication.timing.retry_period, metrics.count_forwarded)


def _read(path: Path | None) -> bytes | None:
    return path.read_bytes() if path is not None else None


def _credentials(settings: Settings) -> grpc.ChannelCredentials | None:
    """Plaintext when this server serves plaintext (in the manifests: to the leader's Envoy on the
    pod network, TLS ending at the ingress or mesh); TLS otherwise, as a client of the leader."""
    if settings.tls_cert is None:
        return None
    client_identity = settings.tls_client_ca is not None
    return grpc.ssl_channel_credentials(
        root_certificates=_read(settings.forward_ca),
        private_key=_read(settings.tls_key) if client_identity else None,
        certificate_chain=_read(settings.tls_cert) if client_identity else None)
