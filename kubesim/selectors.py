"""Label and field selectors with the apiserver's syntax and error messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from kubesim.errors import ApiError

_KEY = r"(?:[a-z0-9A-Z.\-]+/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_KEY_RE = re.compile(_KEY + r"$")
_VALUE_RE = re.compile(_VALUE + r"$")
_TOKEN_RE = re.compile(r"\s*(!=|==|=|\(|\)|,|!|[^\s!=(),]+)")


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # =, !=, in, notin, exists, !exists
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        match self.op:
            case "exists":
                return present
            case "!exists":
                return not present
            case "=" | "in":
                return present and value in self.values
            case _:  # != and notin also match when the key is absent
                return value not in self.values


def _bad_label(msg: str) -> ApiError:
    return ApiError(400, "BadRequest", f"unable to parse requirement: {msg}")


def _check_key(key: str) -> str:
    if not _KEY_RE.match(key) or len(key.rpartition("/")[2]) > 63:
        raise _bad_label(f"invalid label key \"{key}\": name part must consist of alphanumeric "
                         "characters, '-', '_' or '.', and must start and end with an alphanumeric "
                         "character")
    return key


def _check_value(value: str) -> str:
    if not _VALUE_RE.match(value) or len(value) > 63:
        raise _bad_label(f"invalid label value: \"{value}\": at key: must be no more than 63 "
                         "characters and consist of alphanumerics, '-', '_' or '.'")
    return value


def parse_label_selector(text: str | None) -> list[Requirement]:
    """Parse `a=b,c!=d,e in (f,g),h notin (i),j,!k` into requirements; 400 on bad syntax."""
    if not text or not text.strip():
        return []
    pos, tokens = 0, []
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m or not m.group(1):
            if text[pos:].strip() == "":
                break
            raise _bad_label(f"unexpected character in {text!r}")
        tokens.append(m.group(1))
        pos = m.end()
    reqs: list[Requirement] = []
    i = 0

    def take() -> str:
        nonlocal i
        if i >= len(tokens):
            raise ApiError(400, "BadRequest", f"unable to parse requirement: found '', expected: "
                                              f"identifier after {text!r}")
        i += 1
        return tokens[i - 1]

    while i < len(tokens):
        tok = take()
        if tok == "!":
            reqs.append(Requirement(_check_key(take()), "!exists"))
        else:
            key = _check_key(tok)
            nxt = tokens[i] if i < len(tokens) else ","
            if nxt == ",":
                reqs.append(Requirement(key, "exists"))
            elif nxt in ("=", "==", "!="):
                i += 1
                value = tokens[i] if i < len(tokens) and tokens[i] != "," else ""
                if value:
                    i += 1
                reqs.append(Requirement(key, "!=" if nxt == "!=" else "=", (_check_value(value),)))
            elif nxt in ("in", "notin"):
                i += 1
                if take() != "(":
                    raise _bad_label(f"found '{tokens[i - 1]}', expected: '('")
                values: list[str] = []
                while (tok := take()) != ")":
                    if tok != ",":
                        values.append(_check_value(tok))
                if not values:
                    raise _bad_label("for 'in', 'notin' operators, values set can't be empty")
                reqs.append(Requirement(key, nxt, tuple(values)))
            else:
                raise _bad_label(f"found '{nxt}', expected: '=', '!=', '==', 'in', notin'")
        if i < len(tokens):
            if tokens[i] != ",":
                raise _bad_label(f"found '{tokens[i]}', expected: ',' or 'end of string'")
            i += 1
    return reqs


def label_selector_from_dict(selector: dict | None) -> list[Requirement]:
    """A metav1.LabelSelector (matchLabels + matchExpressions) as requirements."""
    if not selector:
        return []
    reqs = [Requirement(k, "=", (v,)) for k, v in (selector.get("matchLabels") or {}).items()]
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!exists"}
    for expr in selector.get("matchExpressions") or []:
        reqs.append(Requirement(expr["key"], ops[expr["operator"]], tuple(expr.get("values") or ())))
    return reqs


def labels_match(reqs: list[Requirement], labels: dict[str, str] | None) -> bool:
    labels = labels or {}
    return all(r.matches(labels) for r in reqs)


# Field selectors -------------------------------------------------------------------------------

_COMMON_FIELDS = ("metadata.name", "metadata.namespace")
SUPPORTED_FIELDS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
            "status.phase", "status.podIP", "status.nominatedNodeName"),
    "Event": ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
              "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
              "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"),
    "Secret": ("type",),
    "Node": ("spec.unschedulable",),
    "Namespace": ("status.phase",),
    "ReplicaSet": ("status.replicas",),
    "Job": ("status.successful",),
}


def _field_value(obj: dict, path: str) -> str:
    cur: object = obj
    for part in path.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return "" if cur is None else str(cur)


def parse_field_selector(text: str | None, kind: str, custom: bool = False) -> Callable[[dict], bool]:
    """Field selector predicate; only the fields the real apiserver indexes are accepted."""
    if not text or not text.strip():
        return lambda obj: True
    allowed = _COMMON_FIELDS + SUPPORTED_FIELDS.get(kind, ())
    terms: list[tuple[str, bool, str]] = []
    for part in text.split(","):
        m = re.match(r"\s*([^!=\s]+)\s*(==|!=|=)\s*(.*?)\s*$", part)
        if not m:
            raise ApiError(400, "BadRequest", f"invalid selector: '{text}'; can't understand '{part}'")
        field, op, value = m.groups()
        if field not in allowed:
            msg = f'field label not supported: {field}'
            if custom:
                msg = f'"{field}" is not a known field selector: only "metadata.name", "metadata.namespace"'
            raise ApiError(400, "BadRequest", msg)
        terms.append((field, op == "!=", value))

    def pred(obj: dict) -> bool:
        return all((_field_value(obj, f) == v) != neg for f, neg, v in terms)

    return pred
