"""Kubernetes label keys, values and selectors, checked and parsed as the API server does
(apimachinery `validation.IsQualifiedName`, `IsValidLabelValue` and `labels.Parse`), so a
request is refused here with the field and position instead of by a cluster half-way through a
batch. Pure functions: no cluster, no store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Mapping

from server.errors import InvalidArgument

NAME_MAX = 63
PREFIX_MAX = 253
VALUE_MAX = 63
_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def key_problem(key: str) -> str:
    """Why `key` is not a valid label/annotation key ('' when it is): `[prefix/]name`, the
    prefix a DNS subdomain of at most 253 characters, the name at most 63 characters of
    alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric."""
    prefix, slash, name = key.rpartition("/")
    if slash and not prefix:
        return "prefix part must be non-empty"
    if "/" in prefix:
        return "a key holds at most one '/'"
    if slash:
        if len(prefix) > PREFIX_MAX:
            return f"prefix part must be no more than {PREFIX_MAX} characters (has {len(prefix)})"
        if not all(_DNS_LABEL.match(part) for part in prefix.split(".")):
            return "prefix part must be a lowercase DNS subdomain (e.g. 'example.com')"
    if not name:
        return "name part must be non-empty"
    if len(name) > NAME_MAX:
        return f"name part must be no more than {NAME_MAX} characters (has {len(name)})"
    if not _NAME.match(name):
        return ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
                "and end with an alphanumeric character")
    return ""


def value_problem(value: str) -> str:
    """Why `value` is not a valid label value ('' when it is): empty, or at most 63 characters
    with the same alphabet as a key's name part."""
    if len(value) > VALUE_MAX:
        return f"must be no more than {VALUE_MAX} characters (has {len(value)})"
    if value and not _NAME.match(value):
        return ("must be empty or consist of alphanumeric characters, '-', '_' or '.', and must start "
                "and end with an alphanumeric character")
    return ""


def check_key(key: str, field: str) -> str:
    """`key`, or INVALID_ARGUMENT naming `field`."""
    problem = key_problem(key)
    if problem:
        raise InvalidArgument.field(field, f"invalid key {key!r}: {problem}", "INVALID_LABEL_KEY")
    return key


def check_labels(labels: Mapping[str, str], field: str) -> None:
    """Every key and value of a label map, INVALID_ARGUMENT naming `field[key]` on the first bad one."""
    for key, value in labels.items():
        check_key(key, f"{field}[{key}]")
        problem = value_problem(value)
        if problem:
            raise InvalidArgument.field(f"{field}[{key}]", f"invalid value for {key!r}: {problem}",
                                        "INVALID_LABEL_VALUE")


def check_annotations(annotations: Mapping[str, str], field: str) -> None:
    """Annotation keys follow label key rules; values are free text (the API server bounds only
    the total size, 256 KiB)."""
    for key in annotations:
        check_key(key, f"{field}[{key}]")
    if sum(len(k) + len(v) for k, v in annotations.items()) > 256 * 1024:
        raise InvalidArgument.field(field, "annotations must total at most 256 KiB", "ANNOTATIONS_TOO_LARGE")


class Operator(Enum):
    EQUALS = "="
    NOT_EQUALS = "!="
    IN = "in"
    NOT_IN = "notin"
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"
    GREATER_THAN = "gt"
    LESS_THAN = "lt"


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key, "")
        match self.operator:
            case Operator.EXISTS:
                return present
            case Operator.DOES_NOT_EXIST:
                return not present
            case Operator.EQUALS | Operator.IN:
                return present and value in self.values
            case Operator.NOT_EQUALS | Operator.NOT_IN:
                return not present or value not in self.values
            case Operator.GREATER_THAN | Operator.LESS_THAN:
                if not present or not re.fullmatch(r"-?\d+", value):
                    return False
                bound = int(self.values[0])
                return int(value) > bound if self.operator is Operator.GREATER_THAN else int(value) < bound
        raise AssertionError(self.operator)  # pragma: no cover

    def __str__(self) -> str:
        match self.operator:
            case Operator.EXISTS:
                return self.key
            case Operator.DOES_NOT_EXIST:
                return f"!{self.key}"
            case Operator.IN | Operator.NOT_IN:
                return f"{self.key} {self.operator.value} ({','.join(self.values)})"
            case Operator.GREATER_THAN:
                return f"{self.key}>{self.values[0]}"
            case Operator.LESS_THAN:
                return f"{self.key}<{self.values[0]}"
        return f"{self.key}{self.operator.value}{self.values[0]}"


