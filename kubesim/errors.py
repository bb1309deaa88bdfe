"""API errors rendered as metav1.Status objects, the way kube-apiserver reports every failure."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Raised anywhere in request handling; the app turns it into a Status response."""

    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> dict[str, Any]:
        return status_object("Failure", self.message, self.reason, self.code, self.details)


def status_object(status: str, message: str = "", reason: str = "", code: int = 200,
                  details: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": status}
    if message:
        out["message"] = message
    if reason:
        out["reason"] = reason
    if details:
        out["details"] = details
    out["code"] = code
    return out


def _details(rt_group: str, rt_plural: str, name: str) -> dict[str, Any]:
    d: dict[str, Any] = {"name": name, "kind": rt_plural}
    if rt_group:
        d["group"] = rt_group
    return d


def _qualified(group: str, plural: str) -> str:
    return f"{plural}.{group}" if group else plural


def not_found(group: str, plural: str, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{_qualified(group, plural)} "{name}" not found',
                    _details(group, plural, name))


def already_exists(group: str, plural: str, name: str) -> ApiError:
    return ApiError(409, "AlreadyExists", f'{_qualified(group, plural)} "{name}" already exists',
                    _details(group, plural, name))


def conflict(group: str, plural: str, name: str, why: str) -> ApiError:
    return ApiError(409, "Conflict",
                    f'Operation cannot be fulfilled on {_qualified(group, plural)} "{name}": {why}',
                    _details(group, plural, name))


def invalid(group: str, kind: str, name: str, causes: list[tuple[str, str, str]]) -> ApiError:
    """422 Invalid; causes are (reason, field, message) as in field.ErrorList."""
    msgs = "; ".join(f"{f}: {m}" for _, f, m in causes)
    prefix = f'{kind}.{group}' if group else kind
    return ApiError(422, "Invalid", f'{prefix} "{name}" is invalid: {msgs}', {
        "name": name, "group": group, "kind": kind,
        "causes": [{"reason": r, "message": m, "field": f} for r, f, m in causes],
    })


def forbidden(group: str, plural: str, name: str, why: str) -> ApiError:
    """403 from admission (quota, limit ranges, eviction of a terminating namespace's objects)."""
    return ApiError(403, "Forbidden", f'{_qualified(group, plural)} "{name}" is forbidden: {why}',
                    _details(group, plural, name))


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def method_not_allowed(message: str = "the server does not allow this method on the requested resource") -> ApiError:
    return ApiError(405, "MethodNotAllowed", message)


def unsupported_media_type(content_type: str) -> ApiError:
    return ApiError(415, "UnsupportedMediaType", 'the body of the request was in an unknown format - '
                    'accepted media types include: application/json, application/yaml',
                    {"causes": [{"reason": "UnsupportedMediaType", "message": content_type}]})
