"""AdminService: parse the request, call the admin domain (server/admin), answer."""

from __future__ import annotations

import time

import grpc

from kubecommit.v1 import admin_pb2 as pb
from kubecommit.v1 import admin_pb2_grpc
from kubecommit.v1 import containers_pb2
from server import context as call_context
from server.admin.audit import list_entries
from server.admin.tokens import TokenSpec, create_token, list_tokens, revoke_token, state_of
from server.containers import convert as containers_convert
from server.errors import InvalidArgument
from server.runtime import Runtime
from server.security.audit import AuditEvent
from server.security.tokens import TokenRecord

Context = grpc.aio.ServicerContext


def _token(record: TokenRecord) -> pb.Token:
    token = pb.Token(name=f"tokens/{record.id}", display_name=record.name, email=record.email, role=record.role,
                     clusters=record.clusters, namespaces=record.namespaces,
                     state=pb.Token.State.Value(f"STATE_{state_of(record, time.time()).value}"))
    token.create_time.FromNanoseconds(int(record.created_at * 1e9))
    if record.expires_at is not None:
        token.expire_time.FromNanoseconds(int(record.expires_at * 1e9))
    if record.revoked_at is not None:
        token.revoke_time.FromNanoseconds(int(record.revoked_at * 1e9))
    return token


def _entry(event: AuditEvent) -> pb.AuditEntry:
    entry = pb.AuditEntry(name=f"auditEntries/{event.seq}", caller=event.caller, role=event.role, rpc=event.rpc,
                          targets=event.targets, clusters=event.clusters, namespaces=event.namespaces,
                          code=event.code, request_id=event.request_id, peer=event.peer)
    entry.time.FromNanoseconds(int(event.time * 1e9))
    entry.duration.FromNanoseconds(int(event.duration_ms * 1e6))
    return entry


def _expires_in(token: pb.Token) -> float | None:
    which = token.WhichOneof("expiration")
    if which == "ttl":
        return token.ttl.ToNanoseconds() / 1e9
    if which == "expire_time":
        seconds = token.expire_time.ToNanoseconds() / 1e9 - time.time()
        if seconds <= 0:
            raise InvalidArgument.field("token.expire_time", "must be in the future")
        return seconds
    return None


class AdminServicer(admin_pb2_grpc.AdminServiceServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def CreateToken(self, request: pb.CreateTokenRequest, context: Context) -> pb.CreateTokenResponse:
        spec = request.token
        secret, record = await create_token(self.runtime.auth.tokens, TokenSpec(
            spec.display_name, spec.role, spec.email, tuple(spec.clusters), tuple(spec.namespaces),
            _expires_in(spec)))
        _target(f"tokens/{record.id}")
        return pb.CreateTokenResponse(token=_token(record), secret=secret)

    async def ListTokens(self, request: pb.ListTokensRequest, context: Context) -> pb.ListTokensResponse:
        records, token = await list_tokens(self.runtime.auth.tokens, request.filter, request.page_size,
                                           request.page_token)
        return pb.ListTokensResponse(tokens=[_token(r) for r in records], next_page_token=token)

    async def DeleteToken(self, request: pb.DeleteTokenRequest, context: Context) -> pb.Token:
        _target(request.name)
        return _token(await revoke_token(self.runtime.auth.tokens, request.name))

    async def ListAuditEntries(self, request: pb.ListAuditEntriesRequest,
                               context: Context) -> pb.ListAuditEntriesResponse:
        events, token = await list_entries(self.runtime.audit, request.filter, request.page_size,
                                           request.page_token)
        return pb.ListAuditEntriesResponse(audit_entries=[_entry(e) for e in events], next_page_token=token)

    async def TerminateExecSession(self, request: pb.TerminateExecSessionRequest,
                                   context: Context) -> containers_pb2.ExecSession:
        _target(request.name)
        record = await self.runtime.sessions.terminate(request.name, call_context.current().caller.name,
                                                       request.reason)
        _target(record.container)  # the audit row shows the cluster and namespace it ran in
        return containers_convert.exec_session(record)


def _target(name: str) -> None:
    """A name the call acted on, for its audit row (the interceptor records only the request's
    names under `clusters/`)."""
    call_context.current().targets.append(name)


def register(runtime: Runtime, server: grpc.aio.Server) -> None:
    admin_pb2_grpc.add_AdminServiceServicer_to_server(AdminServicer(runtime), server)
