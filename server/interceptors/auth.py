"""Authentication, abuse limits and authorization for every kubecommit RPC, before the servicer.

Runs inside the RequestInterceptor (which maps its errors to statuses and logs the caller it
sets). Per call: authenticate the bearer credential and bind the caller to the call context;
take one call from the caller's rate bucket and, for streams, a stream slot; check the RPC's
permission from the one table (security/permissions.py); then check every resource name in
each request message against the caller's cluster and namespace scope. Health and reflection
stay open to anonymous callers.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import grpc

from server import context as call_context
from server.context import Caller
from server.errors import PermissionDenied
from server.interceptors.wrapping import MalformedRequest, WrappingInterceptor
from server.security.audit import MAX_TARGETS
from server.security.authn import Authenticator
from server.security.limits import CallerLimits
from server.security.permissions import RULES, Rule
from server.security.scope import check_targets, require, targets

PUBLIC_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/",
                   "/grpc.reflection.v1.ServerReflection/")


class _Guard:
    """One call's checks (grpc.aio runs interceptors per call, so state here is per call)."""

    def __init__(self, auth: Authenticator, limits: CallerLimits, method: str, rule: Rule | None,
                 streaming: bool) -> None:
        self.auth, self.limits, self.method, self.rule = auth, limits, method, rule
        self.streaming = streaming
        self.caller: Caller | None = None
        self.first = True

    @asynccontextmanager
    async def session(self, context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
        call = call_context.current()
        caller = self.auth.authenticate(context.invocation_metadata())
        call.caller = self.caller = caller
        self.limits.admit(caller.name)
        if self.rule is None:
            raise PermissionDenied(f"no permission is declared for {self.method}", "UNDECLARED_RPC")
        require(caller, self.rule.permission)
        if not self.streaming:
            yield
            return
        with self.limits.stream(caller.name):
            yield

    def on_request(self, message: Any) -> None:
        if isinstance(message, MalformedRequest) or self.caller is None or self.rule is None:
            return  # request checks refuse it next
        found = targets(message)
        call = call_context.current()
        room = MAX_TARGETS - len(call.targets)
        call.targets.extend(t.name for t in found[:max(room, 0)])
        call.places.extend((t.cluster, t.namespace) for t in found[:max(room, 0)] if not t.opaque)
        check_targets(self.caller, self.rule, found, self.first)
        self.first = False


class AuthInterceptor(WrappingInterceptor):
    def __init__(self, auth: Authenticator, limits: CallerLimits) -> None:
        self.auth = auth
        self.limits = limits

    def hooks_for(self, details: grpc.HandlerCallDetails, handler: grpc.RpcMethodHandler) -> _Guard | None:
        if details.method.startswith(PUBLIC_SERVICES):
            return None
        streaming = bool(handler.request_streaming or handler.response_streaming)
        return _Guard(self.auth, self.limits, details.method, RULES.get(details.method), streaming)
