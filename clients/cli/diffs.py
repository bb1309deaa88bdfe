"""Diffs for people and for pipes: colours only on a terminal and never with NO_COLOR, no
padding, no background; field values printed exactly (3, not 3.0). OLD is always the `from`
side, NEW the `to` side (the live object when comparing against live).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from google.protobuf import json_format

from clients.cli.printers import exact, table
from kubecommit.v1 import common_pb2

_COLOURS = {"+": "\x1b[32m", "-": "\x1b[31m", "@": "\x1b[36m"}
_RESET = "\x1b[0m"


def colour() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def print_unified(text: str) -> None:
    on = colour()
    for line in text.splitlines():
        start = _COLOURS.get(line[:1]) if on and not line.startswith(("+++", "---")) else None
        sys.stdout.write(f"{start}{line}{_RESET}\n" if start else f"{line}\n")
    sys.stdout.flush()


def json_value(message: Any, field: str) -> str:
    """A google.protobuf.Value field as compact JSON with exact numbers; empty when unset."""
    if not message.HasField(field):
        return ""
    return json.dumps(exact(json_format.MessageToDict(getattr(message, field))))


def value(change: common_pb2.FieldChange, field: str) -> str:
    return "(secret)" if change.redacted else json_value(change, field)


def change_rows(changes: Any) -> list[list[str]]:
    return [[c.path, common_pb2.ChangeType.Name(c.change_type).removeprefix("CHANGE_TYPE_").lower(),
             value(c, "old_value"), value(c, "new_value")] for c in changes]


def print_diff(diff: common_pb2.DocumentDiff, old: str = "OLD", new: str = "NEW") -> None:
    """The unified diff, then the field-level table."""
    if diff.unified_diff:
        print_unified(diff.unified_diff)
    if diff.changes:
        sys.stdout.write("\n")
        table(["FIELD", "CHANGE", old, new], change_rows(diff.changes))
