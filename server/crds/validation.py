"""Custom objects checked against their CRD version's structural schema, locally, with
`jsonschema` (Draft 4, whose boolean exclusiveMinimum/Maximum OpenAPI v3 shares), every error
as a field path and a Kubernetes cause type.

The openAPIV3Schema is turned into plain JSON Schema once per CRD version: `nullable` and
`x-kubernetes-int-or-string` become types, undeclared fields become errors (`FieldValueUnknown`,
what the API server would prune) unless `x-kubernetes-preserve-unknown-fields`, and apiVersion,
kind and metadata are left to the API server as it does. CEL rules
(`x-kubernetes-validations`) are not evaluated here: they are listed as checked by the cluster.
Compiled validators are cached per (cluster, CRD, version) and replaced when the CRD's
resourceVersion changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Iterable

from jsonschema import Draft4Validator
from jsonschema.exceptions import SchemaError, ValidationError

from server.crds.schema import children, node_preserves
from server.errors import FailedPrecondition

# jsonschema keyword -> Kubernetes cause type (metav1.CauseType).
_REASONS = {
    "type": "FieldValueTypeInvalid", "enum": "FieldValueNotSupported", "required": "FieldValueRequired",
    "maxLength": "FieldValueTooLong", "maxItems": "FieldValueTooMany", "maxProperties": "FieldValueTooMany",
    "uniqueItems": "FieldValueDuplicate", "additionalProperties": "FieldValueUnknown",
}
_SERVER_OWNED = {"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"}}


@dataclass(frozen=True)
class Violation:
    field: str
    reason: str
    message: str
    value: Any = None
    from_cluster: bool = False


def _json_schema(node: dict[str, Any], root: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {k: v for k, v in node.items()
                           if not k.startswith("x-kubernetes-") and k not in ("nullable", "description", "default",
                                                                               "example", "format")}
    if node.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [*([out["type"]] if isinstance(out["type"], str) else out["type"]), "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    if isinstance(node.get("properties"), dict):
        out["properties"] = {k: _json_schema(v) for k, v in node["properties"].items() if isinstance(v, dict)}
        if root:
            out["properties"].update(_SERVER_OWNED)
        if "additionalProperties" not in node and not node_preserves(node):
            out["additionalProperties"] = False
    if isinstance(node.get("items"), dict):
        out["items"] = _json_schema(node["items"])
    if isinstance(node.get("additionalProperties"), dict):
        out["additionalProperties"] = _json_schema(node["additionalProperties"])
    for key in ("allOf", "anyOf", "oneOf"):
        if isinstance(node.get(key), list):
            out[key] = [_json_schema(s) for s in node[key] if isinstance(s, dict)]
    if isinstance(node.get("not"), dict):
        out["not"] = _json_schema(node["not"])
    return out


def compile_schema(schema: dict[str, Any], crd: str, version: str) -> Draft4Validator:
    """A validator for objects of one CRD version; FAILED_PRECONDITION when the schema is not
    valid JSON Schema at all."""
    converted = _json_schema(schema, root=True)
    try:
        Draft4Validator.check_schema(converted)
    except SchemaError as error:
        raise FailedPrecondition(f"{crd} version {version}: its schema is not valid: {error.message}",
                                 "INVALID_SCHEMA", metadata={"custom_resource_definition": crd}) from None
    return Draft4Validator(converted)


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _child_path(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _violations(error: ValidationError) -> list[Violation]:
    where = _path(error.absolute_path)
    keyword = str(error.validator)
    if keyword == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        return [Violation(_child_path(where, name), "FieldValueRequired", "Required value")
                for name in error.validator_value if name not in present]
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        declared = set((error.schema.get("properties") or {}))
        return [Violation(_child_path(where, name), "FieldValueUnknown",
                          "field not declared in the schema: the cluster would prune it", error.instance[name])
                for name in error.instance if name not in declared]
    label = where or "<root>"
    if keyword == "type":
        expected = error.validator_value if isinstance(error.validator_value, str) else " or ".join(error.validator_value)
        message = f"Invalid value: {label} in body must be of type {expected}"
    elif keyword == "enum":
        message = "Unsupported value: supported values: " + ", ".join(map(repr, error.validator_value))
    else:
        message = f"Invalid value: {label} in body: {error.message}"
    return [Violation(label, _REASONS.get(keyword, "FieldValueInvalid"), message, error.instance)]


def validate(validator: Draft4Validator, obj: dict[str, Any]) -> list[Violation]:
    """Every schema violation of `obj`, sorted by field path (one per missing or unknown field);
    a value of the wrong type is reported for its type only, as the API server does."""
    found: dict[tuple[str, str], Violation] = {}
    for error in validator.iter_errors(obj):
        for v in _violations(error):
            found.setdefault((v.field, v.reason), v)
    mistyped = {field for field, reason in found if reason == "FieldValueTypeInvalid"}
    return sorted((v for (field, reason), v in found.items() if field not in mistyped or reason == "FieldValueTypeInvalid"),
                  key=lambda v: (v.field, v.reason))


def cel_rules(schema: dict[str, Any], obj: Any, path: str = "") -> list[str]:
    """The CEL rules that apply to fields `obj` sets: not evaluated here (no CEL evaluator is a
    dependency), reported as checked by the cluster."""
    out = [f"{path or '<root>'}: {rule.get('rule')}" for rule in schema.get("x-kubernetes-validations") or ()
           if isinstance(rule, dict)]
    for child_path, child, _ in children(schema, path):
        if child_path.endswith("[]"):
            values = obj if isinstance(obj, list) else []
        elif child_path.endswith("{}"):
            values = list(obj.values()) if isinstance(obj, dict) else []
        else:
            name = child_path.rpartition(".")[2]
            values = [obj[name]] if isinstance(obj, dict) and name in obj else []
        for value in values[:1]:  # one mention per rule, not per element
            out.extend(cel_rules(child, value, child_path))
    return out


class ValidatorCache:
    """Compiled validators per (cluster, CRD, version), kept while the CRD's resourceVersion is
    the one they were compiled from. Thread-safe: validation runs off the event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str, str], tuple[str, Draft4Validator]] = {}

    def get(self, cluster: str, crd: str, version: str, revision: str, schema: dict[str, Any]) -> Draft4Validator:
        key = (cluster, crd, version)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and cached[0] == revision:
            return cached[1]
        validator = compile_schema(schema, crd, version)
        with self._lock:
            self._cache[key] = (revision, validator)
        return validator
