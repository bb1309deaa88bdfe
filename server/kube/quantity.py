"""Kubernetes resource quantities (`500m`, `2Gi`, `1e3`), as the API server reads and writes them.

The official client's `kubernetes.utils.quantity.parse_quantity` turns a quantity into a Decimal;
it is used for the value. What it lacks is added here: a strict check of the grammar with an error
naming the field and the value (it accepts some strings the API server refuses and refuses others
with a bare ValueError), refusing negative amounts where Kubernetes does (quota limits, requests),
and formatting a value back to the canonical form the API server would write (`1500m` -> `1500m`,
`2048Mi` -> `2Gi`, `1000` -> `1k`), so a usage answer reads like `kubectl describe quota`.

Grammar (k8s.io/apimachinery/pkg/api/resource):
    <quantity> ::= <sign>? <digits> [. <digits>?] | . <digits>   followed by one suffix:
    binary Ki Mi Gi Ti Pi Ei · decimal n u m "" k M G T P E · exponent e<int> / E<int>
"""

from __future__ import annotations

import re
from functools import lru_cache
from decimal import Decimal, InvalidOperation
from typing import Any

from kubernetes.utils.quantity import parse_quantity

from server.errors import InvalidArgument

_QUANTITY = re.compile(
    r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$")
_BINARY = (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10))
_DECIMAL = (("E", Decimal(10) ** 18), ("P", Decimal(10) ** 15), ("T", Decimal(10) ** 12),
            ("G", Decimal(10) ** 9), ("M", Decimal(10) ** 6), ("k", Decimal(10) ** 3), ("", Decimal(1)),
            ("m", Decimal(10) ** -3), ("u", Decimal(10) ** -6), ("n", Decimal(10) ** -9))
_NANO = Decimal(10) ** -9


def parse(text: Any, field: str = "quantity", *, allow_negative: bool = False) -> Decimal:
    """The value of a quantity in base units (cores, bytes, a count), or INVALID_ARGUMENT naming
    `field` and the value. Amounts below a nano unit round up, as the API server does."""
    value = _value(str(text).strip() if text is not None else "")
    if value is None:
        raise InvalidArgument.field(field, f"{str(text).strip()!r} is not a Kubernetes quantity "
                                    "(e.g. 500m, 2Gi, 1.5, 1e3)")
    if value < 0 and not allow_negative:
        raise InvalidArgument.field(field, f"{str(text).strip()!r} must not be negative")
    return value


@lru_cache(maxsize=4096)
def _value(raw: str) -> Decimal | None:
    """The value of a well-formed quantity, None otherwise; cached, since a usage answer across
    clusters reads the same few strings (`4`, `8Gi`, `0`) thousands of times."""
    if not _QUANTITY.match(raw):
        return None
    try:
        value = Decimal(parse_quantity(raw))
    except (ValueError, InvalidOperation):
        return None
    return value.quantize(_NANO, rounding="ROUND_CEILING") if value != value.to_integral_value() else value


def value_of(text: Any) -> Decimal:
    """A quantity read from a cluster (trusted, maybe absent): its value, 0 when absent or unreadable."""
    if text in (None, ""):
        return Decimal(0)
    try:
        return parse(text, allow_negative=True)
    except InvalidArgument:
        return Decimal(0)


def is_binary(text: str) -> bool:
    return str(text).strip().endswith("i")


def format_quantity(value: Decimal | int | float, binary: bool = False) -> str:
    """The canonical form of `value`: the largest suffix that keeps an integer (binary suffixes
    when `binary` and the value is a whole number of KiB), e.g. 2147483648 -> `2Gi`, 1.5 -> `1500m`."""
    return _format(Decimal(str(value)) if isinstance(value, float) else Decimal(value), binary)


@lru_cache(maxsize=4096)
def _format(value: Decimal, binary: bool) -> str:
    if value == 0:
        return "0"
    sign, magnitude = ("-" if value < 0 else ""), abs(value)
    if binary and magnitude == magnitude.to_integral_value():
        for suffix, factor in _BINARY:
            if magnitude % factor == 0:
                return f"{sign}{int(magnitude // factor)}{suffix}"
    magnitude = magnitude.quantize(_NANO, rounding="ROUND_CEILING") if magnitude < 1 or \
        magnitude != magnitude.to_integral_value() else magnitude
    for suffix, factor in _DECIMAL:
        scaled = magnitude / factor
        if scaled == scaled.to_integral_value() and scaled >= 1:
            return f"{sign}{int(scaled)}{suffix}"
    return f"{sign}{int(magnitude / _NANO)}n"


def canonical(text: str, field: str = "quantity") -> str:
    """`text` rewritten as the API server would store it (`2048Mi` -> `2Gi`, `0.5` -> `500m`)."""
    return format_quantity(parse(text, field), binary=is_binary(text))


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as quantity `a` is less than, equal to or more than `b` (`1Gi` > `1G`)."""
    x, y = parse(a, allow_negative=True), parse(b, allow_negative=True)
    return (x > y) - (x < y)


def percent(used: Decimal, hard: Decimal) -> float:
    """used / hard * 100; 100 when hard is zero and anything is used, 0 when nothing is."""
    if hard == 0:
        return 100.0 if used > 0 else 0.0
    return float(used * 100 / hard)
