"""Reading `google.rpc.Status` details off a failed call, the way a client in any language would."""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


@dataclass
class Details:
    code: grpc.StatusCode
    message: str
    reason: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    violations: dict[str, str] = field(default_factory=dict)
    retry_seconds: float | None = None


def details(error: grpc.RpcError) -> Details:
    out = Details(error.code(), error.details() or "")
    status = rpc_status.from_call(error)
    for any_detail in status.details if status else ():
        for kind in (error_details_pb2.ErrorInfo, error_details_pb2.BadRequest, error_details_pb2.RetryInfo):
            if any_detail.Is(kind.DESCRIPTOR):
                message = kind()
                any_detail.Unpack(message)
                if isinstance(message, error_details_pb2.ErrorInfo):
                    out.reason, out.metadata = message.reason, dict(message.metadata)
                elif isinstance(message, error_details_pb2.BadRequest):
                    out.violations = {v.field: v.description for v in message.field_violations}
                else:
                    out.retry_seconds = message.retry_delay.ToTimedelta().total_seconds()
    return out
