"""Pure request logic of the cluster inventory: the AIP-160 filter subset of ListClusters, its
ordering and paging (server.paging). No I/O, so it is unit-tested on its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

from server import paging
from server.errors import InvalidArgument
from server.filtering import parse_terms
from server.registry import ClusterRecord

_PLAIN_FIELDS = ("name", "provider", "state", "region", "display_name", "server_version")


@dataclass(frozen=True)
class Term:
    field: str
    negate: bool
    value: str

    def matches(self, record: ClusterRecord) -> bool:
        actual = _field_value(record, self.field)
        equal = actual is not None and actual.lower() == self.value.lower()
        return equal != self.negate


def _field_value(record: ClusterRecord, name: str) -> str | None:
    if name.startswith("tags."):
        return record.tags.get(name[5:])
    if name == "name":
        return record.id
    return str(getattr(record, name))


def _enum_value(field: str, value: str) -> str:
    """`AWS`, `aws` and `PROVIDER_AWS` all mean the stored `aws`."""
    prefix = {"provider": "provider_", "state": "cluster_state_"}.get(field)
    lowered = value.lower()
    return lowered.removeprefix(prefix) if prefix else value


def parse_filter(text: str, field: str = "filter") -> list[Term]:
    """`provider = AWS AND state = CONNECTED AND tags.env = prod` -> terms (all must hold)."""
    equality = ("=", "!=")
    ops = {**{name: equality for name in _PLAIN_FIELDS}, "tags.": equality}
    return [Term(t.field, t.op == "!=", _enum_value(t.field, t.value)) for t in parse_terms(text, ops, field)]


def parse_order(text: str, field: str = "order_by") -> tuple[Callable[[ClusterRecord], Any], bool]:
    """`name` (default), `create_time`, either with ` desc` -> (sort key, reverse)."""
    words = text.replace(",", " ").split()
    if not words:
        return (lambda r: r.id), False
    key_name, direction = words[0], (words[1].lower() if len(words) > 1 else "asc")
    if len(words) > 2 or direction not in ("asc", "desc"):
        raise InvalidArgument.field(field, f"cannot parse {text!r}: expected `name` or `create_time` "
                                           "optionally followed by `desc`")
    epoch = datetime.min.replace(tzinfo=timezone.utc)
    keys: dict[str, Callable[[ClusterRecord], Any]] = {
        "name": lambda r: r.id,
        "create_time": lambda r: (r.create_time or epoch, r.id),
    }
    if key_name not in keys:
        raise InvalidArgument.field(field, f"cannot order by {key_name!r} (name or create_time)")
    return keys[key_name], direction == "desc"


def select(records: Sequence[ClusterRecord], filter_text: str, order_by: str, size: int,
           token: str) -> tuple[list[ClusterRecord], str, int]:
    """One page of the filtered, ordered records: (page, next token, total matching)."""
    terms = parse_filter(filter_text)
    key, reverse = parse_order(order_by)
    matching = sorted((r for r in records if all(t.matches(r) for t in terms)), key=key, reverse=reverse)
    page, next_token = paging.offset_page(matching, ("clusters", filter_text, order_by), size, token)
    return page, next_token, len(matching)
