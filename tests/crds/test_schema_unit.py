"""Pure CRD logic: field paths, structural rules, schema differences, validation causes, the
validator cache and printer-column cells (the end-to-end tests cover the same through gRPC)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from server.crds import check_crd_name
from server.crds.columns import cell
from server.crds.model import PrinterColumn
from server.crds.schema import differences, flatten, resolve, structural_violations
from server.crds.validation import ValidatorCache, cel_rules, compile_schema, validate
from server.errors import InvalidArgument

SCHEMA = {"type": "object", "properties": {"spec": {"type": "object", "required": ["rules"], "properties": {
    "rules": {"type": "array", "maxItems": 2, "items": {"type": "object", "required": ["host"], "properties": {
        "host": {"type": "string", "pattern": "^[a-z.]+$"},
        "port": {"x-kubernetes-int-or-string": True}}}},
    "env": {"type": "object", "additionalProperties": {"type": "string"}},
    "mode": {"type": "string", "nullable": True, "enum": ["a", "b"]},
    "limits": {"type": "object", "x-kubernetes-validations": [{"rule": "self.min <= self.max"}],
               "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}}}}}}}


def test_paths_mark_items_and_map_values_and_resolve_either_spelling() -> None:
    paths = [f.path for f in flatten(SCHEMA)]
    assert paths.index("spec") < paths.index("spec.rules") < paths.index("spec.rules[]") < paths.index("spec.rules[].host")
    assert "spec.env{}" in paths
    for spelling in ("spec.rules.host", "spec.rules[].host"):
        path, node, required = resolve(SCHEMA, spelling)
        assert (path, node["pattern"], required) == ("spec.rules[].host", "^[a-z.]+$", True)
    with pytest.raises(InvalidArgument) as caught:
        resolve(SCHEMA, "spec.rules.nope")
    assert caught.value.violations[0].field == "field_path" and "'nope'" in caught.value.message


def test_structural_rules() -> None:
    assert structural_violations(SCHEMA) == []
    bad = {"type": "object", "properties": {"a": {"description": "no type"},
                                            "b": {"type": "object", "$ref": "#/x"}}}
    assert {(v.field, "type" in v.description) for v in structural_violations(bad)} == {("a", True), ("b", False)}


def test_differences_name_fields_and_attributes() -> None:
    newer = {"type": "object", "properties": {"spec": {**SCHEMA["properties"]["spec"], "required": []}}}
    found = {(d.field, d.change, d.attribute) for d in differences(SCHEMA, newer)}
    assert found == {("spec.rules", "modified", "required")}
    assert {(d.field, d.change) for d in differences(newer, {"type": "object"})} >= {("spec", "deleted")}


def test_validation_causes_and_paths() -> None:
    validator = compile_schema(SCHEMA, "x.example.com", "v1")
    obj = {"apiVersion": "example.com/v1", "kind": "X", "metadata": {"name": "a", "anything": 1},
           "spec": {"rules": [{"host": "UPPER", "port": 80}, {"port": "http", "extra": True}, {"host": "c"}],
                    "env": {"A": 1}, "mode": None, "limits": {"min": 1, "max": 2}}}
    got = {(v.field, v.reason) for v in validate(validator, obj)}
    assert got == {("spec.rules[0].host", "FieldValueInvalid"), ("spec.rules[1].host", "FieldValueRequired"),
                   ("spec.rules[1].extra", "FieldValueUnknown"), ("spec.rules", "FieldValueTooMany"),
                   ("spec.env.A", "FieldValueTypeInvalid")}
    assert cel_rules(validator, obj) == ["spec.limits: self.min <= self.max"]
    assert cel_rules(validator, {"spec": {"rules": []}}) == []


def test_validator_cache_follows_the_crd_revision() -> None:
    cache = ValidatorCache()
    first = cache.get("c", "x.example.com", "v1", "10", SCHEMA)
    assert cache.get("c", "x.example.com", "v1", "10", SCHEMA) is first
    assert cache.get("c", "x.example.com", "v1", "11", SCHEMA) is not first


def test_crd_names_are_plural_dot_group() -> None:
    assert check_crd_name("widgets.example.com", "name") == "widgets.example.com"
    for bad in ("widgets", "Widgets.example.com", "widgets..com", ".example.com"):
        with pytest.raises(InvalidArgument):
            check_crd_name(bad, "name")


def test_cells_as_kubectl_prints_them() -> None:
    obj = {"metadata": {"creationTimestamp": "2026-01-01T00:00:00Z"},
           "status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Synced", "status": "False"}]}}
    ready = PrinterColumn("Ready", "string", '.status.conditions[?(@.type=="Ready")].status')
    assert cell(ready, obj) == "True"
    assert cell(PrinterColumn("Types", "string", ".status.conditions[*].type"), obj) == "Ready,Synced"
    assert cell(PrinterColumn("Missing", "string", ".spec.size"), obj) == "<none>"
    age = PrinterColumn("Age", "date", ".metadata.creationTimestamp")
    assert cell(age, obj, datetime(2026, 1, 3, tzinfo=timezone.utc)) == "2d"
