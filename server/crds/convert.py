"""CrdService's converter: requests into domain values, domain values into messages. CRDs and
schemas are definitions, not secrets; custom objects leave only as rows of printer columns
(whole objects are read through ClustersService, whose converter redacts)."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format

from kubecommit.v1 import common_pb2, crd_pb2 as pb
from server.crds.model import (BrokenObject, Comparison, Crd, CrdPage, ObjectValidation, PrinterColumn, Rows,
                               SchemaView, UpdateCheck)
from server.crds.schema import Difference, SchemaField, digest
from server.crds.validation import Violation
from server.messages import document, struct, value

_SCOPE = {True: pb.CUSTOM_RESOURCE_SCOPE_NAMESPACED, False: pb.CUSTOM_RESOURCE_SCOPE_CLUSTER}
_CHANGE = {"added": common_pb2.CHANGE_TYPE_ADDED, "deleted": common_pb2.CHANGE_TYPE_DELETED,
           "modified": common_pb2.CHANGE_TYPE_MODIFIED}


def custom_object(message: common_pb2.KubernetesObject) -> dict[str, Any] | str | None:
    """The object of a request: a dict from `object`, the YAML text of `yaml` (the domain parses
    it off the event loop), None when neither is set."""
    if message.HasField("object") and message.object.fields:
        return json_format.MessageToDict(message.object)
    return message.yaml if message.yaml.strip() else None


def _column(c: PrinterColumn) -> pb.PrinterColumn:
    return pb.PrinterColumn(name=c.name, type=c.type, format=c.format, description=c.description,
                            priority=c.priority, json_path=c.json_path)


def crd_message(crd: Crd) -> pb.CustomResourceDefinition:
    text, _ = document(crd.raw)
    message = pb.CustomResourceDefinition(
        name=crd.name, group=crd.group, scope=_SCOPE[crd.namespaced], stored_versions=crd.stored_versions,
        conditions=crd.conditions, yaml=text, etag=crd.etag, conversion_strategy=crd.conversion_strategy,
        storage_version=crd.storage_version, established=crd.established, names_accepted=crd.names_accepted,
        names=pb.CustomResourceNames(plural=crd.plural, singular=crd.singular, kind=crd.kind,
                                     list_kind=crd.list_kind, short_names=crd.short_names,
                                     categories=crd.categories))
    for v in crd.versions:
        item = message.versions.add(name=v.name, served=v.served, storage=v.storage, deprecated=v.deprecated,
                                    deprecation_warning=v.deprecation_warning, has_schema=v.schema is not None,
                                    status_subresource=v.status_subresource, scale_subresource=v.scale_subresource,
                                    printer_columns=[_column(c) for c in v.columns])
        if v.object_count is not None:
            item.object_count = v.object_count
    if crd.create_time:
        try:
            message.create_time.FromJsonString(crd.create_time)
        except ValueError:
            pass
    return message


def crd_page(page: CrdPage) -> pb.ListCustomResourceDefinitionsResponse:
    return pb.ListCustomResourceDefinitionsResponse(
        custom_resource_definitions=[crd_message(c) for c in page.crds], next_page_token=page.next_page_token,
        unreachable=page.unreachable)


def _difference(version: str, d: Difference) -> pb.SchemaDifference:
    message = pb.SchemaDifference(version=version, field=d.field, change_type=_CHANGE[d.change], attribute=d.attribute)
    if d.before is not None:
        message.reference_value.CopyFrom(value(d.before))
    if d.after is not None:
        message.value.CopyFrom(value(d.after))
    return message


def comparison(c: Comparison) -> pb.CompareCustomResourceDefinitionsResponse:
    out = pb.CompareCustomResourceDefinitionsResponse(custom_resource_definition=c.crd_name,
                                                      reference_cluster=c.reference, skewed=c.skewed,
                                                      unreachable=c.unreachable)
    for entry in c.clusters:
        crd = entry.crd
        out.clusters.add(
            cluster=entry.cluster, found=crd is not None,
            served_versions=[v.name for v in crd.versions if v.served] if crd else [],
            storage_version=crd.storage_version if crd else "", etag=crd.etag if crd else "",
            schema_digests={v.name: digest(v.schema) for v in crd.versions} if crd else {},
            differences=[_difference(version, d) for version, d in entry.differences])
    return out


def _field(f: SchemaField) -> pb.SchemaField:
    message = pb.SchemaField(
        path=f.path, type=f.type, format=f.format, description=f.description, required=f.required,
        enum_values=[value(v) for v in f.enum or ()], pattern=f.pattern, exclusive_minimum=f.exclusive_minimum,
        exclusive_maximum=f.exclusive_maximum, nullable=f.nullable, preserve_unknown_fields=f.preserve_unknown_fields,
        int_or_string=f.int_or_string, depth=f.depth,
        validations=[pb.ValidationRule(rule=r.rule, message=r.message, message_expression=r.message_expression,
                                       reason=r.reason, field_path=r.field_path) for r in f.validations])
    if f.has_default:
        message.default_value.CopyFrom(value(f.default))
    for name in ("minimum", "maximum", "min_length", "max_length", "min_items", "max_items"):
        if getattr(f, name) is not None:
            setattr(message, name, getattr(f, name))
    return message


def schema_message(view: SchemaView) -> pb.CustomResourceSchema:
    text, _ = document(view.schema)
    return pb.CustomResourceSchema(name=view.name, version=view.version, field_path=view.field_path,
                                   open_api_v3_schema=struct(view.schema), yaml=text,
                                   fields=[_field(f) for f in view.fields])


def rows_message(rows: Rows) -> pb.ListCustomObjectRowsResponse:
    return pb.ListCustomObjectRowsResponse(
        columns=[_column(c) for c in rows.columns], next_page_token=rows.next_page_token,
        rows=[pb.CustomObjectRow(name=r.name, namespace=r.namespace, object_name=r.object_name, cells=r.cells,
                                 etag=r.etag) for r in rows.rows])


def _violation(v: Violation) -> pb.SchemaViolation:
    message = pb.SchemaViolation(field=v.field, reason=v.reason, message=v.message, from_cluster=v.from_cluster)
    if v.value is not None:
        message.value.CopyFrom(value(v.value))
    return message


def _validation(v: ObjectValidation) -> pb.CustomObjectValidation:
    return pb.CustomObjectValidation(name=v.name, document=v.document, valid=v.valid,
                                     violations=[_violation(x) for x in v.violations],
                                     custom_resource_definition=v.crd_name, version=v.version,
                                     cluster_accepted=v.cluster_accepted, checked_by_cluster=v.checked_by_cluster)


def validation_message(results: list[ObjectValidation]) -> pb.ValidateCustomObjectResponse:
    out = pb.ValidateCustomObjectResponse(valid=all(r.valid for r in results),
                                          objects=[_validation(r) for r in results])
    if results:
        out.violations.extend(_violation(v) for v in results[0].violations)
        out.custom_resource_definition, out.version = results[0].crd_name, results[0].version
    return out


def _broken(b: BrokenObject) -> pb.BrokenObject:
    return pb.BrokenObject(name=b.name, version=b.version, violations=[_violation(v) for v in b.violations])


def update_check(check: UpdateCheck) -> pb.CheckCustomResourceDefinitionUpdateResponse:
    return pb.CheckCustomResourceDefinitionUpdateResponse(
        custom_resource_definition=check.crd_name, new_definition=check.new_definition,
        differences=[_difference(version, d) for version, d in check.differences],
        broken_objects=[_broken(b) for b in check.broken], removed_stored_versions=check.removed_stored_versions,
        safe=check.safe, checked_objects=check.checked_objects)
