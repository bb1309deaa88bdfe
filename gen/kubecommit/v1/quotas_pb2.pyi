import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kubecommit.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ScopeSelectorOperator(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCOPE_SELECTOR_OPERATOR_UNSPECIFIED: _ClassVar[ScopeSelectorOperator]
    SCOPE_SELECTOR_OPERATOR_IN: _ClassVar[ScopeSelectorOperator]
    SCOPE_SELECTOR_OPERATOR_NOT_IN: _ClassVar[ScopeSelectorOperator]
    SCOPE_SELECTOR_OPERATOR_EXISTS: _ClassVar[ScopeSelectorOperator]
    SCOPE_SELECTOR_OPERATOR_DOES_NOT_EXIST: _ClassVar[ScopeSelectorOperator]

class LimitType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIMIT_TYPE_UNSPECIFIED: _ClassVar[LimitType]
    LIMIT_TYPE_CONTAINER: _ClassVar[LimitType]
    LIMIT_TYPE_POD: _ClassVar[LimitType]
    LIMIT_TYPE_PERSISTENT_VOLUME_CLAIM: _ClassVar[LimitType]
SCOPE_SELECTOR_OPERATOR_UNSPECIFIED: ScopeSelectorOperator
SCOPE_SELECTOR_OPERATOR_IN: ScopeSelectorOperator
SCOPE_SELECTOR_OPERATOR_NOT_IN: ScopeSelectorOperator
SCOPE_SELECTOR_OPERATOR_EXISTS: ScopeSelectorOperator
SCOPE_SELECTOR_OPERATOR_DOES_NOT_EXIST: ScopeSelectorOperator
LIMIT_TYPE_UNSPECIFIED: LimitType
LIMIT_TYPE_CONTAINER: LimitType
LIMIT_TYPE_POD: LimitType
LIMIT_TYPE_PERSISTENT_VOLUME_CLAIM: LimitType

class ResourceQuota(_message.Message):
    __slots__ = ("name", "labels", "annotations", "hard", "scopes", "scope_selector", "status", "yaml", "etag", "commit", "create_time", "diff", "committed_hard")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class AnnotationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class HardEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class CommittedHardEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    HARD_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    SCOPE_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    YAML_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_HARD_FIELD_NUMBER: _ClassVar[int]
    name: str
    labels: _containers.ScalarMap[str, str]
    annotations: _containers.ScalarMap[str, str]
    hard: _containers.ScalarMap[str, str]
    scopes: _containers.RepeatedScalarFieldContainer[str]
    scope_selector: ScopeSelector
    status: ResourceQuotaStatus
    yaml: str
    etag: str
    commit: str
    create_time: _timestamp_pb2.Timestamp
    diff: _common_pb2.DocumentDiff
    committed_hard: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., annotations: _Optional[_Mapping[str, str]] = ..., hard: _Optional[_Mapping[str, str]] = ..., scopes: _Optional[_Iterable[str]] = ..., scope_selector: _Optional[_Union[ScopeSelector, _Mapping]] = ..., status: _Optional[_Union[ResourceQuotaStatus, _Mapping]] = ..., yaml: _Optional[str] = ..., etag: _Optional[str] = ..., commit: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., diff: _Optional[_Union[_common_pb2.DocumentDiff, _Mapping]] = ..., committed_hard: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ResourceQuotaStatus(_message.Message):
    __slots__ = ("hard", "used")
    class HardEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class UsedEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    HARD_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    hard: _containers.ScalarMap[str, str]
    used: _containers.ScalarMap[str, str]
    def __init__(self, hard: _Optional[_Mapping[str, str]] = ..., used: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ScopeSelector(_message.Message):
    __slots__ = ("match_expressions",)
    MATCH_EXPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    match_expressions: _containers.RepeatedCompositeFieldContainer[ScopedResourceSelectorRequirement]
    def __init__(self, match_expressions: _Optional[_Iterable[_Union[ScopedResourceSelectorRequirement, _Mapping]]] = ...) -> None: ...

class ScopedResourceSelectorRequirement(_message.Message):
    __slots__ = ("scope_name", "operator", "values")
    SCOPE_NAME_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    scope_name: str
    operator: ScopeSelectorOperator
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, scope_name: _Optional[str] = ..., operator: _Optional[_Union[ScopeSelectorOperator, str]] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class LimitRange(_message.Message):
    __slots__ = ("name", "labels", "annotations", "limits", "yaml", "etag", "commit", "create_time", "diff", "refusals")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class AnnotationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    YAML_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    REFUSALS_FIELD_NUMBER: _ClassVar[int]
    name: str
    labels: _containers.ScalarMap[str, str]
    annotations: _containers.ScalarMap[str, str]
    limits: _containers.RepeatedCompositeFieldContainer[LimitRangeItem]
    yaml: str
    etag: str
    commit: str
    create_time: _timestamp_pb2.Timestamp
    diff: _common_pb2.DocumentDiff
    refusals: _containers.RepeatedCompositeFieldContainer[LimitRangeRefusal]
    def __init__(self, name: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., annotations: _Optional[_Mapping[str, str]] = ..., limits: _Optional[_Iterable[_Union[LimitRangeItem, _Mapping]]] = ..., yaml: _Optional[str] = ..., etag: _Optional[str] = ..., commit: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., diff: _Optional[_Union[_common_pb2.DocumentDiff, _Mapping]] = ..., refusals: _Optional[_Iterable[_Union[LimitRangeRefusal, _Mapping]]] = ...) -> None: ...

class LimitRangeRefusal(_message.Message):
    __slots__ = ("resource", "container", "resource_name", "message")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    CONTAINER_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_NAME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    resource: str
    container: str
    resource_name: str
    message: str
    def __init__(self, resource: _Optional[str] = ..., container: _Optional[str] = ..., resource_name: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class LimitRangeItem(_message.Message):
    __slots__ = ("type", "max", "min", "default_limit", "default_request", "max_limit_request_ratio")
    class MaxEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class MinEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class DefaultLimitEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class DefaultRequestEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class MaxLimitRequestRatioEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_LIMIT_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_REQUEST_FIELD_NUMBER: _ClassVar[int]
    MAX_LIMIT_REQUEST_RATIO_FIELD_NUMBER: _ClassVar[int]
    type: LimitType
    max: _containers.ScalarMap[str, str]
    min: _containers.ScalarMap[str, str]
    default_limit: _containers.ScalarMap[str, str]
    default_request: _containers.ScalarMap[str, str]
    max_limit_request_ratio: _containers.ScalarMap[str, str]
    def __init__(self, type: _Optional[_Union[LimitType, str]] = ..., max: _Optional[_Mapping[str, str]] = ..., min: _Optional[_Mapping[str, str]] = ..., default_limit: _Optional[_Mapping[str, str]] = ..., default_request: _Optional[_Mapping[str, str]] = ..., max_limit_request_ratio: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CreateResourceQuotaRequest(_message.Message):
    __slots__ = ("parent", "resource_quota_id", "resource_quota", "validate_only", "message")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_QUOTA_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_QUOTA_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    parent: str
    resource_quota_id: str
    resource_quota: ResourceQuota
    validate_only: bool
    message: str
    def __init__(self, parent: _Optional[str] = ..., resource_quota_id: _Optional[str] = ..., resource_quota: _Optional[_Union[ResourceQuota, _Mapping]] = ..., validate_only: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class GetResourceQuotaRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListResourceQuotasRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "label_selector")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    label_selector: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., label_selector: _Optional[str] = ...) -> None: ...

class ListResourceQuotasResponse(_message.Message):
    __slots__ = ("resource_quotas", "next_page_token")
    RESOURCE_QUOTAS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    resource_quotas: _containers.RepeatedCompositeFieldContainer[ResourceQuota]
    next_page_token: str
    def __init__(self, resource_quotas: _Optional[_Iterable[_Union[ResourceQuota, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateResourceQuotaRequest(_message.Message):
    __slots__ = ("resource_quota", "update_mask", "validate_only", "message")
    RESOURCE_QUOTA_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    resource_quota: ResourceQuota
    update_mask: _field_mask_pb2.FieldMask
    validate_only: bool
    message: str
    def __init__(self, resource_quota: _Optional[_Union[ResourceQuota, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., validate_only: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class DeleteResourceQuotaRequest(_message.Message):
    __slots__ = ("name", "etag", "validate_only", "message")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    validate_only: bool
    message: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., validate_only: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class CreateLimitRangeRequest(_message.Message):
    __slots__ = ("parent", "limit_range_id", "limit_range", "validate_only", "message")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_RANGE_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_RANGE_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    parent: str
    limit_range_id: str
    limit_range: LimitRange
    validate_only: bool
    message: str
    def __init__(self, parent: _Optional[str] = ..., limit_range_id: _Optional[str] = ..., limit_range: _Optional[_Union[LimitRange, _Mapping]] = ..., validate_only: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class GetLimitRangeRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListLimitRangesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "label_selector")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    label_selector: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., label_selector: _Optional[str] = ...) -> None: ...

class ListLimitRangesResponse(_message.Message):
    __slots__ = ("limit_ranges", "next_page_token")
    LIMIT_RANGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    limit_ranges: _containers.RepeatedCompositeFieldContainer[LimitRange]
    next_page_token: str
    def __init__(self, limit_ranges: _Optional[_Iterable[_Union[LimitRange, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateLimitRangeRequest(_message.Message):
    __slots__ = ("limit_range", "update_mask", "validate_only", "message")
    LIMIT_RANGE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    limit_range: LimitRange
    update_mask: _field_mask_pb2.FieldMask
    validate_only: bool
    message: str
    def __init__(self, limit_range: _Optional[_Union[LimitRange, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., validate_only: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class DeleteLimitRangeRequest(_message.Message):
    __slots__ = ("name", "etag", "validate_only", "message")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    validate_only: bool
    message: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., validate_only: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class GetQuotaUsageRequest(_message.Message):
    __slots__ = ("name", "trend_window", "max_trend_points", "alert_threshold_percent", "omit_trends")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TREND_WINDOW_FIELD_NUMBER: _ClassVar[int]
    MAX_TREND_POINTS_FIELD_NUMBER: _ClassVar[int]
    ALERT_THRESHOLD_PERCENT_FIELD_NUMBER: _ClassVar[int]
    OMIT_TRENDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    trend_window: _duration_pb2.Duration
    max_trend_points: int
    alert_threshold_percent: float
    omit_trends: bool
    def __init__(self, name: _Optional[str] = ..., trend_window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_trend_points: _Optional[int] = ..., alert_threshold_percent: _Optional[float] = ..., omit_trends: _Optional[bool] = ...) -> None: ...

class QuotaUsage(_message.Message):
    __slots__ = ("name", "resources", "alerts", "trends", "collect_time", "unquoted_namespaces", "unreachable_clusters")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    TRENDS_FIELD_NUMBER: _ClassVar[int]
    COLLECT_TIME_FIELD_NUMBER: _ClassVar[int]
    UNQUOTED_NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    UNREACHABLE_CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    name: str
    resources: _containers.RepeatedCompositeFieldContainer[QuotaResourceUsage]
    alerts: _containers.RepeatedCompositeFieldContainer[QuotaAlert]
    trends: _containers.RepeatedCompositeFieldContainer[QuotaTrend]
    collect_time: _timestamp_pb2.Timestamp
    unquoted_namespaces: _containers.RepeatedCompositeFieldContainer[NamespaceDemand]
    unreachable_clusters: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., resources: _Optional[_Iterable[_Union[QuotaResourceUsage, _Mapping]]] = ..., alerts: _Optional[_Iterable[_Union[QuotaAlert, _Mapping]]] = ..., trends: _Optional[_Iterable[_Union[QuotaTrend, _Mapping]]] = ..., collect_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., unquoted_namespaces: _Optional[_Iterable[_Union[NamespaceDemand, _Mapping]]] = ..., unreachable_clusters: _Optional[_Iterable[str]] = ...) -> None: ...

class NamespaceDemand(_message.Message):
    __slots__ = ("namespace", "totals")
    class TotalsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    totals: _containers.ScalarMap[str, str]
    def __init__(self, namespace: _Optional[str] = ..., totals: _Optional[_Mapping[str, str]] = ...) -> None: ...

class QuotaResourceUsage(_message.Message):
    __slots__ = ("resource_quota", "resource", "hard", "used", "hard_value", "used_value", "percent", "peak", "suggested_hard")
    RESOURCE_QUOTA_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    HARD_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    HARD_VALUE_FIELD_NUMBER: _ClassVar[int]
    USED_VALUE_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    PEAK_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_HARD_FIELD_NUMBER: _ClassVar[int]
    resource_quota: str
    resource: str
    hard: str
    used: str
    hard_value: float
    used_value: float
    percent: float
    peak: str
    suggested_hard: str
    def __init__(self, resource_quota: _Optional[str] = ..., resource: _Optional[str] = ..., hard: _Optional[str] = ..., used: _Optional[str] = ..., hard_value: _Optional[float] = ..., used_value: _Optional[float] = ..., percent: _Optional[float] = ..., peak: _Optional[str] = ..., suggested_hard: _Optional[str] = ...) -> None: ...

class QuotaAlert(_message.Message):
    __slots__ = ("resource_quota", "resource", "percent", "threshold_percent", "severity", "message", "alert")
    RESOURCE_QUOTA_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_PERCENT_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ALERT_FIELD_NUMBER: _ClassVar[int]
    resource_quota: str
    resource: str
    percent: float
    threshold_percent: float
    severity: _common_pb2.Severity
    message: str
    alert: str
    def __init__(self, resource_quota: _Optional[str] = ..., resource: _Optional[str] = ..., percent: _Optional[float] = ..., threshold_percent: _Optional[float] = ..., severity: _Optional[_Union[_common_pb2.Severity, str]] = ..., message: _Optional[str] = ..., alert: _Optional[str] = ...) -> None: ...

class CheckManifestQuotasRequest(_message.Message):
    __slots__ = ("parent", "manifest")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    parent: str
    manifest: str
    def __init__(self, parent: _Optional[str] = ..., manifest: _Optional[str] = ...) -> None: ...

class CheckManifestQuotasResponse(_message.Message):
    __slots__ = ("breaches",)
    BREACHES_FIELD_NUMBER: _ClassVar[int]
    breaches: _containers.RepeatedCompositeFieldContainer[QuotaBreach]
    def __init__(self, breaches: _Optional[_Iterable[_Union[QuotaBreach, _Mapping]]] = ...) -> None: ...

class QuotaBreach(_message.Message):
    __slots__ = ("resource", "limited_by", "resource_name", "requested", "used", "hard", "excess", "message")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    LIMITED_BY_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_NAME_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    HARD_FIELD_NUMBER: _ClassVar[int]
    EXCESS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    resource: str
    limited_by: str
    resource_name: str
    requested: str
    used: str
    hard: str
    excess: str
    message: str
    def __init__(self, resource: _Optional[str] = ..., limited_by: _Optional[str] = ..., resource_name: _Optional[str] = ..., requested: _Optional[str] = ..., used: _Optional[str] = ..., hard: _Optional[str] = ..., excess: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class QuotaTrend(_message.Message):
    __slots__ = ("resource_quota", "resource", "points", "exhaustion_time", "rate_per_hour", "confidence", "projection")
    RESOURCE_QUOTA_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    EXHAUSTION_TIME_FIELD_NUMBER: _ClassVar[int]
    RATE_PER_HOUR_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    resource_quota: str
    resource: str
    points: _containers.RepeatedCompositeFieldContainer[QuotaUsageSample]
    exhaustion_time: _timestamp_pb2.Timestamp
    rate_per_hour: float
    confidence: float
    projection: str
    def __init__(self, resource_quota: _Optional[str] = ..., resource: _Optional[str] = ..., points: _Optional[_Iterable[_Union[QuotaUsageSample, _Mapping]]] = ..., exhaustion_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rate_per_hour: _Optional[float] = ..., confidence: _Optional[float] = ..., projection: _Optional[str] = ...) -> None: ...

class QuotaUsageSample(_message.Message):
    __slots__ = ("sample_time", "used", "percent")
    SAMPLE_TIME_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    sample_time: _timestamp_pb2.Timestamp
    used: float
    percent: float
    def __init__(self, sample_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., used: _Optional[float] = ..., percent: _Optional[float] = ...) -> None: ...

class QuotaAlertPolicy(_message.Message):
    __slots__ = ("name", "enabled", "warning_percent", "critical_percent", "overrides", "notification_targets", "etag", "update_time", "updated_by")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    WARNING_PERCENT_FIELD_NUMBER: _ClassVar[int]
    CRITICAL_PERCENT_FIELD_NUMBER: _ClassVar[int]
    OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_TARGETS_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    name: str
    enabled: bool
    warning_percent: float
    critical_percent: float
    overrides: _containers.RepeatedCompositeFieldContainer[QuotaThresholdOverride]
    notification_targets: _containers.RepeatedScalarFieldContainer[str]
    etag: str
    update_time: _timestamp_pb2.Timestamp
    updated_by: str
    def __init__(self, name: _Optional[str] = ..., enabled: _Optional[bool] = ..., warning_percent: _Optional[float] = ..., critical_percent: _Optional[float] = ..., overrides: _Optional[_Iterable[_Union[QuotaThresholdOverride, _Mapping]]] = ..., notification_targets: _Optional[_Iterable[str]] = ..., etag: _Optional[str] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[str] = ...) -> None: ...

class QuotaThresholdOverride(_message.Message):
    __slots__ = ("resource", "warning_percent", "critical_percent")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    WARNING_PERCENT_FIELD_NUMBER: _ClassVar[int]
    CRITICAL_PERCENT_FIELD_NUMBER: _ClassVar[int]
    resource: str
    warning_percent: float
    critical_percent: float
    def __init__(self, resource: _Optional[str] = ..., warning_percent: _Optional[float] = ..., critical_percent: _Optional[float] = ...) -> None: ...

class GetQuotaAlertPolicyRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UpdateQuotaAlertPolicyRequest(_message.Message):
    __slots__ = ("quota_alert_policy", "update_mask")
    QUOTA_ALERT_POLICY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    quota_alert_policy: QuotaAlertPolicy
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, quota_alert_policy: _Optional[_Union[QuotaAlertPolicy, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...
