"""The AIP-160 subset every List method's `filter` speaks: `field op value` terms joined by AND,
values bare or quoted. Parsing is shared; each method says which fields and operators it knows."""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.errors import InvalidArgument

_TERM = re.compile(r'^\s*([A-Za-z_][\w.\-/]*)\s*(!=|>=|<=|=|>|<)\s*(?:"([^"]*)"|\'([^\']*)\'|(\S+))\s*$')
_AND = re.compile(r"\s+AND\s+")


@dataclass(frozen=True)
class Term:
    field: str
    op: str  # = != >= <= > <
    value: str


def parse_terms(text: str, ops: dict[str, tuple[str, ...]], field: str = "filter") -> list[Term]:
    """The terms of `text` (all must hold). `ops`: each known field -> the operators it takes;
    a key ending in `.` admits any field under that prefix (`tags.`)."""
    if not text.strip():
        return []
    terms = []
    for part in _AND.split(text.strip()):
        match = _TERM.match(part)
        if not match:
            raise InvalidArgument.field(field, f"cannot parse {part.strip()!r}: expected `field = value` "
                                               "terms joined by AND")
        name, op, *values = match.groups()
        allowed = (None if name.endswith(".") else ops.get(name)) or next((v for k, v in ops.items() if k.endswith(".") and
                                         name.startswith(k) and len(name) > len(k)), None)
        if allowed is None:
            known = ", ".join(k + "<key>" if k.endswith(".") else k for k in ops)
            raise InvalidArgument.field(field, f"unknown filter field {name!r} (known: {known})")
        if op not in allowed:
            raise InvalidArgument.field(field, f"{name} takes {' '.join(allowed)}, not {op}")
        terms.append(Term(name, op, next(v for v in values if v is not None)))
    return terms
