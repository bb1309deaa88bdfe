"""Page tokens holding a position, bound to the query that made them (the shape of
server/paging.py's encode/decode on the `plumbing` branch, which replaces this module when it
lands): base64url JSON of the query's fingerprint and the position; anything else is
INVALID_ARGUMENT on `page_token`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any, Sequence

from server.errors import InvalidArgument


def _fingerprint(query: Sequence[Any]) -> str:
    return hashlib.sha256(json.dumps(list(query), sort_keys=True, default=str).encode()).hexdigest()[:24]


def encode(query: Sequence[Any], **position: Any) -> str:
    body = json.dumps({"q": _fingerprint(query), "p": position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(body).decode().rstrip("=")


def decode(token: str, query: Sequence[Any], field: str = "page_token", **kinds: type) -> dict[str, Any]:
    if not token:
        return {}
    wrong = InvalidArgument.field(field, "not a page token returned by this method")
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error):
        raise wrong from None
    if not isinstance(data, dict) or not isinstance(data.get("p"), dict):
        raise wrong
    if data.get("q") != _fingerprint(query):
        raise InvalidArgument.field(field, "the page token belongs to a different query")
    position: dict[str, Any] = data["p"]
    for key, value in position.items():
        kind = kinds.get(key)
        if kind is None or type(value) is not kind or (kind is int and value < 0):
            raise wrong
    return position
