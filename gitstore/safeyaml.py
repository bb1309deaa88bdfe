"""YAML from callers, parsed under hard limits that are checked while parsing, not after.

PyYAML builds the object graph first: aliases become shared references that any later copy or
JSON round trip expands (a 340-byte "billion laughs" document grows to gigabytes), and its
composer and constructors recurse once per nesting level. So the event stream of libyaml's C
parser (a state machine, no recursion) is walked first, counting for the whole input the nodes
and scalar bytes it holds with every alias expanded, and the nesting depth; the walk stops at
the first limit crossed. Only input within every limit is then constructed with the C loader,
so construction and any later copy cost at most what the limits allow.

JSON is YAML, and clients that generate manifests send it (kubectl, programs). A text that starts with `{` or `[` and that `json.loads` accepts whole is taken from
the C JSON decoder instead (about 20x faster than libyaml's events walked in Python), then held to
the same limits by an iterative walk over the value; anything else, flow-style YAML included,
takes the YAML path. Several JSON documents may come between `---` lines.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from .errors import InvalidDocument

MIB = 1024 * 1024
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_NULL_TAG = "tag:yaml.org,2002:null"


@dataclass(frozen=True)
class YamlLimits:
    """Bounds on one input (all its documents together). Counts include alias expansion: an
    alias of a 10-node subtree adds 10 nodes, as a copy of the data would hold."""

    max_bytes: int = 4 * MIB  # the text as received (UTF-8)
    max_documents: int = 1000
    max_depth: int = 100  # collections nested in one another
    max_nodes: int = 250_000  # scalars, sequences and mappings, keys included
    max_expanded_bytes: int = 8 * MIB  # scalar text


class YamlLimitExceeded(InvalidDocument):
    """A limit was crossed. ``document`` is the index of the document at fault among the
    input's non-empty documents (-1: the input as a whole); ``limit`` names the YamlLimits
    field; ``reason`` is one of YAML_TOO_LARGE, YAML_TOO_DEEP, YAML_ALIAS_EXPANSION,
    YAML_TOO_MANY_DOCUMENTS."""

    def __init__(self, message: str, *, reason: str, limit: str, value: int, document: int,
                 subject: str = "") -> None:
        super().__init__(message, subject=subject)
        self.reason = reason
        self.limit = limit
        self.value = value
        self.document = document


class _Walk:
    """Counters for one pass over the event stream."""

    def __init__(self, limits: YamlLimits) -> None:
        self.limits = limits
        self.nodes = 0
        self.scalar_bytes = 0
        self.documents = 0  # non-empty documents completed or in progress
        self.open: list[tuple[str | None, int, int]] = []  # (anchor, nodes, bytes) at start
        self.anchors: dict[str, tuple[int, int]] = {}  # anchor -> (nodes, bytes) it stands for

    def _refuse(self, what: str, reason: str, limit: str) -> YamlLimitExceeded:
        value = getattr(self.limits, limit)
        return YamlLimitExceeded(f"{what} (limit {limit} = {value})", reason=reason, limit=limit,
                                 value=value, document=self.documents - 1)

    def _add(self, nodes: int, size: int, alias: bool) -> None:
        self.nodes += nodes
        self.scalar_bytes += size
        reason = "YAML_ALIAS_EXPANSION" if alias else "YAML_TOO_LARGE"
        how = " once its aliases are expanded" if alias else ""
        if self.nodes > self.limits.max_nodes:
            raise self._refuse(f"holds more than {self.limits.max_nodes} nodes{how}", reason, "max_nodes")
        if self.scalar_bytes > self.limits.max_expanded_bytes:
            raise self._refuse(f"holds more than {self.limits.max_expanded_bytes} bytes of scalars{how}",
                               reason, "max_expanded_bytes")

    def _anchor(self, anchor: str | None, nodes: int, size: int) -> None:
        if anchor is not None:
            self.anchors[anchor] = (nodes, size)

    def event(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.anchors.clear()  # anchors do not reach across documents
        elif isinstance(event, yaml.ScalarEvent):
            if not self.open:  # a document's root: a null root is an empty document
                if event.value in _NULLS and (event.implicit[0] or event.tag == _NULL_TAG):
                    return
                self._start_document()
            size = len(event.value.encode("utf-8", "surrogatepass"))
            self._add(1, size, alias=False)
            self._anchor(event.anchor, 1, size)
        elif isinstance(event, yaml.CollectionStartEvent):
            if not self.open:
                self._start_document()
            if len(self.open) >= self.limits.max_depth:
                raise self._refuse(f"nests collections more than {self.limits.max_depth} deep",
                                   "YAML_TOO_DEEP", "max_depth")
            self.open.append((event.anchor, self.nodes, self.scalar_bytes))
            self._add(1, 0, alias=False)
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, nodes, size = self.open.pop()
            self._anchor(anchor, self.nodes - nodes, self.scalar_bytes - size)
        elif isinstance(event, yaml.AliasEvent):
            if not self.open:
                self._start_document()
            # An unknown alias is left for the loader to refuse with its position.
            nodes, size = self.anchors.get(event.anchor or "", (0, 0))
            self._add(nodes, size, alias=True)

    def _start_document(self) -> None:
        self.documents += 1
        if self.documents > self.limits.max_documents:
            raise self._refuse(f"holds more than {self.limits.max_documents} documents",
                               "YAML_TOO_MANY_DOCUMENTS", "max_documents")


def _check_size(text: str, limits: YamlLimits) -> None:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise YamlLimitExceeded(f"is {size} bytes (limit max_bytes = {limits.max_bytes})",
                                reason="YAML_TOO_LARGE", limit="max_bytes", value=limits.max_bytes,
                                document=-1)


# A JSON number YAML 1.1 also reads as a float: a dot, and an exponent only with its sign.
_DOCUMENT_START = re.compile(r"^---[ \t]*(?:\r?\n|\Z)", re.MULTILINE)
_YAML_FLOAT = re.compile(r"-?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?")


def _yaml_float(text: str) -> float:
    """json.loads' parse_float: a number YAML would read as a string (1e5) leaves the fast path."""
    if not _YAML_FLOAT.fullmatch(text):
        raise ValueError(f"{text} is a string in YAML")
    return float(text)


