import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import empty_pb2 as _empty_pb2
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

class Provider(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROVIDER_UNSPECIFIED: _ClassVar[Provider]
    PROVIDER_AWS: _ClassVar[Provider]
    PROVIDER_ALIYUN: _ClassVar[Provider]
    PROVIDER_HUAWEI: _ClassVar[Provider]
    PROVIDER_TENCENT: _ClassVar[Provider]
    PROVIDER_OTHER: _ClassVar[Provider]

class ClusterState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLUSTER_STATE_UNSPECIFIED: _ClassVar[ClusterState]
    CLUSTER_STATE_CONNECTED: _ClassVar[ClusterState]
    CLUSTER_STATE_DISCONNECTED: _ClassVar[ClusterState]
    CLUSTER_STATE_ERROR: _ClassVar[ClusterState]

class WatchEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WATCH_EVENT_TYPE_UNSPECIFIED: _ClassVar[WatchEventType]
    WATCH_EVENT_TYPE_ADDED: _ClassVar[WatchEventType]
    WATCH_EVENT_TYPE_MODIFIED: _ClassVar[WatchEventType]
    WATCH_EVENT_TYPE_DELETED: _ClassVar[WatchEventType]
PROVIDER_UNSPECIFIED: Provider
PROVIDER_AWS: Provider
PROVIDER_ALIYUN: Provider
PROVIDER_HUAWEI: Provider
PROVIDER_TENCENT: Provider
PROVIDER_OTHER: Provider
CLUSTER_STATE_UNSPECIFIED: ClusterState
CLUSTER_STATE_CONNECTED: ClusterState
CLUSTER_STATE_DISCONNECTED: ClusterState
CLUSTER_STATE_ERROR: ClusterState
WATCH_EVENT_TYPE_UNSPECIFIED: WatchEventType
WATCH_EVENT_TYPE_ADDED: WatchEventType
WATCH_EVENT_TYPE_MODIFIED: WatchEventType
WATCH_EVENT_TYPE_DELETED: WatchEventType

class Cluster(_message.Message):
    __slots__ = ("name", "display_name", "provider", "region", "tags", "description", "kubeconfig", "context", "server", "server_version", "state", "state_message", "node_count", "created_by", "create_time", "update_time", "last_sync_time", "resource_count", "etag")
    class TagsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    KUBECONFIG_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    SERVER_FIELD_NUMBER: _ClassVar[int]
    SERVER_VERSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NODE_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SYNC_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    provider: Provider
    region: str
    tags: _containers.ScalarMap[str, str]
    description: str
    kubeconfig: str
    context: str
    server: str
    server_version: str
    state: ClusterState
    state_message: str
    node_count: int
    created_by: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    last_sync_time: _timestamp_pb2.Timestamp
    resource_count: int
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., provider: _Optional[_Union[Provider, str]] = ..., region: _Optional[str] = ..., tags: _Optional[_Mapping[str, str]] = ..., description: _Optional[str] = ..., kubeconfig: _Optional[str] = ..., context: _Optional[str] = ..., server: _Optional[str] = ..., server_version: _Optional[str] = ..., state: _Optional[_Union[ClusterState, str]] = ..., state_message: _Optional[str] = ..., node_count: _Optional[int] = ..., created_by: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_sync_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resource_count: _Optional[int] = ..., etag: _Optional[str] = ...) -> None: ...

class CreateClusterRequest(_message.Message):
    __slots__ = ("cluster_id", "cluster", "validate_only", "allow_disconnected")
    CLUSTER_ID_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    ALLOW_DISCONNECTED_FIELD_NUMBER: _ClassVar[int]
    cluster_id: str
    cluster: Cluster
    validate_only: bool
    allow_disconnected: bool
    def __init__(self, cluster_id: _Optional[str] = ..., cluster: _Optional[_Union[Cluster, _Mapping]] = ..., validate_only: _Optional[bool] = ..., allow_disconnected: _Optional[bool] = ...) -> None: ...

class GetClusterRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListClustersRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter", "order_by")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    order_by: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., order_by: _Optional[str] = ...) -> None: ...

