"""A CRD version's openAPIV3Schema read as Kubernetes reads it: flattened into fields (what
`kubectl explain` shows), walked to one field path, checked for the structural-schema rules, and
compared field by field with another schema. Pure functions on plain dicts: no I/O."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from typing import Any, Iterator

from server.errors import FailedPrecondition, FieldViolation, InvalidArgument

_MISSING = object()
# Keywords kept out of a structural schema (apiextensions' structural-schema rules).
_FORBIDDEN = ("$ref", "definitions", "dependencies", "patternProperties", "additionalItems")
_TYPES = ("object", "array", "string", "integer", "number", "boolean")


@dataclass(frozen=True)
class ValidationRule:
    """One x-kubernetes-validations entry (a CEL rule)."""

    rule: str
    message: str = ""
    message_expression: str = ""
    reason: str = ""
    field_path: str = ""


@dataclass(frozen=True)
class SchemaField:
    """One node of a schema; `path` marks array items with `[]` and map values with `{}`."""

    path: str
    type: str = ""
    format: str = ""
    description: str = ""
    required: bool = False
    enum: tuple[Any, ...] | None = None
    default: Any = _MISSING
    pattern: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    min_length: int | None = None
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    nullable: bool = False
    preserve_unknown_fields: bool = False
    int_or_string: bool = False
    validations: tuple[ValidationRule, ...] = ()
    depth: int = 0

    @property
    def has_default(self) -> bool:
        return self.default is not _MISSING


# Attributes compared between two schemas (path and depth name the field, they are not attributes).
COMPARED = tuple(f.name for f in fields(SchemaField) if f.name not in ("path", "depth"))


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _field(node: dict[str, Any], path: str, required: bool, depth: int) -> SchemaField:
    return SchemaField(
        path=path, type=str(node.get("type") or ""), format=str(node.get("format") or ""),
        description=str(node.get("description") or ""), required=required,
        enum=tuple(node["enum"]) if isinstance(node.get("enum"), list) else None,
        default=node.get("default", _MISSING), pattern=str(node.get("pattern") or ""),
        minimum=node.get("minimum"), maximum=node.get("maximum"),
        exclusive_minimum=bool(node.get("exclusiveMinimum")), exclusive_maximum=bool(node.get("exclusiveMaximum")),
        min_length=node.get("minLength"), max_length=node.get("maxLength"),
        min_items=node.get("minItems"), max_items=node.get("maxItems"), nullable=bool(node.get("nullable")),
        preserve_unknown_fields=bool(node.get("x-kubernetes-preserve-unknown-fields")),
        int_or_string=bool(node.get("x-kubernetes-int-or-string")),
        validations=tuple(ValidationRule(str(v.get("rule", "")), str(v.get("message", "")),
                                         str(v.get("messageExpression", "")), str(v.get("reason", "")),
                                         str(v.get("fieldPath", "")))
                          for v in node.get("x-kubernetes-validations") or () if isinstance(v, dict)),
        depth=depth)


def children(node: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(path, schema, required) of each direct child: properties, array items, map values."""
    required = set(node.get("required") or ())
    for name, child in sorted((node.get("properties") or {}).items()):
        if isinstance(child, dict):
            yield _child(path, name), child, name in required
    if isinstance(node.get("items"), dict):
        yield f"{path}[]", node["items"], False
    if isinstance(node.get("additionalProperties"), dict):
        yield f"{path}{{}}", node["additionalProperties"], False


def flatten(node: dict[str, Any], path: str = "", required: bool = False, depth: int = 0,
            include_self: bool = False) -> list[SchemaField]:
    """Every field below `node` (and `node` itself when asked), parents before children."""
    out = [_field(node, path, required, depth)] if include_self else []
    for child_path, child, child_required in children(node, path):
        out.extend(flatten(child, child_path, child_required, depth + 1, include_self=True))
    return out