def _not_yaml(name: str) -> Any:
    raise ValueError(f"{name} is a string in YAML")


def _scalar_bytes(value: Any) -> int:
    """The bytes YAML counts for this JSON scalar: a string's text, else its JSON spelling. A
    string holding a lone surrogate raises UnicodeEncodeError (the YAML path refuses it)."""
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    return len(json.dumps(value))


def _load_json(text: str, limits: YamlLimits) -> list[Any] | None:
    """The documents of `text` read as JSON values (one, or several each on lines of their own
    between `---` lines) within `limits`, or None when one is not JSON whose meaning YAML shares,
    and `text` must take the YAML path. A JSON string holds no raw newline, so no `---` line is
    inside one."""
    pieces = [p for p in _DOCUMENT_START.split(text) if p.strip()]
    if not pieces or any(p.lstrip()[:1] not in ("{", "[") for p in pieces):
        return None
    walk = _Walk(limits)
    too_deep = f"nests collections more than {limits.max_depth} deep"
    documents = []
    for piece in pieces:
        walk._start_document()
        try:
            value = json.loads(piece, parse_float=_yaml_float, parse_constant=_not_yaml)
        except RecursionError:  # the C decoder recurses once per level, far deeper than max_depth
            raise walk._refuse(too_deep, "YAML_TOO_DEEP", "max_depth") from None
        except ValueError:
            return None
        pending: list[tuple[Any, int]] = [(value, 1)]
        try:
            while pending:
                item, depth = pending.pop()
                if isinstance(item, dict):
                    children = item.values()
                    walk._add(1 + len(item), sum(map(_scalar_bytes, item)), alias=False)
                elif isinstance(item, list):
                    children = item
                    walk._add(1, 0, alias=False)
                else:
                    walk._add(1, _scalar_bytes(item), alias=False)
                    continue
                if depth > limits.max_depth:
                    raise walk._refuse(too_deep, "YAML_TOO_DEEP", "max_depth")
                pending.extend((child, depth + 1) for child in children)
        except UnicodeEncodeError:
            return None
        documents.append(value)
    return documents


def check(text: str, limits: YamlLimits = YamlLimits()) -> None:
    """Raise YamlLimitExceeded at the first limit `text` crosses (yaml.YAMLError when it does
    not parse); costs one pass of the C parser over the events, whatever the aliases."""
    _check_size(text, limits)
    walk = _Walk(limits)
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            walk.event(event)
    except UnicodeError as error:  # lone surrogates: text no YAML reader accepts
        raise InvalidDocument(f"is not valid Unicode text: {error.reason}") from None


def load_all(text: str, limits: YamlLimits = YamlLimits()) -> list[Any]:
    """The non-empty documents of `text`, constructed by the C safe loader once `check` found
    them within `limits`. Raises YamlLimitExceeded, yaml.YAMLError (syntax, with its position)
    or InvalidDocument (a scalar the loader cannot construct, such as an integer of more digits
    than Python converts or an empty explicit timestamp). A JSON text takes the fast path under
    the same limits and gives the same documents."""
    _check_size(text, limits)
    documents = _load_json(text, limits)
    if documents is not None:
        return documents
    check(text, limits)
    try:
        return [d for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d is not None]
    except yaml.YAMLError:
        raise
    except Exception as error:  # noqa: BLE001 - see below
        # PyYAML's constructors meet some hostile scalars with whatever their code raises
        # (AttributeError for `!!timestamp ''`, ValueError for a 5000-digit int): caller input
        # that cannot be read, whatever the exception's type.
        raise InvalidDocument(f"holds a value that cannot be read: {type(error).__name__}: {error}") from None