@dataclass(frozen=True)
class Selector:
    """Requirements that must all hold (AND); the empty selector matches everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        return all(r.matches(labels or {}) for r in self.requirements)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


class SelectorError(ValueError):
    def __init__(self, position: int, problem: str) -> None:
        super().__init__(f"at position {position}: {problem}")
        self.position = position
        self.problem = problem


# Tokens as apimachinery's lexer sees them: operators and punctuation, or an identifier (any
# run of characters that are none of those and not whitespace).
_TOKEN = re.compile(r"\s*(?:(?P<op>==|!=|=|!|\(|\)|,|>|<)|(?P<id>[^\s=!(),<>]+))")


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, position) with kind `op`, `id` or `end`."""
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:  # only trailing whitespace is left
            break
        kind = "op" if m.group("op") else "id"
        out.append((kind, m.group(kind), m.start(kind)))
        pos = m.end()
    out.append(("end", "", len(text)))
    return out


def _shown(token: str) -> str:
    return repr(token) if token else "the end"


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def key(self) -> str:
        kind, text, pos = self.take()
        if kind != "id":
            raise SelectorError(pos, f"expected a label key, found {_shown(text)}")
        problem = key_problem(text)
        if problem:
            raise SelectorError(pos, f"invalid label key {text!r}: {problem}")
        return text

    def value(self, allow_empty: bool) -> str:
        kind, text, pos = self.peek()
        if kind != "id":
            if allow_empty:
                return ""
            raise SelectorError(pos, f"expected a value, found {_shown(text)}")
        self.take()
        problem = value_problem(text)
        if problem:
            raise SelectorError(pos, f"invalid label value {text!r}: {problem}")
        return text

    def value_set(self) -> tuple[str, ...]:
        kind, text, pos = self.take()
        if text != "(":
            raise SelectorError(pos, f"expected '(' to open a set of values, found {_shown(text)}")
        values = [self.value(allow_empty=True)]
        while True:
            kind, text, pos = self.take()
            if text == ")":
                return tuple(values)
            if text != ",":
                raise SelectorError(pos, f"expected ',' or ')' in a set of values, found {_shown(text)}")
            values.append(self.value(allow_empty=True))

    def requirement(self) -> Requirement:
        if self.peek()[1] == "!":
            self.take()
            return Requirement(self.key(), Operator.DOES_NOT_EXIST)
        key = self.key()
        kind, text, pos = self.peek()
        if kind == "end" or text == ",":
            return Requirement(key, Operator.EXISTS)
        self.take()
        if text in ("=", "=="):
            return Requirement(key, Operator.EQUALS, (self.value(allow_empty=True),))
        if text == "!=":
            return Requirement(key, Operator.NOT_EQUALS, (self.value(allow_empty=True),))
        if text in (">", "<"):
            bound_pos = self.peek()[2]
            bound = self.value(allow_empty=False)
            if not re.fullmatch(r"-?\d+", bound):
                raise SelectorError(bound_pos, f"{text} needs an integer, found {bound!r}")
            return Requirement(key, Operator.GREATER_THAN if text == ">" else Operator.LESS_THAN, (bound,))
        if kind == "id" and text in ("in", "notin"):
            return Requirement(key, Operator.IN if text == "in" else Operator.NOT_IN, self.value_set())
        raise SelectorError(pos, f"expected an operator (=, ==, !=, in, notin, >, <) after {key!r}, "
                                 f"found {text!r}")

    def selector(self) -> Selector:
        requirements = []
        if self.peek()[0] == "end":
            return Selector()
        while True:
            requirements.append(self.requirement())
            kind, text, pos = self.take()
            if kind == "end":
                return Selector(tuple(requirements))
            if text != ",":
                raise SelectorError(pos, f"expected ',' between requirements, found {text!r}")
            if self.peek()[0] == "end":
                raise SelectorError(self.peek()[2], "expected a requirement after ','")


def parse_selector(text: str, field: str = "label_selector") -> Selector:
    """A Kubernetes label selector (`app=web,tier in (fe,be),!legacy,env!=dev`); INVALID_ARGUMENT
    naming `field` and the 0-based character position of the problem otherwise."""
    try:
        return _Parser(text).selector()
    except SelectorError as error:
        raise InvalidArgument.field(field, f"selector {text!r} does not parse {error}",
                                    "INVALID_LABEL_SELECTOR") from None
