"""Output the way kubectl prints it: space-aligned columns that are never cut (names must copy
into the next command), `-o yaml|json|name|wide|jsonpath=...`, ages like `5m12s`.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Optional, Sequence

import yaml

from clients.cli.errors import CliError

Row = Sequence[str]
OUTPUTS = ("yaml", "json", "wide", "name", "jsonpath=TEMPLATE")


def table(headers: Sequence[str], rows: Iterable[Row], out: Any = None) -> None:
    """kubectl's plain columns: three spaces apart, the last one unpadded, nothing truncated."""
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    out = out or sys.stdout
    out.write("".join(line(widths, row) for row in [list(headers), *rows]))
    out.flush()


def line(widths: Sequence[int], row: Sequence[Any]) -> str:
    """One row of `table`, its cells padded to `widths` (what `-w` prints for each change)."""
    cells = [str(cell).ljust(widths[i]) if i < len(row) - 1 else str(cell) for i, cell in enumerate(row)]
    return "   ".join(cells).rstrip() + "\n"


def exact(value: Any) -> Any:
    """JSON numbers arrive from a protobuf Struct as floats: 3.0 is printed 3."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [exact(v) for v in value]
    return value


def parse_time(text: str) -> Optional[datetime]:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None


def age(when: Optional[datetime], now: Optional[datetime] = None) -> str:
    """kubectl's short human durations: 45s, 2m30s, 12m, 5h10m, 3d4h, 40d, 2y."""
    if when is None:
        return "<unknown>"
    seconds = int(((now or datetime.now(timezone.utc)) - when).total_seconds())
    seconds = max(seconds, 0)
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 120:
        return f"{seconds}s"
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if hours < 3:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if days < 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    return f"{days // 365}y"


def dump_yaml(obj: Any) -> str:
    return yaml.safe_dump(obj, sort_keys=False, default_flow_style=False)


# -- jsonpath (kubectl's template subset: {.a.b[0].c}, {.items[*].metadata.name}, {"\n"}) ------

_TEMPLATE = re.compile(r"\{([^{}]*)\}")
_STEP = re.compile(r"\.?([^.\[\]]+)|\[(\*|-?\d+)\]")


def _select(values: list[Any], path: str) -> list[Any]:
    for match in _STEP.finditer(path.strip()):
        key, index = match.groups()
        next_values: list[Any] = []
        for value in values:
            if key is not None and isinstance(value, dict) and key in value:
                next_values.append(value[key])
            elif index == "*" and isinstance(value, list):
                next_values.extend(value)
            elif index not in (None, "*") and isinstance(value, list) and -len(value) <= int(index) < len(value):
                next_values.append(value[int(index)])
        values = next_values
    return values


def jsonpath(template: str, data: Any) -> str:
    """Renders kubectl-style `{...}` expressions; literal text and `{"\\n"}` pass through."""
    if "{" not in template:
        template = "{" + template + "}"

    def render(match: re.Match[str]) -> str:
        expr = match.group(1).strip()
        if expr.startswith('"') and expr.endswith('"'):
            return json.loads(expr)
        if not expr.startswith(".") and expr != "$":
            raise CliError(f"unsupported jsonpath expression {{{expr}}}",
                           "use paths such as {.metadata.name} or {.items[*].metadata.name}", usage=True)
        found = _select([data], expr.lstrip("$"))
        return " ".join(v if isinstance(v, str) else json.dumps(exact(v)) for v in found)

    return _TEMPLATE.sub(render, template)


def print_objects(objects: list[dict[str, Any]], output: str, names: Callable[[dict[str, Any]], str]) -> None:
    """`-o yaml|json|name|jsonpath=`: one object as itself, many as a kubectl `List`."""
    data: Any = objects[0] if len(objects) == 1 else {"apiVersion": "v1", "kind": "List", "items": objects}
    if output == "yaml":
        sys.stdout.write(dump_yaml(data))
    elif output == "json":
        sys.stdout.write(json.dumps(data, indent=4) + "\n")
    elif output == "name":
        sys.stdout.write("".join(names(o) + "\n" for o in objects))
    elif output.startswith("jsonpath="):
        sys.stdout.write(jsonpath(output.removeprefix("jsonpath="), data))
    else:
        raise CliError(f"unknown output format {output!r}", f"use one of {', '.join(OUTPUTS)}", usage=True)
    sys.stdout.flush()
