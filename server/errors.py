"""Domain errors: what went wrong, in terms a caller can act on.

Domain code raises these; one interceptor turns them into gRPC status codes with
`google.rpc.Status` details (ErrorInfo always, BadRequest when a field is to blame), so servicers
never build statuses by hand. `code` names the canonical status (`grpc.StatusCode[code]`); this
module stays free of grpc like every domain module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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

    code = "UNKNOWN"

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class InvalidArgument(KubecommitError):
    code = "INVALID_ARGUMENT"

    @classmethod
    def field(cls, name: str, description: str, reason: str = "INVALID_FIELD") -> "InvalidArgument":
        """The common case: one field is wrong, and the message says which and why."""
        return cls(f"{name}: {description}", reason, [FieldViolation(name, description)])


class NotFound(KubecommitError):
    code = "NOT_FOUND"


class AlreadyExists(KubecommitError):
    code = "ALREADY_EXISTS"


class FailedPrecondition(KubecommitError):
    code = "FAILED_PRECONDITION"


class Aborted(KubecommitError):
    """A concurrent change won; `metadata["etag"]` carries the current etag when known."""

    code = "ABORTED"


class PermissionDenied(KubecommitError):
    code = "PERMISSION_DENIED"


class Unauthenticated(KubecommitError):
    code = "UNAUTHENTICATED"


class ResourceExhausted(KubecommitError):
    code = "RESOURCE_EXHAUSTED"


class Unavailable(KubecommitError):
    """A cluster (or another dependency) cannot be reached now."""

    code = "UNAVAILABLE"


class DeadlineExceeded(KubecommitError):
    code = "DEADLINE_EXCEEDED"


class Unimplemented(KubecommitError):
    code = "UNIMPLEMENTED"


class Internal(KubecommitError):
    code = "INTERNAL"


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
