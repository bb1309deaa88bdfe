"""One error style for the whole CLI: `error: WHAT` and `hint: WHAT TO DO` on stderr, exit 1
(2 for usage errors), never a traceback.

A failed RPC is read through `google.rpc.Status` like any client would: ErrorInfo's reason and
BadRequest's field violations name what was wrong.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


class CliError(Exception):
    """Raised anywhere in the CLI; printed once by `main()`."""

    def __init__(self, message: str, hint: str = "", *, usage: bool = False, code: int | None = None,
                 reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.reason = reason  # the server's ErrorInfo reason, for callers that can do something else
        self.code = code if code is not None else 2 if usage else 1


def given(fields: dict[str, Any], options: str = "") -> dict[str, Any]:
    """The fields whose options a person passed (None: not passed), for an update mask. With
    `options` (their spelling, for the hint), passing none of them is a usage error."""
    chosen = {name: value for name, value in fields.items() if value is not None}
    if options and not chosen:
        raise CliError("nothing to change", f"pass {options}", usage=True)
    return chosen


def report(error: CliError) -> None:
    sys.stderr.write(f"error: {error.message}\n")
    if error.hint:
        sys.stderr.write(f"hint: {error.hint}\n")
    sys.stderr.flush()


@dataclass
class StatusDetails:
    code: grpc.StatusCode
    message: str
    reason: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    violations: dict[str, str] = field(default_factory=dict)


def status_details(error: grpc.RpcError) -> StatusDetails:
    out = StatusDetails(error.code(), error.details() or "")
    try:
        status = rpc_status.from_call(error)
    except ValueError:  # a status that does not match its details: keep the plain message
        status = None
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            out.reason, out.metadata = info.reason, dict(info.metadata)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            out.violations.update({v.field: v.description for v in bad.field_violations})
    return out


_BY_REASON = {  # ErrorInfo reason -> what to do; more precise than the status code
    "CLUSTER_NOT_FOUND": "`kubecommit clusters list` shows the registered clusters",
    "UNKNOWN_REVISION": "`kubecommit history NAME` lists its versions; tags and branches work too",
    "UNKNOWN_RESOURCE_TYPE": "`kubecommit api-resources` lists the types",
    "SESSION_NOT_FOUND": "`kubecommit sessions` lists them",
    "EXEC_DENIED": "`kubecommit exec-policy get -n NAMESPACE` shows the rules in force",
    "EXEC_NOT_ALLOWED": "`kubecommit exec-policy get -n NAMESPACE` shows the rules in force",
    "INTERACTIVE_NOT_ALLOWED": "run it without -i/-t and without piped stdin, or ask an admin to allow "
                               "interactive sessions (exec-policy set --interactive)",
}


def rpc_failure(error: grpc.RpcError, server: str, token_source: str) -> CliError:
    """The CliError a person can act on for a failed call."""
    details = status_details(error)
    code = details.code
    if code == grpc.StatusCode.UNAVAILABLE:
        return CliError(f"cannot reach the kubecommit server at {server}",
                        "is the server running? try --server HOST:PORT (or KUBECOMMIT_SERVER, or a context)")
    if code == grpc.StatusCode.UNAUTHENTICATED:
        where = token_source if token_source.startswith("no token") else f"the token from {token_source} was refused"
        return CliError(f"not authenticated: {details.message} ({where})",
                        "set KUBECOMMIT_TOKEN or run kubecommit login")
    if details.reason in _BY_REASON:
        return CliError(f"{code.name}: {details.message}", _BY_REASON[details.reason], reason=details.reason)
    if code == grpc.StatusCode.INVALID_ARGUMENT and details.violations:
        fields = "; ".join(f"{name}: {why}" for name, why in details.violations.items())
        return CliError(f"invalid {fields}", "fix the field named above and retry")
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return CliError(f"permission denied: {details.message}",
                        "ask an admin for a token whose role and scope allow it")
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return CliError(f"no answer in time: {details.message}", "raise --timeout if the command takes longer")
    hints = {
        grpc.StatusCode.NOT_FOUND: "check the name",
        grpc.StatusCode.ABORTED: "someone changed it meanwhile: read it again and retry",
        grpc.StatusCode.ALREADY_EXISTS: "pick another name",
        grpc.StatusCode.FAILED_PRECONDITION: "",
        grpc.StatusCode.UNIMPLEMENTED: "this server does not offer it yet",
    }
    return CliError(f"{code.name}: {details.message}", hints.get(code, ""))
