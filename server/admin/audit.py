"""The audit log through the API: one page of entries, newest first, narrowed by an AIP-160
filter that becomes SQL conditions (values always bound as parameters, never spliced in)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from server import paging
from server.errors import InvalidArgument
from server.filtering import Term, parse_terms
from server.security.audit import AuditEvent, AuditLog, Condition

_EQUALITY = ("=", "!=")
_ORDER = (">=", ">", "<=", "<")
_COLUMNS = {"caller": "caller", "role": "role", "code": "code", "request_id": "request_id", "peer": "peer"}
# Filter field -> the JSON array column it looks into.
_MEMBERS = {"target": "targets", "cluster": "clusters", "namespace": "namespaces"}
OPS: dict[str, tuple[str, ...]] = {**{f: _EQUALITY for f in (*_COLUMNS, *_MEMBERS, "rpc")}, "time": _ORDER}


def _moment(value: str) -> float:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise InvalidArgument.field("filter", f"time {value!r} is not an RFC 3339 timestamp") from None


def _condition(log: AuditLog, term: Term) -> Condition:
    negate = term.op == "!="
    if term.field in _COLUMNS:
        return f"{_COLUMNS[term.field]} {term.op} ?", term.value.upper() if term.field == "code" else term.value
    if term.field == "rpc":
        return f"rpc {'NOT ' if negate else ''}LIKE ?", f"%{term.value}%"
    if term.field in _MEMBERS:
        value = term.value.removeprefix("clusters/") if term.field == "cluster" else term.value
        exists = f"EXISTS (SELECT 1 FROM {log.members(_MEMBERS[term.field])} WHERE value = ?)"
        return ("NOT " if negate else "") + exists, value
    return f"time {term.op} ?", _moment(term.value)


async def list_entries(log: AuditLog, filter_text: str, size: int, token: str) -> tuple[list[AuditEvent], str]:
    """Newest first; the page token holds the sequence number to continue below."""
    conditions = [_condition(log, t) for t in parse_terms(filter_text, OPS)]
    query = ("auditEntries", filter_text)
    before = paging.decode(token, query, before=int).get("before")
    limit = paging.page_size(size)
    rows = await asyncio.to_thread(log.select, conditions, limit + 1, before)
    page = rows[:limit]
    return page, paging.encode(query, before=page[-1].seq) if len(rows) > limit else ""
