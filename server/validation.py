"""Request checks every RPC gets for free, driven by the contract itself.

Fields marked `(google.api.field_behavior) = REQUIRED` must be set, and fields the server does not
know (a newer client, a typo in JSON turned binary) are refused instead of silently ignored.
"""

from __future__ import annotations

from functools import lru_cache

from google.api import field_behavior_pb2
from google.protobuf import descriptor, unknown_fields
from google.protobuf.message import Message

from server.errors import FieldViolation, InvalidArgument

_REQUIRED = field_behavior_pb2.FieldBehavior.REQUIRED


@lru_cache(maxsize=None)
def _plan(message_type: descriptor.Descriptor) -> tuple[tuple[descriptor.FieldDescriptor, bool, bool], ...]:
    """(field, required, nested) for the fields worth visiting; cached per message type. Nested:
    a message of our contract to walk into (not a map entry, not a google.protobuf type)."""
    plan = []
    for fd in message_type.fields:
        required = _REQUIRED in fd.GetOptions().Extensions[field_behavior_pb2.field_behavior]
        nested = fd.message_type is not None and not fd.message_type.full_name.startswith(
            "google.protobuf."
        ) and not fd.message_type.GetOptions().map_entry
        if required or nested:
            plan.append((fd, required, nested))
    return tuple(plan)


def _is_set(message: Message, fd: descriptor.FieldDescriptor) -> bool:
    if fd.is_repeated:
        return len(getattr(message, fd.name)) > 0
    if fd.message_type is not None or fd.containing_oneof is not None or fd.has_presence:
        return message.HasField(fd.name)
    return bool(getattr(message, fd.name))


def _walk(message: Message, prefix: str, out: list[FieldViolation]) -> None:
    unknown = unknown_fields.UnknownFieldSet(message)
    if len(unknown):
        numbers = sorted({item.field_number for item in unknown})
        out.append(FieldViolation(
            prefix.rstrip(".") or "request",
            f"unknown field number(s) {numbers}: not part of {message.DESCRIPTOR.full_name}",
        ))
    for fd, required, nested in _plan(message.DESCRIPTOR):
        path = prefix + fd.name
        present = _is_set(message, fd)
        if required and not present:
            out.append(FieldViolation(path, "required field is empty"))
        if not present or not nested:
            continue
        if fd.is_repeated:
            for i, item in enumerate(getattr(message, fd.name)):
                _walk(item, f"{path}[{i}].", out)
        else:
            _walk(getattr(message, fd.name), path + ".", out)


def check_request(message: Message) -> None:
    """Raise InvalidArgument naming every missing required field and unknown field."""
    violations: list[FieldViolation] = []
    _walk(message, "", violations)
    if violations:
        summary = "; ".join(f"{v.field}: {v.description}" for v in violations)
        raise InvalidArgument(summary, "INVALID_REQUEST", violations)