class ListClustersResponse(_message.Message):
    __slots__ = ("clusters", "next_page_token", "total_size")
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    clusters: _containers.RepeatedCompositeFieldContainer[Cluster]
    next_page_token: str
    total_size: int
    def __init__(self, clusters: _Optional[_Iterable[_Union[Cluster, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class UpdateClusterRequest(_message.Message):
    __slots__ = ("cluster", "update_mask")
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    cluster: Cluster
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, cluster: _Optional[_Union[Cluster, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteClusterRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class TestClusterRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class TestClusterResponse(_message.Message):
    __slots__ = ("connected", "latency", "server_version", "server", "node_count", "error")
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    SERVER_VERSION_FIELD_NUMBER: _ClassVar[int]
    SERVER_FIELD_NUMBER: _ClassVar[int]
    NODE_COUNT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    connected: bool
    latency: _duration_pb2.Duration
    server_version: str
    server: str
    node_count: int
    error: str
    def __init__(self, connected: _Optional[bool] = ..., latency: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., server_version: _Optional[str] = ..., server: _Optional[str] = ..., node_count: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class SyncClusterRequest(_message.Message):
    __slots__ = ("name", "exclude_resources", "include_resources", "include_status", "message")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_RESOURCES_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_RESOURCES_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_STATUS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    exclude_resources: _containers.RepeatedScalarFieldContainer[str]
    include_resources: _containers.RepeatedScalarFieldContainer[str]
    include_status: bool
    message: str
    def __init__(self, name: _Optional[str] = ..., exclude_resources: _Optional[_Iterable[str]] = ..., include_resources: _Optional[_Iterable[str]] = ..., include_status: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class SyncClusterResponse(_message.Message):
    __slots__ = ("progress", "result")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    progress: _common_pb2.Progress
    result: SyncResult
    def __init__(self, progress: _Optional[_Union[_common_pb2.Progress, _Mapping]] = ..., result: _Optional[_Union[SyncResult, _Mapping]] = ...) -> None: ...

class SyncResult(_message.Message):
    __slots__ = ("commit", "resources_discovered", "objects_read", "objects_written", "objects_deleted", "objects_by_type", "errors", "read_duration", "write_duration")
    class ObjectsByTypeEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class ErrorsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_DISCOVERED_FIELD_NUMBER: _ClassVar[int]
    OBJECTS_READ_FIELD_NUMBER: _ClassVar[int]
    OBJECTS_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    OBJECTS_DELETED_FIELD_NUMBER: _ClassVar[int]
    OBJECTS_BY_TYPE_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    READ_DURATION_FIELD_NUMBER: _ClassVar[int]
    WRITE_DURATION_FIELD_NUMBER: _ClassVar[int]
    commit: str
    resources_discovered: int
    objects_read: int
    objects_written: int
    objects_deleted: int
    objects_by_type: _containers.ScalarMap[str, int]
    errors: _containers.ScalarMap[str, str]
    read_duration: _duration_pb2.Duration
    write_duration: _duration_pb2.Duration
    def __init__(self, commit: _Optional[str] = ..., resources_discovered: _Optional[int] = ..., objects_read: _Optional[int] = ..., objects_written: _Optional[int] = ..., objects_deleted: _Optional[int] = ..., objects_by_type: _Optional[_Mapping[str, int]] = ..., errors: _Optional[_Mapping[str, str]] = ..., read_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., write_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetClusterHealthRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class NodeHealth(_message.Message):
    __slots__ = ("name", "ready", "conditions", "schedulable")
    class ConditionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    SCHEDULABLE_FIELD_NUMBER: _ClassVar[int]
    name: str
    ready: bool
    conditions: _containers.ScalarMap[str, str]
    schedulable: bool
    def __init__(self, name: _Optional[str] = ..., ready: _Optional[bool] = ..., conditions: _Optional[_Mapping[str, str]] = ..., schedulable: _Optional[bool] = ...) -> None: ...

class ClusterHealth(_message.Message):
    __slots__ = ("name", "status", "score", "live", "ready", "readiness_checks", "nodes", "issues", "check_time", "latency")
    class ReadinessChecksEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bool
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bool] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    READINESS_CHECKS_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    ISSUES_FIELD_NUMBER: _ClassVar[int]
    CHECK_TIME_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    name: str
    status: _common_pb2.HealthStatus
    score: int
    live: bool
    ready: bool
    readiness_checks: _containers.ScalarMap[str, bool]
    nodes: _containers.RepeatedCompositeFieldContainer[NodeHealth]
    issues: _containers.RepeatedCompositeFieldContainer[_common_pb2.Issue]
    check_time: _timestamp_pb2.Timestamp
    latency: _duration_pb2.Duration
    def __init__(self, name: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.HealthStatus, str]] = ..., score: _Optional[int] = ..., live: _Optional[bool] = ..., ready: _Optional[bool] = ..., readiness_checks: _Optional[_Mapping[str, bool]] = ..., nodes: _Optional[_Iterable[_Union[NodeHealth, _Mapping]]] = ..., issues: _Optional[_Iterable[_Union[_common_pb2.Issue, _Mapping]]] = ..., check_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., latency: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetClusterMetricsRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ResourceUsage(_message.Message):
    __slots__ = ("capacity", "allocatable", "requests", "limits", "usage", "usage_percent", "requests_percent")
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    ALLOCATABLE_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    USAGE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_PERCENT_FIELD_NUMBER: _ClassVar[int]
    capacity: float
    allocatable: float
    requests: float
    limits: float
    usage: float
    usage_percent: float
    requests_percent: float
    def __init__(self, capacity: _Optional[float] = ..., allocatable: _Optional[float] = ..., requests: _Optional[float] = ..., limits: _Optional[float] = ..., usage: _Optional[float] = ..., usage_percent: _Optional[float] = ..., requests_percent: _Optional[float] = ...) -> None: ...

class ClusterMetrics(_message.Message):
    __slots__ = ("name", "cpu", "memory", "metrics_available", "metrics_message", "node_count", "pod_count", "service_count", "deployment_count", "namespace_count", "collect_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CPU_FIELD_NUMBER: _ClassVar[int]
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    METRICS_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    METRICS_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NODE_COUNT_FIELD_NUMBER: _ClassVar[int]
    POD_COUNT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_COUNT_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_COUNT_FIELD_NUMBER: _ClassVar[int]
    COLLECT_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    cpu: ResourceUsage
    memory: ResourceUsage
    metrics_available: bool
    metrics_message: str
    node_count: int
    pod_count: int
    service_count: int
    deployment_count: int
    namespace_count: int
    collect_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., cpu: _Optional[_Union[ResourceUsage, _Mapping]] = ..., memory: _Optional[_Union[ResourceUsage, _Mapping]] = ..., metrics_available: _Optional[bool] = ..., metrics_message: _Optional[str] = ..., node_count: _Optional[int] = ..., pod_count: _Optional[int] = ..., service_count: _Optional[int] = ..., deployment_count: _Optional[int] = ..., namespace_count: _Optional[int] = ..., collect_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetClusterResourceStatsRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ResourceTypeStats(_message.Message):
    __slots__ = ("resource", "kind", "count", "by_namespace", "short_names")
    class ByNamespaceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    BY_NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    SHORT_NAMES_FIELD_NUMBER: _ClassVar[int]
    resource: str
    kind: str
    count: int
    by_namespace: _containers.ScalarMap[str, int]
    short_names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, resource: _Optional[str] = ..., kind: _Optional[str] = ..., count: _Optional[int] = ..., by_namespace: _Optional[_Mapping[str, int]] = ..., short_names: _Optional[_Iterable[str]] = ...) -> None: ...

class ClusterResourceStats(_message.Message):
    __slots__ = ("name", "types", "total_objects", "pods_by_phase")
    class PodsByPhaseEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_OBJECTS_FIELD_NUMBER: _ClassVar[int]
    PODS_BY_PHASE_FIELD_NUMBER: _ClassVar[int]
    name: str
    types: _containers.RepeatedCompositeFieldContainer[ResourceTypeStats]
    total_objects: int
    pods_by_phase: _containers.ScalarMap[str, int]
    def __init__(self, name: _Optional[str] = ..., types: _Optional[_Iterable[_Union[ResourceTypeStats, _Mapping]]] = ..., total_objects: _Optional[int] = ..., pods_by_phase: _Optional[_Mapping[str, int]] = ...) -> None: ...

class SummarizeClustersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SummarizeClustersResponse(_message.Message):
    __slots__ = ("cluster_count", "by_health", "by_provider", "node_count", "pod_count", "average_score", "clusters")
    class ByHealthEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class ByProviderEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    CLUSTER_COUNT_FIELD_NUMBER: _ClassVar[int]
    BY_HEALTH_FIELD_NUMBER: _ClassVar[int]
    BY_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    NODE_COUNT_FIELD_NUMBER: _ClassVar[int]
    POD_COUNT_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_SCORE_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    cluster_count: int
    by_health: _containers.ScalarMap[str, int]
    by_provider: _containers.ScalarMap[str, int]
    node_count: int
    pod_count: int
    average_score: float
    clusters: _containers.RepeatedCompositeFieldContainer[ClusterHealth]
    def __init__(self, cluster_count: _Optional[int] = ..., by_health: _Optional[_Mapping[str, int]] = ..., by_provider: _Optional[_Mapping[str, int]] = ..., node_count: _Optional[int] = ..., pod_count: _Optional[int] = ..., average_score: _Optional[float] = ..., clusters: _Optional[_Iterable[_Union[ClusterHealth, _Mapping]]] = ...) -> None: ...

class CheckClustersHealthRequest(_message.Message):
    __slots__ = ("names", "timeout", "max_concurrency")
    NAMES_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    timeout: _duration_pb2.Duration
    max_concurrency: int
    def __init__(self, names: _Optional[_Iterable[str]] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_concurrency: _Optional[int] = ...) -> None: ...

class CheckClustersHealthResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ClusterHealth]
    def __init__(self, results: _Optional[_Iterable[_Union[ClusterHealth, _Mapping]]] = ...) -> None: ...

class ListResourcesRequest(_message.Message):
    __slots__ = ("parent", "resource_type", "namespace", "label_selector", "field_selector", "page_size", "page_token", "clusters")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    FIELD_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    parent: str
    resource_type: str
    namespace: str
    label_selector: str
    field_selector: str
    page_size: int
    page_token: str
    clusters: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, parent: _Optional[str] = ..., resource_type: _Optional[str] = ..., namespace: _Optional[str] = ..., label_selector: _Optional[str] = ..., field_selector: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., clusters: _Optional[_Iterable[str]] = ...) -> None: ...

class ListResourcesResponse(_message.Message):
    __slots__ = ("resources", "next_page_token", "unreachable")
    class UnreachableEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    UNREACHABLE_FIELD_NUMBER: _ClassVar[int]
    resources: _containers.RepeatedCompositeFieldContainer[_common_pb2.KubernetesObject]
    next_page_token: str
    unreachable: _containers.ScalarMap[str, str]
    def __init__(self, resources: _Optional[_Iterable[_Union[_common_pb2.KubernetesObject, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., unreachable: _Optional[_Mapping[str, str]] = ...) -> None: ...

class WatchResourcesRequest(_message.Message):
    __slots__ = ("parent", "resource_type", "namespace", "label_selector", "field_selector", "name", "clusters")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    FIELD_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    parent: str
    resource_type: str
    namespace: str
    label_selector: str
    field_selector: str
    name: str
    clusters: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, parent: _Optional[str] = ..., resource_type: _Optional[str] = ..., namespace: _Optional[str] = ..., label_selector: _Optional[str] = ..., field_selector: _Optional[str] = ..., name: _Optional[str] = ..., clusters: _Optional[_Iterable[str]] = ...) -> None: ...

class WatchResourcesResponse(_message.Message):
    __slots__ = ("type", "resource", "unreachable")
    class UnreachableEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    UNREACHABLE_FIELD_NUMBER: _ClassVar[int]
    type: WatchEventType
    resource: _common_pb2.KubernetesObject
    unreachable: _containers.ScalarMap[str, str]
    def __init__(self, type: _Optional[_Union[WatchEventType, str]] = ..., resource: _Optional[_Union[_common_pb2.KubernetesObject, _Mapping]] = ..., unreachable: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GetResourceRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class CompareResourcesRequest(_message.Message):
    __slots__ = ("names", "include_status")
    NAMES_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_STATUS_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    include_status: bool
    def __init__(self, names: _Optional[_Iterable[str]] = ..., include_status: _Optional[bool] = ...) -> None: ...

class ResourceComparison(_message.Message):
    __slots__ = ("name", "found", "changes", "summary")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FOUND_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    name: str
    found: bool
    changes: _containers.RepeatedCompositeFieldContainer[_common_pb2.FieldChange]
    summary: _common_pb2.DiffSummary
    def __init__(self, name: _Optional[str] = ..., found: _Optional[bool] = ..., changes: _Optional[_Iterable[_Union[_common_pb2.FieldChange, _Mapping]]] = ..., summary: _Optional[_Union[_common_pb2.DiffSummary, _Mapping]] = ...) -> None: ...

class CompareResourcesResponse(_message.Message):
    __slots__ = ("reference", "comparisons", "identical")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    COMPARISONS_FIELD_NUMBER: _ClassVar[int]
    IDENTICAL_FIELD_NUMBER: _ClassVar[int]
    reference: str
    comparisons: _containers.RepeatedCompositeFieldContainer[ResourceComparison]
    identical: bool
    def __init__(self, reference: _Optional[str] = ..., comparisons: _Optional[_Iterable[_Union[ResourceComparison, _Mapping]]] = ..., identical: _Optional[bool] = ...) -> None: ...
