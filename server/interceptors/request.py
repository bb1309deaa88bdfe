"""The outermost interceptor: request ids, one structured log line per call, and the single
place where domain errors become gRPC statuses with rich details. Request checks are a separate,
innermost interceptor, so a caller is authenticated before its request is examined."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any, AsyncIterator, Callable

import grpc
from google.rpc import code_pb2, status_pb2
from grpc_status import rpc_status

from server import context as call_context
from server.errors import InvalidArgument, KubecommitError
from server.interceptors.wrapping import MalformedRequest, WrappingInterceptor
from server.messages import status_message
from server.validation import check_request

log = logging.getLogger("kubecommit.rpc")

REQUEST_ID_HEADER = "x-request-id"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

# Called when a call ends: (call, status code, seconds). The audit trail plugs in here.
CompletionObserver = Callable[[call_context.CallContext, grpc.StatusCode, float], None]


def to_status(error: KubecommitError, request_id: str) -> grpc.Status:
    """A domain error as a gRPC status carrying ErrorInfo, and BadRequest/RetryInfo when apt."""
    return rpc_status.to_status(status_message(error, request_id))


def _request_id(context: grpc.aio.ServicerContext) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == REQUEST_ID_HEADER and isinstance(value, str) and _SAFE_REQUEST_ID.match(value):
            return value
    return uuid.uuid4().hex


class _Hooks:
    def __init__(self, method: str, observers: list[CompletionObserver]) -> None:
        self.method = method
        self.observers = observers

    def on_request(self, message: Any) -> None:
        """Nothing per message here: RequestChecks does that, inside authentication."""

    @asynccontextmanager
    async def session(self, context: grpc.aio.ServicerContext) -> AsyncIterator[call_context.CallContext]:
        # Anonymous until the auth interceptor proves otherwise.
        call = call_context.CallContext(method=self.method, request_id=_request_id(context),
                                        caller=call_context.ANONYMOUS, peer=context.peer() or "")
        token = call_context.bind(call)
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        context.set_trailing_metadata(((REQUEST_ID_HEADER, call.request_id),))
        try:
            yield call
            code = _code_of(context, grpc.StatusCode.OK)
        except KubecommitError as error:
            code = grpc.StatusCode[error.code]
            status = to_status(error, call.request_id)
            await context.abort(
                status.code, status.details,
                tuple(status.trailing_metadata) + ((REQUEST_ID_HEADER, call.request_id),),
            )
        except asyncio.CancelledError:
            code = grpc.StatusCode.CANCELLED
            raise
        except grpc.aio.AbortError:
            code = _code_of(context, grpc.StatusCode.UNKNOWN)
            raise
        except Exception:
            code = grpc.StatusCode.INTERNAL
            log.exception("unhandled error", extra={"rpc": self.method, "request_id": call.request_id})
            status = rpc_status.to_status(status_pb2.Status(
                code=code_pb2.INTERNAL,
                message=f"internal error; quote request id {call.request_id} when reporting it",
            ))
            await context.abort(
                status.code, status.details,
                tuple(status.trailing_metadata) + ((REQUEST_ID_HEADER, call.request_id),),
            )
        finally:
            elapsed = time.perf_counter() - started
            for observer in self.observers:
                try:
                    observer(call, code, elapsed)
                except Exception:
                    log.exception("completion observer failed")
            log.info("rpc", extra={
                "rpc": self.method, "code": code.name, "duration_ms": round(elapsed * 1000, 2),
                "request_id": call.request_id, "caller": call.caller.name,
            })
            call_context.unbind(token)


def _code_of(context: grpc.aio.ServicerContext, default: grpc.StatusCode) -> grpc.StatusCode:
    """The code a servicer set or aborted with; aio reports it as an enum or a raw int."""
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code
    if isinstance(code, int):
        return next((c for c in grpc.StatusCode if c.value[0] == code), default)
    return default


class RequestInterceptor(WrappingInterceptor):
    def __init__(self, observers: list[CompletionObserver] | None = None) -> None:
        self.observers = observers if observers is not None else []

    def hooks_for(self, details: grpc.HandlerCallDetails, handler: grpc.RpcMethodHandler) -> _Hooks:
        return _Hooks(details.method, self.observers)


class _Checks:
    def __init__(self, method: str) -> None:
        # Health and reflection messages are gRPC's own; only our contract is checked.
        self.checked = method.startswith("/kubecommit.")

    def session(self, context: grpc.aio.ServicerContext) -> AbstractAsyncContextManager[None]:
        return nullcontext()  # an object, not a generator: nothing to do around the call

    def on_request(self, message: Any) -> None:
        if isinstance(message, MalformedRequest):
            raise InvalidArgument.field("request", f"cannot be parsed: {message.error}", "MALFORMED_REQUEST")
        if self.checked:
            check_request(message)


class RequestChecks(WrappingInterceptor):
    """The innermost interceptor: each request message parses, has its required fields and no
    unknown ones, before the servicer sees it."""

    def hooks_for(self, details: grpc.HandlerCallDetails, handler: grpc.RpcMethodHandler) -> _Checks:
        return _Checks(details.method)
