"""Domain errors: what went wrong, in terms a caller can act on.

Domain code raises these; one interceptor turns them into gRPC status codes with
`google.rpc.Status` details (ErrorInfo always, BadRequest when a field is to blame), so servicers
never build statuses by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import grpc

if TYPE_CHECKING:
    import gitstore

ERROR_DOMAIN = "kubecommit.io"


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


@dataclass
class KubecommitError(Exception):
    """Base of every error a caller may see; `reason` is a stable UPPER_SNAKE identifier."""

    message: str
    reason: str = "ERROR"
    violations: list[FieldViolation] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    # Seconds after which a retry may succeed (RetryInfo), when known.
    retry_after: float | None = None

    code = grpc.StatusCode.UNKNOWN

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class InvalidArgument(KubecommitError):
    code = grpc.StatusCode.INVALID_ARGUMENT

    @classmethod
    def field(cls, name: str, description: str, reason: str = "INVALID_FIELD") -> "InvalidArgument":
        """The common case: one field is wrong, and the message says which and why."""
        return cls(f"{name}: {description}", reason, [FieldViolation(name, description)])


class NotFound(KubecommitError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(KubecommitError):
    code = grpc.StatusCode.ALREADY_EXISTS


class FailedPrecondition(KubecommitError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class Aborted(KubecommitError):
    """A concurrent change won; `metadata["etag"]` carries the current etag when known."""

    code = grpc.StatusCode.ABORTED


class PermissionDenied(KubecommitError):
    code = grpc.StatusCode.PERMISSION_DENIED


class Unauthenticated(KubecommitError):
    code = grpc.StatusCode.UNAUTHENTICATED


class ResourceExhausted(KubecommitError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class Unavailable(KubecommitError):
    """A cluster (or another dependency) cannot be reached now."""

    code = grpc.StatusCode.UNAVAILABLE


class DeadlineExceeded(KubecommitError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED


class Unimplemented(KubecommitError):
    code = grpc.StatusCode.UNIMPLEMENTED


class Internal(KubecommitError):
    code = grpc.StatusCode.INTERNAL


def from_store_error(error: "gitstore.GitStoreError") -> KubecommitError:
    """The store's typed errors in the server's terms; the subject names the field at fault."""
    import gitstore

    subject = error.subject or "request"
    kind: type[KubecommitError]
    metadata: dict[str, str] = {"subject": subject} if error.subject else {}
    if isinstance(error, gitstore.InvalidArgument):
        return InvalidArgument(str(error), error.reason, [FieldViolation(subject, str(error))])
    if isinstance(error, gitstore.Conflict):
        kind = Aborted
        metadata["etag"] = error.current or ""
    elif isinstance(error, gitstore.NotFound):
        kind = NotFound
    elif isinstance(error, gitstore.AlreadyExists):
        kind = AlreadyExists
    else:  # Precondition, MergeConflict and anything newer
        kind = FailedPrecondition
    return kind(str(error), error.reason, metadata=metadata)
