"""Wraps the behaviour of any RPC handler, unary or streaming, with the same per-call logic.

grpc.aio interceptors only see the handler; to act around the call itself (bind context, map
errors, check each request message) the handler's behaviour has to be replaced. This module does
that once for the four RPC shapes, so interceptors are written once, and adjacent wrapping
interceptors share one layer per call (_Chain).
"""

from __future__ import annotations

import abc
import inspect
from contextlib import AbstractAsyncContextManager, AsyncExitStack, aclosing
from typing import Any, AsyncIterator, Awaitable, Callable, Protocol

import grpc
from google.protobuf.message import DecodeError


class CallHooks(Protocol):
    def session(self, context: grpc.aio.ServicerContext) -> AbstractAsyncContextManager[Any]:
        """Entered around the whole call, streaming responses included."""

    def on_request(self, message: Any) -> None:
        """Called for each request message before the servicer sees it."""


class MalformedRequest:
    """Stands in for a request whose bytes did not parse, so the error is reported like any
    other bad input (INVALID_ARGUMENT with details) instead of gRPC's bare UNKNOWN."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _lenient(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None

    def parse(data: bytes) -> Any:
        try:
            return deserializer(data)
        except DecodeError as error:
            return MalformedRequest(error)

    return parse


async def responses(result: Any) -> AsyncIterator[Any]:
    """Servicers may yield responses or write them with `context.write` and return. A generator is
    closed here when this one is, in the same task (see _Chain.write)."""
    if inspect.isawaitable(result):
        await result
        return
    async with aclosing(result):
        async for response in result:
            yield response


async def _empty() -> AsyncIterator[Any]:
    return
    yield


def wrap_handler(handler: grpc.RpcMethodHandler, hooks: CallHooks, writes: bool = False) -> grpc.RpcMethodHandler:
    """`handler` with `hooks` around it. A handler that is already a _Chain's (the next wrapping
    interceptor's, for the same call) gets `hooks` added in front instead of another layer."""
    inner = _chain_of(handler)
    chain = _Chain(handler, (hooks,), writes) if inner is None else \
        _Chain(inner.handler, (hooks, *inner.hooks), writes)
    return chain.method_handler()


def _chain_of(handler: grpc.RpcMethodHandler) -> _Chain | None:
    """The _Chain whose method `handler` runs, if any (its behaviours are the chain's methods)."""
    behaviour = handler.unary_unary or handler.unary_stream or handler.stream_unary or handler.stream_stream
    inner = getattr(behaviour, "__self__", None)
    return inner if isinstance(inner, _Chain) else None


_NO_MESSAGE = object()


class _Chain:
    """One call's wrapping: the hooks of adjacent wrapping interceptors, outermost first, around the
    handler they all wrap, in one layer.

    grpc.aio hands each interceptor the handler the next one made. Wrapping it again per
    interceptor nested a layer each, and for a stream every layer held its own generators (the
    responses, the checked requests, the session's context manager) for the stream's whole life:
    with five interceptors ~15 KB and ~20 async generators (each also an entry in the event loop's
    weak set of live generators) per idle follow, and ~3 generator hops per layer per message. One
    layer enters every session with one exit stack, checks each request message with every hook in
    one generator and iterates the servicer's responses once, in the order the nested layers did:
    session 1, the first request to hook 1, session 2, the first request to hook 2, and so on; exits
    in reverse."""

    __slots__ = ("handler", "hooks", "writes")

    def __init__(self, handler: grpc.RpcMethodHandler, hooks: tuple[CallHooks, ...], writes: bool) -> None:
        self.handler, self.hooks, self.writes = handler, hooks, writes

    def method_handler(self) -> grpc.RpcMethodHandler:
        handler = self.handler
        des, ser = _lenient(handler.request_deserializer), handler.response_serializer
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(self.unary_unary, des, ser)
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(self.stream_unary, des, ser)
        streaming = self.write if self.writes else self.generate
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(streaming, des, ser)
        return grpc.stream_stream_rpc_method_handler(streaming, des, ser)

    async def _enter(self, stack: AsyncExitStack, context: grpc.aio.ServicerContext, request: Any) -> Any:
        """Enters the sessions and shows each hook the request, or of a request stream its first
        message, read once the outermost session is entered (it names what the stream acts on, so a
        refused stream never reaches the servicer). Returns what the servicer is given: the
        request, or the request stream with each later message checked as the servicer reads it."""
        if not self.handler.request_streaming:
            for hooks in self.hooks:
                await stack.enter_async_context(hooks.session(context))
                hooks.on_request(request)
            return request
        iterator, first = aiter(request), _NO_MESSAGE
        for index, hooks in enumerate(self.hooks):
            await stack.enter_async_context(hooks.session(context))
            if index == 0:
                first = await anext(iterator, _NO_MESSAGE)
            if first is not _NO_MESSAGE:
                hooks.on_request(first)
        return _empty() if first is _NO_MESSAGE else self._checked(first, iterator)

    async def _checked(self, first: Any, iterator: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """A request stream's messages, each but the first (checked on entry) checked as the
        servicer reads it."""
        yield first
        hooks = self.hooks
        async for message in iterator:
            for each in hooks:
                each.on_request(message)
            yield message

    async def unary_unary(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async with AsyncExitStack() as stack:
            return await self.handler.unary_unary(await self._enter(stack, context, request), context)

    async def stream_unary(self, requests: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> Any:
        async with AsyncExitStack() as stack:
            return await self.handler.stream_unary(await self._enter(stack, context, requests), context)

    def _respond(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        behaviour = self.handler.stream_stream if self.handler.request_streaming else self.handler.unary_stream
        return behaviour(request, context)

    async def write(self, request: Any, context: grpc.aio.ServicerContext) -> None:
        """The streaming handler of the outermost layer: a coroutine sending with `context.write`,
        not a generator. grpc.aio iterates a generator handler itself, and when the client cancels
        while the call waits to send, it drops the generator suspended at its `yield`; the generator
        is then closed later by the event loop's finalizer, in another task, where the sessions'
        context variables (the request context, the trace span) cannot be reset ("created in a
        different Context"). A coroutine is cancelled where it waits and closes the servicer's
        generator (`aclosing`) and the sessions in the call's own task."""
        async with AsyncExitStack() as stack:
            result = self._respond(await self._enter(stack, context, request), context)
            if inspect.isawaitable(result):  # the servicer writes with `context.write` itself
                await result
                return
            async with aclosing(result):
                async for response in result:
                    await context.write(response)

    async def generate(self, request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        """The streaming handler of a layer inside another handler (the forwarding interceptor's,
        which runs it when the call stays on this replica): that handler iterates it, encodes its
        responses and closes it, in the call's task."""
        async with AsyncExitStack() as stack:
            result = self._respond(await self._enter(stack, context, request), context)
            async with aclosing(responses(result)) as stream:
                async for response in stream:
                    yield response


class WrappingInterceptor(grpc.aio.ServerInterceptor, abc.ABC):
    """An interceptor whose work happens per call, in the hooks `hooks_for` makes for it."""

    # The outermost interceptor's streaming handlers write their responses (see _Chain.write).
    outermost = False

    @abc.abstractmethod
    def hooks_for(self, details: grpc.HandlerCallDetails, handler: grpc.RpcMethodHandler) -> CallHooks | None:
        """Hooks for this call, or None to leave the handler as it is."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None:
            return handler
        hooks = self.hooks_for(details, handler)
        return handler if hooks is None else wrap_handler(handler, hooks, self.outermost)
