"""W3C trace context: a span per RPC continues the caller's `traceparent` (gRPC metadata), its
ids go into every log line written while the call runs, and cluster calls carry it on.

Spans are made by an SDK tracer provider of the server's own (ids only, exported nowhere): the
point is correlation across logs and clusters' audit logs, not a tracing backend.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from typing import Any, MutableMapping

import grpc
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from server.interceptors.wrapping import WrappingInterceptor

_PROPAGATOR = TraceContextTextMapPropagator()


def inject(headers: MutableMapping[str, str]) -> None:
    """Adds `traceparent` (and `tracestate`) of the current span to outgoing HTTP headers."""
    _PROPAGATOR.inject(headers)


class TraceLogFilter(logging.Filter):
    """Adds `trace_id` and `span_id` to records written while a span is current."""

    def filter(self, record: logging.LogRecord) -> bool:
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            record.trace_id = format(span.trace_id, "032x")
            record.span_id = format(span.span_id, "016x")
        return True


class _Hooks:
    """One call's span. The hooks are their own session, an object rather than a generator-based
    context manager: a stream holds its session for its whole life."""

    def __init__(self, tracer: trace.Tracer, method: str) -> None:
        self.tracer = tracer
        self.method = method
        self.span: AbstractContextManager[trace.Span] | None = None

    def on_request(self, message: Any) -> None:
        """One span per call, not per message."""

    def session(self, context: grpc.aio.ServicerContext) -> _Hooks:
        carrier = {k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)}
        self.span = self.tracer.start_as_current_span(self.method.lstrip("/"), context=_PROPAGATOR.extract(carrier),
                                                      kind=trace.SpanKind.SERVER, record_exception=False,
                                                      set_status_on_exception=False)
        return self

    async def __aenter__(self) -> None:
        assert self.span is not None
        self.span.__enter__()

    async def __aexit__(self, *exc: Any) -> bool | None:
        assert self.span is not None
        return self.span.__exit__(*exc)


class TracingInterceptor(WrappingInterceptor):
    """The outermost interceptor, so the request log line and everything after it see the span."""

    outermost = True

    def __init__(self) -> None:
        self.tracer = TracerProvider().get_tracer("kubecommit.server")

    def hooks_for(self, details: grpc.HandlerCallDetails, handler: grpc.RpcMethodHandler) -> _Hooks:
        return _Hooks(self.tracer, details.method)