def resolve(schema: dict[str, Any], field_path: str, field: str = "field_path") -> tuple[str, dict[str, Any], bool]:
    """The normalized path, schema and requiredness of the field `field_path` names
    (`spec.rules.host` or `spec.rules[].host`); INVALID_ARGUMENT naming the path when absent."""
    path, node, required = "", schema, False
    for segment in (s for s in field_path.replace("[]", "").replace("{}", "").split(".") if s != ""):
        while isinstance(node.get("items"), dict) and not node.get("properties"):
            path, node, required = f"{path}[]", node["items"], False
        properties = node.get("properties") or {}
        if isinstance(properties.get(segment), dict):
            required = segment in (node.get("required") or ())
            path, node = _child(path, segment), properties[segment]
        elif isinstance(node.get("additionalProperties"), dict):
            path, node, required = f"{path}{{}}", node["additionalProperties"], False
        else:
            known = ", ".join(sorted(properties)) or "none"
            raise InvalidArgument.field(field, f"{field_path!r}: field {segment!r} does not exist"
                                        f"{' in ' + path if path else ''} (fields: {known})", "UNKNOWN_FIELD_PATH")
    return path, node, required


def structural_violations(schema: dict[str, Any], path: str = "") -> list[FieldViolation]:
    """Where a schema breaks the structural-schema rules apiextensions.k8s.io/v1 enforces: every
    node has a type (unless int-or-string or preserving unknown fields), no forbidden keywords,
    not both properties and additionalProperties."""
    where = path or "<root>"
    out: list[FieldViolation] = []
    preserve = node_preserves(schema)
    kind = schema.get("type")
    if not path and kind != "object":
        out.append(FieldViolation(where, "the root of a structural schema must be of type object"))
    elif kind is None and not preserve and not schema.get("x-kubernetes-int-or-string"):
        out.append(FieldViolation(where, "type must be set (structural schema)"))
    elif kind is not None and kind not in _TYPES:
        out.append(FieldViolation(where, f"type {kind!r} is not one of {', '.join(_TYPES)}"))
    out.extend(FieldViolation(where, f"{key} is not allowed in a structural schema") for key in _FORBIDDEN if key in schema)
    if schema.get("properties") and isinstance(schema.get("additionalProperties"), (dict, bool)) \
            and schema.get("additionalProperties") is not True:
        out.append(FieldViolation(where, "properties and additionalProperties are mutually exclusive"))
    for child_path, child, _ in children(schema, path):
        out.extend(structural_violations(child, child_path))
    return out


def node_preserves(node: dict[str, Any]) -> bool:
    return bool(node.get("x-kubernetes-preserve-unknown-fields") or node.get("x-kubernetes-embedded-resource"))


def check_structural(schema: dict[str, Any], crd: str, version: str) -> None:
    """FAILED_PRECONDITION naming every non-structural node: such a schema cannot be trusted to
    say which fields exist (the API server refuses it too)."""
    violations = structural_violations(schema)
    if violations:
        raise FailedPrecondition(
            f"{crd} version {version} has a non-structural schema: "
            + "; ".join(f"{v.field}: {v.description}" for v in violations[:5]),
            "NON_STRUCTURAL_SCHEMA", violations, metadata={"custom_resource_definition": crd, "version": version})


@dataclass(frozen=True)
class Difference:
    """How one field differs: added, deleted, or one attribute modified."""

    field: str
    change: str  # "added" | "deleted" | "modified"
    attribute: str = ""
    before: Any = None
    after: Any = None


def _value(f: SchemaField, attribute: str) -> Any:
    value = getattr(f, attribute)
    if value is _MISSING:
        return None
    if isinstance(value, tuple):
        return [v.__dict__ if isinstance(v, ValidationRule) else v for v in value]
    return value


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[Difference]:
    """Field-level difference of two schemas, in path order."""
    old = {f.path: f for f in flatten(before)}
    new = {f.path: f for f in flatten(after)}
    out: list[Difference] = []
    for path in sorted(old.keys() | new.keys()):
        if path not in new:
            out.append(Difference(path, "deleted", before=old[path].type))
        elif path not in old:
            out.append(Difference(path, "added", after=new[path].type))
        else:
            out.extend(Difference(path, "modified", a, _value(old[path], a), _value(new[path], a))
                       for a in COMPARED if _value(old[path], a) != _value(new[path], a))
    return out


def digest(schema: dict[str, Any] | None) -> str:
    """SHA-256 of a schema's canonical JSON: equal digests, equal schemas."""
    return hashlib.sha256(json.dumps(schema, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
