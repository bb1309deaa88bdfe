"""google.api.http path templates (google/api/http.proto grammar) and whether two can match one URL.

Grammar: Template = "/" Segments [":" Verb]; Segment = "*" | "**" | LITERAL | Variable;
Variable = "{" FieldPath ["=" Segments] "}" (no "=" means "*"). Two templates can match one URL when
their segments can match the same segment list and their verbs are equal (a URL's verb is the text
after the last colon of its last segment, so `/v1/clusters:summarize` never matches
`/v1/{name=clusters/*}`). Transcoders break such ties differently (Envoy prefers literal segments,
grpc-gateway the first registered rule), so the contract must not have any.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor

ANY = "*"  # one segment
REST = "**"  # zero or more segments


class TemplateError(ValueError):
    """A path template that does not follow google/api/http.proto's grammar."""


@dataclass(frozen=True)
class Binding:
    """One HTTP method + path template bound to an RPC (a rule or one of its additional_bindings)."""

    rpc: str
    method: str
    template: str

    @property
    def pattern(self) -> tuple[tuple[str, ...], str]:
        return parse(self.template)

    def __str__(self) -> str:
        return f"{self.method} {self.template} ({self.rpc})"


@lru_cache(maxsize=None)
def parse(template: str) -> tuple[tuple[str, ...], str]:
    """The segment pattern of a template (literals, ANY and REST) and its verb ("" when none)."""
    if not template.startswith("/"):
        raise TemplateError(f"{template!r} does not start with '/'")
    body, verb = template[1:], ""
    colon, brace = body.rfind(":"), body.rfind("}")
    if colon > brace and colon > body.rfind("/"):
        body, verb = body[:colon], body[colon + 1:]
        if not verb:
            raise TemplateError(f"{template!r} has an empty verb")
    segments: list[str] = []
    for piece in _split(body, template):
        if piece.startswith("{") and piece.endswith("}"):
            field, _, sub = piece[1:-1].partition("=")
            if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", field):
                raise TemplateError(f"{template!r}: bad field path {field!r}")
            segments.extend(_split(sub, template) if sub else [ANY])
        elif "{" in piece or "}" in piece:
            raise TemplateError(f"{template!r}: a variable must be a whole segment")
        else:
            segments.append(piece)
    if REST in segments[:-1]:
        raise TemplateError(f"{template!r}: '**' must be the last segment")
    return tuple(segments), verb


def _split(body: str, template: str) -> list[str]:
    """Splits on the slashes outside variables; an empty segment is an error."""
    pieces, depth, current = [], 0, ""
    for char in body:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth not in (0, 1):
            raise TemplateError(f"{template!r}: unbalanced or nested braces")
        if char == "/" and depth == 0:
            pieces.append(current)
            current = ""
        else:
            current += char
    pieces.append(current)
    if depth or "" in pieces:
        raise TemplateError(f"{template!r}: unbalanced braces or an empty segment")
    return pieces


def overlap(first: tuple[tuple[str, ...], str], second: tuple[tuple[str, ...], str]) -> bool:
    """True when some URL is matched by both patterns (same verb, segments that can coincide)."""
    (a, verb_a), (b, verb_b) = first, second
    if verb_a != verb_b:
        return False

    @lru_cache(maxsize=None)
    def match(i: int, j: int) -> bool:
        if i < len(a) and a[i] == REST:
            if match(i + 1, j) or (j < len(b) and b[j] != REST and match(i, j + 1)):
                return True
        if j < len(b) and b[j] == REST:
            if match(i, j + 1) or (i < len(a) and a[i] != REST and match(i + 1, j)):
                return True
        if i == len(a) or j == len(b):
            return i == len(a) and j == len(b)
        if REST in (a[i], b[j]):
            return False
        return (a[i] == b[j] or ANY in (a[i], b[j])) and match(i + 1, j + 1)

    return match(0, 0)


def bindings(services: Iterable[descriptor.ServiceDescriptor]) -> list[Binding]:
    """Every HTTP binding of every method, additional_bindings included."""
    found = []
    for service in services:
        for method in service.methods:
            rule = method.GetOptions().Extensions[annotations_pb2.http]
            for r in [rule, *rule.additional_bindings]:
                found.extend(_rule_bindings(f"{service.name}.{method.name}", r))
    return found


def _rule_bindings(rpc: str, rule: http_pb2.HttpRule) -> list[Binding]:
    kind = rule.WhichOneof("pattern")
    if kind is None:
        return []
    if kind == "custom":
        return [Binding(rpc, rule.custom.kind.upper(), rule.custom.path)]
    return [Binding(rpc, kind.upper(), getattr(rule, kind))]


def collisions(all_bindings: list[Binding]) -> list[tuple[Binding, Binding]]:
    """Pairs of same-method bindings that can match one URL."""
    pairs = []
    for index, first in enumerate(all_bindings):
        for second in all_bindings[index + 1:]:
            if first.method == second.method and overlap(first.pattern, second.pattern):
                pairs.append((first, second))
    return pairs
