"""A CRD version's additionalPrinterColumns evaluated on objects, formatted as `kubectl get`
prints them. The JSONPaths are kubectl's (`.spec.size`, `.status.conditions[?(@.type=="Ready")].status`),
evaluated by jsonpath-ng's extended parser (filters included) rather than a hand-written subset."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from jsonpath_ng import JSONPath
from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext import parse

from server.crds.model import PrinterColumn

NAME = PrinterColumn("Name", "string", ".metadata.name", description="metadata.name of the object")
AGE = PrinterColumn("Age", "date", ".metadata.creationTimestamp", description="time since creation")
NONE = "<none>"


@lru_cache(maxsize=512)
def _compiled(json_path: str) -> JSONPath | None:
    text = json_path.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    try:
        return parse("$" + (text if text.startswith((".", "[")) else "." + text))
    except (JsonPathLexerError, JsonPathParserError, Exception):  # jsonpath-ng raises bare Exception too
        return None


def _age(value: Any, now: datetime) -> str:
    try:
        then = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def cell(column: PrinterColumn, obj: dict[str, Any], now: datetime | None = None) -> str:
    """One column of one object: `<none>` when the path finds nothing, values joined by `,`."""
    expression = _compiled(column.json_path)
    values = [m.value for m in expression.find(obj)] if expression is not None else []
    values = [v for v in values if v is not None]
    if not values:
        return NONE
    if column.type == "date":
        return ",".join(_age(v, now or datetime.now(timezone.utc)) for v in values)
    return ",".join(_text(v) for v in values)


def valid_json_path(json_path: str) -> bool:
    return _compiled(json_path) is not None
