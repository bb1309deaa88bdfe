"""What the server knows about the call being served, reachable from domain code.

A context variable rather than a parameter threaded through every function: the request id and
the caller's identity must reach commit trailers, audit records and logs deep in domain code.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field

from gitstore import Author


@dataclass(frozen=True)
class Caller:
    """The authenticated principal; becomes the author of every commit it causes."""

    name: str
    email: str
    role: str = "admin"
    clusters: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()


# Used where no call is being served (CLI maintenance, the demo bootstrap).
SYSTEM_CALLER = Caller(name="kubecommit", email="kubecommit@localhost", role="admin")
# A call nobody has authenticated (yet): a role that grants nothing.
ANONYMOUS = Caller(name="anonymous", email="anonymous@localhost", role="")


@dataclass
class CallContext:
    method: str
    request_id: str
    caller: Caller = SYSTEM_CALLER
    # Resource names the call touched, for the audit trail.
    targets: list[str] = field(default_factory=list)
    # (cluster, namespace) pairs the request's names reach (`""`: cluster-level), for the audit trail.
    places: list[tuple[str, str]] = field(default_factory=list)
    # The client's address as gRPC reports it (`ipv4:127.0.0.1:50312`).
    peer: str = ""


_current: contextvars.ContextVar[CallContext | None] = contextvars.ContextVar(
    "kubecommit_call", default=None
)


def current() -> CallContext:
    call = _current.get()
    return call if call is not None else CallContext(method="", request_id="")


def bind(call: CallContext) -> contextvars.Token:
    return _current.set(call)


def unbind(token: contextvars.Token) -> None:
    _current.reset(token)


def commit_author() -> Author:
    """The author of a commit made now: the authenticated caller (or kubecommit itself)."""
    caller = current().caller
    return Author(name=caller.name, email=caller.email)


def commit_request_id() -> str:
    return current().request_id
