"""Kubernetes failures in the server's terms, keeping the cluster's own message.

The cluster's 401/403 are about kubecommit's credentials for that cluster, not about the caller,
so they become FAILED_PRECONDITION/PERMISSION_DENIED with a CLUSTER_* reason rather than
UNAUTHENTICATED.
"""

from __future__ import annotations

import json
import socket
import ssl
from typing import Any

from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import (MaxRetryError, NewConnectionError, ProtocolError, ReadTimeoutError,
                                SSLError, TimeoutError as Urllib3Timeout)

from server.errors import (Aborted, AlreadyExists, DeadlineExceeded, FailedPrecondition,
                           FieldViolation, InvalidArgument, KubecommitError, NotFound,
                           PermissionDenied, Unavailable)


def _status(error: ApiException) -> dict[str, Any]:
    try:
        body = json.loads(error.body or "{}")
    except (TypeError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def retryable(error: KubecommitError) -> bool:
    return isinstance(error, (Unavailable, DeadlineExceeded))


def translate(error: BaseException, cluster: str) -> KubecommitError:
    """Any exception from the client as a domain error; the cluster is named in the message."""
    meta = {"cluster": cluster}
    if isinstance(error, KubecommitError):
        return error
    if isinstance(error, ApiException):
        if error.status == 0 and str(error.reason or "").startswith("SSLError"):
            # the client wraps urllib3's SSLError as ApiException(status=0, "SSLError\n<detail>")
            detail = str(error.reason).partition("\n")[2]
            return Unavailable(f"cluster {cluster}: TLS handshake failed: {detail}", "CLUSTER_TLS_ERROR",
                               metadata=meta)
        if error.status == 0:  # websocket handshake failures surface this way
            return Unavailable(f"cluster {cluster}: {error.reason}", "CLUSTER_UNREACHABLE", metadata=meta)
        status = _status(error)
        message = f"cluster {cluster}: {status.get('message') or error.reason or 'request failed'}"
        reason = status.get("reason") or ""
        code = error.status
        if code == 404:
            return NotFound(message, "NOT_FOUND", metadata=meta)
        if code == 409:
            if reason == "AlreadyExists":
                return AlreadyExists(message, "ALREADY_EXISTS", metadata=meta)
            return Aborted(message, "CONFLICT", metadata=meta)
        if code in (400, 415, 422):
            causes = (status.get("details") or {}).get("causes") or []
            violations = [FieldViolation(c.get("field") or "manifest", c.get("message") or c.get("reason") or "")
                          for c in causes if isinstance(c, dict)]
            return InvalidArgument(message, "CLUSTER_REJECTED", violations, metadata=meta)
        if code == 401:
            return FailedPrecondition(message, "CLUSTER_UNAUTHORIZED", metadata=meta)
        if code == 403:
            return PermissionDenied(message, "CLUSTER_FORBIDDEN", metadata=meta)
        if code == 410:
            return Aborted(message, "EXPIRED", metadata=meta)
        if code == 429 or code >= 500:
            return Unavailable(message, "CLUSTER_UNAVAILABLE", metadata=meta, retry_after=1.0)
        return FailedPrecondition(message, "CLUSTER_ERROR", metadata=meta)
    cause = error.reason if isinstance(error, MaxRetryError) and error.reason else error
    if isinstance(cause, SSLError) or isinstance(cause, ssl.SSLError):
        return Unavailable(f"cluster {cluster}: TLS handshake failed: {cause}", "CLUSTER_TLS_ERROR", metadata=meta)
    # NewConnectionError subclasses urllib3's timeout error: refused connections are checked first.
    if isinstance(cause, (NewConnectionError, ConnectionRefusedError)):
        return Unavailable(f"cluster {cluster}: unreachable: {cause}", "CLUSTER_UNREACHABLE",
                           metadata=meta, retry_after=2.0)
    if isinstance(cause, (ReadTimeoutError, Urllib3Timeout, socket.timeout, TimeoutError)):
        return DeadlineExceeded(f"cluster {cluster}: timed out", "CLUSTER_TIMEOUT", metadata=meta)
    if isinstance(cause, (ConnectionError, ProtocolError, OSError)):
        return Unavailable(f"cluster {cluster}: unreachable: {cause}", "CLUSTER_UNREACHABLE",
                           metadata=meta, retry_after=2.0)
    return Unavailable(f"cluster {cluster}: {type(error).__name__}: {error}", "CLUSTER_ERROR", metadata=meta)
