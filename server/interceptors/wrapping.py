"""Wraps the behaviour of any RPC handler, unary or streaming, with the same per-call logic.

grpc.aio interceptors only see the handler; to act around the call itself (bind context, map
errors, check each request message) the handler's behaviour has to be replaced. This module does
that once for the four RPC shapes, so interceptors are written once.
"""

from __future__ import annotations

import abc
import inspect
from contextlib import AbstractAsyncContextManager, aclosing
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
    closed here when this one is, in the same task (see wrap_handler)."""
    if inspect.isawaitable(result):
        await result
        return
    async with aclosing(result):
        async for response in result:
            yield response


async def _checked(messages: AsyncIterator[Any], hooks: CallHooks) -> AsyncIterator[Any]:
    """Checks the first message before the servicer starts: it names what the stream acts on
    (ExecStart, LogQuery, UploadTarget), so a refused stream never reaches the servicer. The
    rest are checked as the servicer reads them."""
    iterator = aiter(messages)
    try:
        first = await anext(iterator)
    except StopAsyncIteration:
        return _empty()
    hooks.on_request(first)

    async def rest() -> AsyncIterator[Any]:
        yield first
        async for message in iterator:
            hooks.on_request(message)
            yield message

    return rest()


async def _empty() -> AsyncIterator[Any]:
    return
    yield


def wrap_handler(handler: grpc.RpcMethodHandler, hooks: CallHooks, writes: bool = False) -> grpc.RpcMethodHandler:
    des, ser = _lenient(handler.request_deserializer), handler.response_serializer
    if handler.unary_unary:
        inner_uu: Callable = handler.unary_unary

        async def unary_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            async with hooks.session(context):
                hooks.on_request(request)
                return await inner_uu(request, context)

        return grpc.unary_unary_rpc_method_handler(unary_unary, des, ser)
    if handler.unary_stream:
        inner_us: Callable = handler.unary_stream

        async def unary_stream_responses(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            hooks.on_request(request)
            async with aclosing(responses(inner_us(request, context))) as stream:
                async for response in stream:
                    yield response

        return grpc.unary_stream_rpc_method_handler(_streaming(hooks, unary_stream_responses, writes), des, ser)
    if handler.stream_unary:
        inner_su: Callable = handler.stream_unary

        async def stream_unary(requests: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> Any:
            async with hooks.session(context):
                return await inner_su(await _checked(requests, hooks), context)

        return grpc.stream_unary_rpc_method_handler(stream_unary, des, ser)
    inner_ss: Callable = handler.stream_stream

    async def stream_stream_responses(requests: AsyncIterator[Any],
                                      context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        async with aclosing(responses(inner_ss(await _checked(requests, hooks), context))) as stream:
            async for response in stream:
                yield response

    return grpc.stream_stream_rpc_method_handler(_streaming(hooks, stream_stream_responses, writes), des, ser)


def _streaming(hooks: CallHooks, produce: Callable[[Any, grpc.aio.ServicerContext], AsyncIterator[Any]],
               writes: bool) -> Callable[..., Any]:
    """A streaming handler running `produce` inside the hooks' session.

    The outermost handler (`writes`) is a coroutine that sends with `context.write`, not a
    generator: grpc.aio iterates a generator handler itself, and when the client cancels while the
    call waits to send, it drops the generator suspended at its `yield`; the generator is then
    closed later by the event loop's finalizer, in another task, where the sessions' context
    variables (the request context, the trace span) cannot be reset ("created in a different
    Context"). A coroutine is cancelled where it waits and closes every generator inside it, each
    with `aclosing`, in the call's own task. Inner handlers stay generators: their responses reach
    the outer one, whose serializer is theirs (the forwarding interceptor's encodes bytes)."""
    if writes:
        async def write(first: Any, context: grpc.aio.ServicerContext) -> None:
            async with hooks.session(context):
                async with aclosing(produce(first, context)) as stream:
                    async for response in stream:
                        await context.write(response)

        return write

    async def generate(first: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        async with hooks.session(context):
            async with aclosing(produce(first, context)) as stream:
                async for response in stream:
                    yield response

    return generate


class WrappingInterceptor(grpc.aio.ServerInterceptor, abc.ABC):
    """An interceptor whose work happens per call, in the hooks `hooks_for` makes for it."""

    # The outermost interceptor's streaming handlers write their responses (see _streaming).
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
