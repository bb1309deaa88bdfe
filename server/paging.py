"""Paging for every List RPC: one page-size rule and one page-token format.

Page size follows AIP-158: 0 means the method's default, more than the maximum is the maximum,
negative is INVALID_ARGUMENT on ``page_size``.

A page token is opaque and tamper-evident: base64url of JSON ``{"q": <query fingerprint>,
"p": <position>}`` followed by an HMAC-SHA256 of it, keyed by a secret made once per server
process. The fingerprint binds a token to the query that made it (method, parent, filter,
order, ...): replaying it with another query, editing it or forging one is INVALID_ARGUMENT on
``page_token``, never a crash in the code that would trust its values. Tokens do not outlive
the process that issued them (a restarted server asks the client to start over).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from typing import Any, TypeVar

from server.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
_KEY = secrets.token_bytes(32)
_MAC_BYTES = 16
T = TypeVar("T")


def page_size(requested: int, *, default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE,
              field: str = "page_size") -> int:
    """AIP-158: 0 means ``default``, larger than ``maximum`` is ``maximum``, negative is wrong."""
    if requested < 0:
        raise InvalidArgument.field(field, "must not be negative")
    return min(requested or default, maximum)


def _fingerprint(query: Sequence[Any]) -> str:
    return hashlib.sha256(json.dumps(list(query), sort_keys=True, default=str).encode()).hexdigest()[:24]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(query: Sequence[Any], **position: Any) -> str:
    """A token for the page at ``position`` of ``query`` (JSON-able parts naming the method and
    every request field that selects or orders the items, page_size and page_token excepted)."""
    body = json.dumps({"q": _fingerprint(query), "p": position}, separators=(",", ":")).encode()
    mac = hmac.new(_KEY, body, hashlib.sha256).digest()[:_MAC_BYTES]
    return _b64(body) + "." + _b64(mac)


def decode(token: str, query: Sequence[Any], field: str = "page_token", **kinds: type) -> dict[str, Any]:
    """The position ``token`` encodes ({} for no token), each key of the type ``kinds`` gives it
    (ints not negative). Refused when forged, edited or made for another query."""
    if not token:
        return {}
    forged = InvalidArgument.field(field, "not a page token returned by this method")
    body_text, _, mac_text = token.partition(".")
    try:
        body, mac = _unb64(body_text), _unb64(mac_text)
    except (ValueError, binascii.Error):
        raise forged from None
    if not hmac.compare_digest(mac, hmac.new(_KEY, body, hashlib.sha256).digest()[:_MAC_BYTES]):
        raise forged
    data = json.loads(body)
    if data["q"] != _fingerprint(query):
        raise InvalidArgument.field(field, "the page token belongs to a different query")
    position: dict[str, Any] = data["p"]
    for key, value in position.items():
        kind = kinds.get(key)
        if kind is None or type(value) is not kind or (kind is int and value < 0):
            raise forged
    return position


def offset_page(items: Sequence[T], query: Sequence[Any], requested: int, token: str, *,
                default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE
                ) -> tuple[list[T], str]:
    """One page of an in-memory list and the token of the next ("" on the last page)."""
    start = decode(token, query, o=int).get("o", 0)
    end = start + page_size(requested, default=default, maximum=maximum)
    return list(items[start:end]), encode(query, o=end) if end < len(items) else ""
