"""Domain values as contract messages, for every servicer: times, durations, free-form
structures, documents, the store's diffs, and domain errors as google.rpc.Status. The only way a
document (a resource's YAML) leaves the API: `document` redacts Secret values wherever they sit
(gitstore.secrets.redact), and diffs arrive redacted from gitstore.document_diff/field_diff."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import yaml
from google.protobuf import any_pb2, duration_pb2, json_format, struct_pb2, timestamp_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

import gitstore
from gitstore import redact
from kubecommit.v1 import common_pb2
from server.errors import ERROR_DOMAIN, KubecommitError

CHANGE_TYPES = {"added": common_pb2.CHANGE_TYPE_ADDED, "modified": common_pb2.CHANGE_TYPE_MODIFIED,
                "deleted": common_pb2.CHANGE_TYPE_DELETED}


def timestamp(when: datetime | None) -> timestamp_pb2.Timestamp | None:
    if when is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(when)
    return stamp


def duration(seconds: float) -> duration_pb2.Duration:
    out = duration_pb2.Duration()
    out.FromNanoseconds(int(seconds * 1e9))
    return out


def _plain(data: Any) -> Any:
    """YAML gives dates and other non-JSON scalars; a Struct holds only JSON, so they become text."""
    return json.loads(json.dumps(data, default=str))


def value(data: Any) -> struct_pb2.Value:
    return json_format.ParseDict(_plain(data), struct_pb2.Value())


def struct(data: dict[str, Any]) -> struct_pb2.Struct:
    return json_format.ParseDict(_plain(data), struct_pb2.Struct())


def document(data: dict[str, Any], text: str = "") -> tuple[str, struct_pb2.Struct]:
    """A document as callers see it, as YAML text and as a Struct, with Secret values redacted.
    `text` is the document's own text, kept when redaction leaves nothing to hide."""
    shown = redact(data)
    if shown is not data or not text:
        text = yaml.dump(shown, Dumper=yaml.CSafeDumper, sort_keys=False, default_flow_style=False,
                         allow_unicode=True, width=4096)
    return text, struct(shown)


def field_changes(diff: gitstore.FieldDiff) -> tuple[list[common_pb2.FieldChange], common_pb2.DiffSummary]:
    """The store's field diff as the contract's FieldChange list and summary."""
    changes = []
    for change in diff.changes:
        message = common_pb2.FieldChange(path=change.path, change_type=CHANGE_TYPES[change.change],
                                         redacted=change.redacted)
        if change.change != "added" and not change.redacted:
            message.old_value.CopyFrom(value(change.old))
        if change.change != "deleted" and not change.redacted:
            message.new_value.CopyFrom(value(change.new))
        changes.append(message)
    return changes, common_pb2.DiffSummary(**diff.summary)


def document_diff(diff: gitstore.DocumentDiff) -> common_pb2.DocumentDiff:
    changes, summary = field_changes(diff.fields)
    return common_pb2.DocumentDiff(name=diff.path, unified_diff=diff.unified, changes=changes, summary=summary)


def _pack(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def status_message(error: KubecommitError, request_id: str) -> status_pb2.Status:
    """A domain error as the google.rpc.Status a failed call carries; also what a batch result
    reports for one failed item."""
    details = [_pack(error_details_pb2.ErrorInfo(
        reason=error.reason,
        domain=ERROR_DOMAIN,
        metadata={**error.metadata, "request_id": request_id},
    ))]
    if error.violations:
        details.append(_pack(error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
            for v in error.violations
        ])))
    if error.retry_after is not None:
        details.append(_pack(error_details_pb2.RetryInfo(retry_delay=duration(error.retry_after))))
    return status_pb2.Status(code=code_pb2.Code.Value(error.code), message=error.message, details=details)
