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

class FindingState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FINDING_STATE_UNSPECIFIED: _ClassVar[FindingState]
    FINDING_STATE_OPENED: _ClassVar[FindingState]
    FINDING_STATE_STILL_OPEN: _ClassVar[FindingState]
    FINDING_STATE_FIXED: _ClassVar[FindingState]

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
FINDING_STATE_UNSPECIFIED: FindingState
FINDING_STATE_OPENED: FindingState
FINDING_STATE_STILL_OPEN: FindingState
FINDING_STATE_FIXED: FindingState
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
    __slots__ = ("text", "structured_content", "is_error", "commit", "truncated")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    STRUCTURED_CONTENT_FIELD_NUMBER: _ClassVar[int]
    IS_ERROR_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    text: str
    structured_content: _struct_pb2.Struct
    is_error: bool
    commit: str
    truncated: bool
    def __init__(self, text: _Optional[str] = ..., structured_content: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., is_error: _Optional[bool] = ..., commit: _Optional[str] = ..., truncated: _Optional[bool] = ...) -> None: ...

class ScanClusterRequest(_message.Message):
    __slots__ = ("name", "namespaces", "categories", "min_severity")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    MIN_SEVERITY_FIELD_NUMBER: _ClassVar[int]
    name: str
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    categories: _containers.RepeatedScalarFieldContainer[str]
    min_severity: _common_pb2.Severity
    def __init__(self, name: _Optional[str] = ..., namespaces: _Optional[_Iterable[str]] = ..., categories: _Optional[_Iterable[str]] = ..., min_severity: _Optional[_Union[_common_pb2.Severity, str]] = ...) -> None: ...

class ScanClusterResponse(_message.Message):
    __slots__ = ("progress", "scan")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    SCAN_FIELD_NUMBER: _ClassVar[int]
    progress: _common_pb2.Progress
    scan: Scan
    def __init__(self, progress: _Optional[_Union[_common_pb2.Progress, _Mapping]] = ..., scan: _Optional[_Union[Scan, _Mapping]] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("id", "rule", "category", "severity", "resource", "message", "evidence", "remediation", "patch", "state", "first_seen_time")
    class EvidenceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    REMEDIATION_FIELD_NUMBER: _ClassVar[int]
    PATCH_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEEN_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    rule: str
    category: str
    severity: _common_pb2.Severity
    resource: str
    message: str
    evidence: _containers.ScalarMap[str, str]
    remediation: str
    patch: _struct_pb2.Struct
    state: FindingState
    first_seen_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., rule: _Optional[str] = ..., category: _Optional[str] = ..., severity: _Optional[_Union[_common_pb2.Severity, str]] = ..., resource: _Optional[str] = ..., message: _Optional[str] = ..., evidence: _Optional[_Mapping[str, str]] = ..., remediation: _Optional[str] = ..., patch: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., state: _Optional[_Union[FindingState, str]] = ..., first_seen_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ScanReport(_message.Message):
    __slots__ = ("status", "score", "category_scores", "findings", "counts_by_severity", "resources_scanned", "duration", "partial", "warnings", "previous_scan", "fixed", "opened_count", "still_open_count")
    class CategoryScoresEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class CountsBySeverityEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_SCORES_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    COUNTS_BY_SEVERITY_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_SCANNED_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SCAN_FIELD_NUMBER: _ClassVar[int]
    FIXED_FIELD_NUMBER: _ClassVar[int]
    OPENED_COUNT_FIELD_NUMBER: _ClassVar[int]
    STILL_OPEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    status: _common_pb2.HealthStatus
    score: int
    category_scores: _containers.ScalarMap[str, int]
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    counts_by_severity: _containers.ScalarMap[str, int]
    resources_scanned: int
    duration: _duration_pb2.Duration
    partial: bool
    warnings: _containers.RepeatedScalarFieldContainer[str]
    previous_scan: str
    fixed: _containers.RepeatedCompositeFieldContainer[Finding]
    opened_count: int
    still_open_count: int
    def __init__(self, status: _Optional[_Union[_common_pb2.HealthStatus, str]] = ..., score: _Optional[int] = ..., category_scores: _Optional[_Mapping[str, int]] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., counts_by_severity: _Optional[_Mapping[str, int]] = ..., resources_scanned: _Optional[int] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., partial: _Optional[bool] = ..., warnings: _Optional[_Iterable[str]] = ..., previous_scan: _Optional[str] = ..., fixed: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., opened_count: _Optional[int] = ..., still_open_count: _Optional[int] = ...) -> None: ...

class Scan(_message.Message):
    __slots__ = ("name", "cluster", "state", "create_time", "complete_time", "report", "error", "created_by", "namespaces", "categories")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    name: str
    cluster: str
    state: ScanState
    create_time: _timestamp_pb2.Timestamp
    complete_time: _timestamp_pb2.Timestamp
    report: ScanReport
    error: _status_pb2.Status
    created_by: str
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    categories: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., cluster: _Optional[str] = ..., state: _Optional[_Union[ScanState, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., report: _Optional[_Union[ScanReport, _Mapping]] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ..., created_by: _Optional[str] = ..., namespaces: _Optional[_Iterable[str]] = ..., categories: _Optional[_Iterable[str]] = ...) -> None: ...

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

class CompareScansRequest(_message.Message):
    __slots__ = ("name", "other")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OTHER_FIELD_NUMBER: _ClassVar[int]
    name: str
    other: str
    def __init__(self, name: _Optional[str] = ..., other: _Optional[str] = ...) -> None: ...

class CompareScansResponse(_message.Message):
    __slots__ = ("opened", "fixed", "still_open")
    OPENED_FIELD_NUMBER: _ClassVar[int]
    FIXED_FIELD_NUMBER: _ClassVar[int]
    STILL_OPEN_FIELD_NUMBER: _ClassVar[int]
    opened: _containers.RepeatedCompositeFieldContainer[Finding]
    fixed: _containers.RepeatedCompositeFieldContainer[Finding]
    still_open: _containers.RepeatedCompositeFieldContainer[Finding]
    def __init__(self, opened: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., fixed: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., still_open: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ...) -> None: ...

class ApplyRecommendationsRequest(_message.Message):
    __slots__ = ("name", "findings", "branch", "message", "validate_only")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    name: str
    findings: _containers.RepeatedScalarFieldContainer[str]
    branch: str
    message: str
    validate_only: bool
    def __init__(self, name: _Optional[str] = ..., findings: _Optional[_Iterable[str]] = ..., branch: _Optional[str] = ..., message: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class ProposedResource(_message.Message):
    __slots__ = ("resource", "action", "diff")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    resource: str
    action: str
    diff: _common_pb2.DocumentDiff
    def __init__(self, resource: _Optional[str] = ..., action: _Optional[str] = ..., diff: _Optional[_Union[_common_pb2.DocumentDiff, _Mapping]] = ...) -> None: ...

class ApplyRecommendationsResponse(_message.Message):
    __slots__ = ("branch", "commit", "resources", "findings")
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    branch: str
    commit: str
    resources: _containers.RepeatedCompositeFieldContainer[ProposedResource]
    findings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, branch: _Optional[str] = ..., commit: _Optional[str] = ..., resources: _Optional[_Iterable[_Union[ProposedResource, _Mapping]]] = ..., findings: _Optional[_Iterable[str]] = ...) -> None: ...
