import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.rpc import status_pb2 as _status_pb2
from kubecommit.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ScanState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCAN_STATE_UNSPECIFIED: _ClassVar[ScanState]
    SCAN_STATE_RUNNING: _ClassVar[ScanState]
    SCAN_STATE_SUCCEEDED: _ClassVar[ScanState]
    SCAN_STATE_FAILED: _ClassVar[ScanState]
    SCAN_STATE_CANCELLED: _ClassVar[ScanState]

class ScanView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCAN_VIEW_UNSPECIFIED: _ClassVar[ScanView]
    SCAN_VIEW_BASIC: _ClassVar[ScanView]
    SCAN_VIEW_FULL: _ClassVar[ScanView]
SCAN_STATE_UNSPECIFIED: ScanState
SCAN_STATE_RUNNING: ScanState
SCAN_STATE_SUCCEEDED: ScanState
SCAN_STATE_FAILED: ScanState
SCAN_STATE_CANCELLED: ScanState
SCAN_VIEW_UNSPECIFIED: ScanView
SCAN_VIEW_BASIC: ScanView
SCAN_VIEW_FULL: ScanView

class Tool(_message.Message):
    __slots__ = ("name", "tool_name", "title", "description", "input_schema", "output_schema", "mutating", "destructive", "method")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOOL_NAME_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    INPUT_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    MUTATING_FIELD_NUMBER: _ClassVar[int]
    DESTRUCTIVE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    name: str
    tool_name: str
    title: str
    description: str
    input_schema: _struct_pb2.Struct
    output_schema: _struct_pb2.Struct
    mutating: bool
    destructive: bool
    method: str
    def __init__(self, name: _Optional[str] = ..., tool_name: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., input_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., output_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., mutating: _Optional[bool] = ..., destructive: _Optional[bool] = ..., method: _Optional[str] = ...) -> None: ...

class ListToolsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "exclude_mutating")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_MUTATING_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    exclude_mutating: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., exclude_mutating: _Optional[bool] = ...) -> None: ...

class ListToolsResponse(_message.Message):
    __slots__ = ("tools", "next_page_token")
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tools: _containers.RepeatedCompositeFieldContainer[Tool]
    next_page_token: str
    def __init__(self, tools: _Optional[_Iterable[_Union[Tool, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CallToolRequest(_message.Message):
    __slots__ = ("name", "arguments")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    name: str
    arguments: _struct_pb2.Struct
    def __init__(self, name: _Optional[str] = ..., arguments: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CallToolResponse(_message.Message):
    __slots__ = ("text", "structured_content", "is_error", "commit")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    STRUCTURED_CONTENT_FIELD_NUMBER: _ClassVar[int]
    IS_ERROR_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    text: str
    structured_content: _struct_pb2.Struct
    is_error: bool
    commit: str
    def __init__(self, text: _Optional[str] = ..., structured_content: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., is_error: _Optional[bool] = ..., commit: _Optional[str] = ...) -> None: ...

class ScanClusterRequest(_message.Message):
    __slots__ = ("name", "namespaces", "checks", "min_severity")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    MIN_SEVERITY_FIELD_NUMBER: _ClassVar[int]
    name: str
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    checks: _containers.RepeatedScalarFieldContainer[str]
    min_severity: _common_pb2.Severity
    def __init__(self, name: _Optional[str] = ..., namespaces: _Optional[_Iterable[str]] = ..., checks: _Optional[_Iterable[str]] = ..., min_severity: _Optional[_Union[_common_pb2.Severity, str]] = ...) -> None: ...

class ScanClusterResponse(_message.Message):
    __slots__ = ("progress", "report")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    progress: _common_pb2.Progress
    report: ScanReport
    def __init__(self, progress: _Optional[_Union[_common_pb2.Progress, _Mapping]] = ..., report: _Optional[_Union[ScanReport, _Mapping]] = ...) -> None: ...

class ScanRecommendation(_message.Message):
    __slots__ = ("title", "description", "priority", "resources", "issue_reasons")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    ISSUE_REASONS_FIELD_NUMBER: _ClassVar[int]
    title: str
    description: str
    priority: _common_pb2.Severity
    resources: _containers.RepeatedScalarFieldContainer[str]
    issue_reasons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, title: _Optional[str] = ..., description: _Optional[str] = ..., priority: _Optional[_Union[_common_pb2.Severity, str]] = ..., resources: _Optional[_Iterable[str]] = ..., issue_reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class ScanReport(_message.Message):
    __slots__ = ("scan", "cluster", "status", "score", "issues", "recommendations", "counts_by_severity", "resources_scanned", "duration")
    class CountsBySeverityEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    SCAN_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    ISSUES_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDATIONS_FIELD_NUMBER: _ClassVar[int]
    COUNTS_BY_SEVERITY_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_SCANNED_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    scan: str
    cluster: str
    status: _common_pb2.HealthStatus
    score: int
    issues: _containers.RepeatedCompositeFieldContainer[_common_pb2.Issue]
    recommendations: _containers.RepeatedCompositeFieldContainer[ScanRecommendation]
    counts_by_severity: _containers.ScalarMap[str, int]
    resources_scanned: int
    duration: _duration_pb2.Duration
    def __init__(self, scan: _Optional[str] = ..., cluster: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.HealthStatus, str]] = ..., score: _Optional[int] = ..., issues: _Optional[_Iterable[_Union[_common_pb2.Issue, _Mapping]]] = ..., recommendations: _Optional[_Iterable[_Union[ScanRecommendation, _Mapping]]] = ..., counts_by_severity: _Optional[_Mapping[str, int]] = ..., resources_scanned: _Optional[int] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Scan(_message.Message):
    __slots__ = ("name", "cluster", "state", "create_time", "complete_time", "report", "error", "created_by", "namespaces", "checks")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    name: str
    cluster: str
    state: ScanState
    create_time: _timestamp_pb2.Timestamp
    complete_time: _timestamp_pb2.Timestamp
    report: ScanReport
    error: _status_pb2.Status
    created_by: str
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    checks: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., cluster: _Optional[str] = ..., state: _Optional[_Union[ScanState, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., report: _Optional[_Union[ScanReport, _Mapping]] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ..., created_by: _Optional[str] = ..., namespaces: _Optional[_Iterable[str]] = ..., checks: _Optional[_Iterable[str]] = ...) -> None: ...

class ListScansRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter", "view")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    view: ScanView
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., view: _Optional[_Union[ScanView, str]] = ...) -> None: ...

class ListScansResponse(_message.Message):
    __slots__ = ("scans", "next_page_token")
    SCANS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    scans: _containers.RepeatedCompositeFieldContainer[Scan]
    next_page_token: str
    def __init__(self, scans: _Optional[_Iterable[_Union[Scan, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetScanRequest(_message.Message):
    __slots__ = ("name", "view")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    name: str
    view: ScanView
    def __init__(self, name: _Optional[str] = ..., view: _Optional[_Union[ScanView, str]] = ...) -> None: ...
