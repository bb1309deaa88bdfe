"""Pages of ListLogEntries: offsets into a query's result, in tokens bound to the query
(server.paging: signed, AIP-158 page sizes)."""

from __future__ import annotations

from server import paging
from server.containers.logs.queries import Query

DEFAULT_PAGE = 1000
MAX_PAGE = 5000


def page_size(requested: int, field_name: str = "page_size") -> int:
    return paging.page_size(requested, default=DEFAULT_PAGE, maximum=MAX_PAGE, field=field_name)


def page_token(offset: int, query: Query) -> str:
    return paging.encode(("log-entries", query.fingerprint), o=offset)


def page_offset(token: str, query: Query, field_name: str = "page_token") -> int:
    """Offset into the query's result; a token from another query is refused."""
    return paging.decode(token, ("log-entries", query.fingerprint), field_name, o=int).get("o", 0)
