"""Pages of ListLogEntries: offsets into a query's result, in tokens bound to the query."""

from __future__ import annotations

import base64
import json

from server.containers.logs.queries import Query
from server.errors import InvalidArgument

DEFAULT_PAGE = 1000
MAX_PAGE = 5000


def page_size(requested: int, field_name: str = "page_size") -> int:
    if not 0 <= requested <= MAX_PAGE:
        raise InvalidArgument.field(field_name, f"must be between 0 and {MAX_PAGE}")
    return requested or DEFAULT_PAGE


def page_token(offset: int, query: Query) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "q": query.fingerprint}).encode()).decode()


def page_offset(token: str, query: Query, field_name: str = "page_token") -> int:
    """Offset into the query's result; a token from another query is refused."""
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = int(data["o"])
        fingerprint = data["q"]
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError):
        raise InvalidArgument.field(field_name, "not a token this server issued") from None
    if fingerprint != query.fingerprint or offset < 0:
        raise InvalidArgument.field(field_name, "was issued for a different query")
    return offset
