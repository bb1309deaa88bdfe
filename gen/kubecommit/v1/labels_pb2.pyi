import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
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

class LabelUpdateStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LABEL_UPDATE_STATUS_UNSPECIFIED: _ClassVar[LabelUpdateStatus]
    LABEL_UPDATE_STATUS_UPDATED: _ClassVar[LabelUpdateStatus]
    LABEL_UPDATE_STATUS_UNCHANGED: _ClassVar[LabelUpdateStatus]
    LABEL_UPDATE_STATUS_CONFLICT: _ClassVar[LabelUpdateStatus]
    LABEL_UPDATE_STATUS_FAILED: _ClassVar[LabelUpdateStatus]

class LabelPolicyEnforcement(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LABEL_POLICY_ENFORCEMENT_UNSPECIFIED: _ClassVar[LabelPolicyEnforcement]
    LABEL_POLICY_ENFORCEMENT_AUDIT: _ClassVar[LabelPolicyEnforcement]
    LABEL_POLICY_ENFORCEMENT_ENFORCE: _ClassVar[LabelPolicyEnforcement]
    LABEL_POLICY_ENFORCEMENT_DISABLED: _ClassVar[LabelPolicyEnforcement]

class LabelViolationReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LABEL_VIOLATION_REASON_UNSPECIFIED: _ClassVar[LabelViolationReason]
    LABEL_VIOLATION_REASON_MISSING_REQUIRED_KEY: _ClassVar[LabelViolationReason]
    LABEL_VIOLATION_REASON_FORBIDDEN_KEY: _ClassVar[LabelViolationReason]
    LABEL_VIOLATION_REASON_VALUE_MISMATCH: _ClassVar[LabelViolationReason]

class LabelKeyType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LABEL_KEY_TYPE_UNSPECIFIED: _ClassVar[LabelKeyType]
    LABEL_KEY_TYPE_LABEL: _ClassVar[LabelKeyType]
    LABEL_KEY_TYPE_ANNOTATION: _ClassVar[LabelKeyType]
LABEL_UPDATE_STATUS_UNSPECIFIED: LabelUpdateStatus
LABEL_UPDATE_STATUS_UPDATED: LabelUpdateStatus
LABEL_UPDATE_STATUS_UNCHANGED: LabelUpdateStatus
LABEL_UPDATE_STATUS_CONFLICT: LabelUpdateStatus
LABEL_UPDATE_STATUS_FAILED: LabelUpdateStatus
LABEL_POLICY_ENFORCEMENT_UNSPECIFIED: LabelPolicyEnforcement
LABEL_POLICY_ENFORCEMENT_AUDIT: LabelPolicyEnforcement
LABEL_POLICY_ENFORCEMENT_ENFORCE: LabelPolicyEnforcement
LABEL_POLICY_ENFORCEMENT_DISABLED: LabelPolicyEnforcement
LABEL_VIOLATION_REASON_UNSPECIFIED: LabelViolationReason
LABEL_VIOLATION_REASON_MISSING_REQUIRED_KEY: LabelViolationReason
LABEL_VIOLATION_REASON_FORBIDDEN_KEY: LabelViolationReason
LABEL_VIOLATION_REASON_VALUE_MISMATCH: LabelViolationReason
LABEL_KEY_TYPE_UNSPECIFIED: LabelKeyType
LABEL_KEY_TYPE_LABEL: LabelKeyType
LABEL_KEY_TYPE_ANNOTATION: LabelKeyType

class Labels(_message.Message):
    __slots__ = ("name", "labels", "annotations", "etag", "commit", "changes")
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
    ETAG_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    name: str
    labels: _containers.ScalarMap[str, str]
    annotations: _containers.ScalarMap[str, str]
    etag: str
    commit: str
    changes: _containers.RepeatedCompositeFieldContainer[LabelKeyChange]
    def __init__(self, name: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., annotations: _Optional[_Mapping[str, str]] = ..., etag: _Optional[str] = ..., commit: _Optional[str] = ..., changes: _Optional[_Iterable[_Union[LabelKeyChange, _Mapping]]] = ...) -> None: ...

class GetLabelsRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UpdateLabelsRequest(_message.Message):
    __slots__ = ("labels", "update_mask", "remove_labels", "remove_annotations", "overwrite", "validate_only", "message")
    LABELS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REMOVE_LABELS_FIELD_NUMBER: _ClassVar[int]
    REMOVE_ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    OVERWRITE_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    labels: Labels
    update_mask: _field_mask_pb2.FieldMask
    remove_labels: _containers.RepeatedScalarFieldContainer[str]
    remove_annotations: _containers.RepeatedScalarFieldContainer[str]
    overwrite: bool
    validate_only: bool
    message: str
    def __init__(self, labels: _Optional[_Union[Labels, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., remove_labels: _Optional[_Iterable[str]] = ..., remove_annotations: _Optional[_Iterable[str]] = ..., overwrite: _Optional[bool] = ..., validate_only: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class LabelPatch(_message.Message):
    __slots__ = ("set_labels", "remove_labels", "set_annotations", "remove_annotations")
    class SetLabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class SetAnnotationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SET_LABELS_FIELD_NUMBER: _ClassVar[int]
    REMOVE_LABELS_FIELD_NUMBER: _ClassVar[int]
    SET_ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    REMOVE_ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    set_labels: _containers.ScalarMap[str, str]
    remove_labels: _containers.RepeatedScalarFieldContainer[str]
    set_annotations: _containers.ScalarMap[str, str]
    remove_annotations: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, set_labels: _Optional[_Mapping[str, str]] = ..., remove_labels: _Optional[_Iterable[str]] = ..., set_annotations: _Optional[_Mapping[str, str]] = ..., remove_annotations: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchUpdateLabelsRequest(_message.Message):
    __slots__ = ("parent", "names", "label_selector", "resource_types", "namespaces", "clusters", "patch", "overwrite", "etags", "validate_only", "message", "max_resources", "branch")
    class EtagsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PARENT_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPES_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    PATCH_FIELD_NUMBER: _ClassVar[int]
    OVERWRITE_FIELD_NUMBER: _ClassVar[int]
    ETAGS_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MAX_RESOURCES_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    parent: str
    names: _containers.RepeatedScalarFieldContainer[str]
    label_selector: str
    resource_types: _containers.RepeatedScalarFieldContainer[str]
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    clusters: _containers.RepeatedScalarFieldContainer[str]
    patch: LabelPatch
    overwrite: bool
    etags: _containers.ScalarMap[str, str]
    validate_only: bool
    message: str
    max_resources: int
    branch: str
    def __init__(self, parent: _Optional[str] = ..., names: _Optional[_Iterable[str]] = ..., label_selector: _Optional[str] = ..., resource_types: _Optional[_Iterable[str]] = ..., namespaces: _Optional[_Iterable[str]] = ..., clusters: _Optional[_Iterable[str]] = ..., patch: _Optional[_Union[LabelPatch, _Mapping]] = ..., overwrite: _Optional[bool] = ..., etags: _Optional[_Mapping[str, str]] = ..., validate_only: _Optional[bool] = ..., message: _Optional[str] = ..., max_resources: _Optional[int] = ..., branch: _Optional[str] = ...) -> None: ...

class LabelUpdateResult(_message.Message):
    __slots__ = ("name", "status", "changes", "etag", "error")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    name: str
    status: LabelUpdateStatus
    changes: _containers.RepeatedCompositeFieldContainer[LabelKeyChange]
    etag: str
    error: _status_pb2.Status
    def __init__(self, name: _Optional[str] = ..., status: _Optional[_Union[LabelUpdateStatus, str]] = ..., changes: _Optional[_Iterable[_Union[LabelKeyChange, _Mapping]]] = ..., etag: _Optional[str] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ...) -> None: ...

class BatchUpdateLabelsResponse(_message.Message):
    __slots__ = ("results", "commit", "validate_only", "updated_count", "failed_count", "unreachable", "commits", "branch")
    class UnreachableEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class CommitsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    UPDATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    FAILED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNREACHABLE_FIELD_NUMBER: _ClassVar[int]
    COMMITS_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[LabelUpdateResult]
    commit: str
    validate_only: bool
    updated_count: int
    failed_count: int
    unreachable: _containers.ScalarMap[str, str]
    commits: _containers.ScalarMap[str, str]
    branch: str
    def __init__(self, results: _Optional[_Iterable[_Union[LabelUpdateResult, _Mapping]]] = ..., commit: _Optional[str] = ..., validate_only: _Optional[bool] = ..., updated_count: _Optional[int] = ..., failed_count: _Optional[int] = ..., unreachable: _Optional[_Mapping[str, str]] = ..., commits: _Optional[_Mapping[str, str]] = ..., branch: _Optional[str] = ...) -> None: ...

class SelectResourcesRequest(_message.Message):
    __slots__ = ("parent", "label_selector", "resource_types", "namespaces", "clusters", "page_size", "page_token", "include_object")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPES_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_OBJECT_FIELD_NUMBER: _ClassVar[int]
    parent: str
    label_selector: str
    resource_types: _containers.RepeatedScalarFieldContainer[str]
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    clusters: _containers.RepeatedScalarFieldContainer[str]
    page_size: int
    page_token: str
    include_object: bool
    def __init__(self, parent: _Optional[str] = ..., label_selector: _Optional[str] = ..., resource_types: _Optional[_Iterable[str]] = ..., namespaces: _Optional[_Iterable[str]] = ..., clusters: _Optional[_Iterable[str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_object: _Optional[bool] = ...) -> None: ...

class SelectResourcesResponse(_message.Message):
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

class LabelValues(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class LabelPolicy(_message.Message):
    __slots__ = ("name", "display_name", "description", "required_keys", "forbidden_keys", "value_patterns", "kinds", "namespaces", "clusters", "enforcement", "etag", "created_by", "create_time", "update_time", "allowed_values", "namespace_selector", "exemptions", "default_values", "version", "updated_by", "built_in", "commit")
    class ValuePatternsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class AllowedValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: LabelValues
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[LabelValues, _Mapping]] = ...) -> None: ...
    class DefaultValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_KEYS_FIELD_NUMBER: _ClassVar[int]
    FORBIDDEN_KEYS_FIELD_NUMBER: _ClassVar[int]
    VALUE_PATTERNS_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    ENFORCEMENT_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_VALUES_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    EXEMPTIONS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    BUILT_IN_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    description: str
    required_keys: _containers.RepeatedScalarFieldContainer[str]
    forbidden_keys: _containers.RepeatedScalarFieldContainer[str]
    value_patterns: _containers.ScalarMap[str, str]
    kinds: _containers.RepeatedScalarFieldContainer[str]
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    clusters: _containers.RepeatedScalarFieldContainer[str]
    enforcement: LabelPolicyEnforcement
    etag: str
    created_by: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    allowed_values: _containers.MessageMap[str, LabelValues]
    namespace_selector: str
    exemptions: _containers.RepeatedScalarFieldContainer[str]
    default_values: _containers.ScalarMap[str, str]
    version: int
    updated_by: str
    built_in: bool
    commit: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., description: _Optional[str] = ..., required_keys: _Optional[_Iterable[str]] = ..., forbidden_keys: _Optional[_Iterable[str]] = ..., value_patterns: _Optional[_Mapping[str, str]] = ..., kinds: _Optional[_Iterable[str]] = ..., namespaces: _Optional[_Iterable[str]] = ..., clusters: _Optional[_Iterable[str]] = ..., enforcement: _Optional[_Union[LabelPolicyEnforcement, str]] = ..., etag: _Optional[str] = ..., created_by: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., allowed_values: _Optional[_Mapping[str, LabelValues]] = ..., namespace_selector: _Optional[str] = ..., exemptions: _Optional[_Iterable[str]] = ..., default_values: _Optional[_Mapping[str, str]] = ..., version: _Optional[int] = ..., updated_by: _Optional[str] = ..., built_in: _Optional[bool] = ..., commit: _Optional[str] = ...) -> None: ...

class CreateLabelPolicyRequest(_message.Message):
    __slots__ = ("label_policy_id", "label_policy", "validate_only")
    LABEL_POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_POLICY_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    label_policy_id: str
    label_policy: LabelPolicy
    validate_only: bool
    def __init__(self, label_policy_id: _Optional[str] = ..., label_policy: _Optional[_Union[LabelPolicy, _Mapping]] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class GetLabelPolicyRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListLabelPoliciesRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListLabelPoliciesResponse(_message.Message):
    __slots__ = ("label_policies", "next_page_token")
    LABEL_POLICIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    label_policies: _containers.RepeatedCompositeFieldContainer[LabelPolicy]
    next_page_token: str
    def __init__(self, label_policies: _Optional[_Iterable[_Union[LabelPolicy, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateLabelPolicyRequest(_message.Message):
    __slots__ = ("label_policy", "update_mask", "validate_only")
    LABEL_POLICY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    label_policy: LabelPolicy
    update_mask: _field_mask_pb2.FieldMask
    validate_only: bool
    def __init__(self, label_policy: _Optional[_Union[LabelPolicy, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class DeleteLabelPolicyRequest(_message.Message):
    __slots__ = ("name", "etag", "validate_only")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    validate_only: bool
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class CheckLabelComplianceRequest(_message.Message):
    __slots__ = ("parent", "policies", "namespaces", "resource_types", "clusters", "max_violations")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPES_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    MAX_VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    parent: str
    policies: _containers.RepeatedScalarFieldContainer[str]
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    resource_types: _containers.RepeatedScalarFieldContainer[str]
    clusters: _containers.RepeatedScalarFieldContainer[str]
    max_violations: int
    def __init__(self, parent: _Optional[str] = ..., policies: _Optional[_Iterable[str]] = ..., namespaces: _Optional[_Iterable[str]] = ..., resource_types: _Optional[_Iterable[str]] = ..., clusters: _Optional[_Iterable[str]] = ..., max_violations: _Optional[int] = ...) -> None: ...

class FixLabelComplianceRequest(_message.Message):
    __slots__ = ("parent", "policies", "namespaces", "resource_types", "clusters", "validate_only", "message", "max_resources", "branch")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPES_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MAX_RESOURCES_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    parent: str
    policies: _containers.RepeatedScalarFieldContainer[str]
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    resource_types: _containers.RepeatedScalarFieldContainer[str]
    clusters: _containers.RepeatedScalarFieldContainer[str]
    validate_only: bool
    message: str
    max_resources: int
    branch: str
    def __init__(self, parent: _Optional[str] = ..., policies: _Optional[_Iterable[str]] = ..., namespaces: _Optional[_Iterable[str]] = ..., resource_types: _Optional[_Iterable[str]] = ..., clusters: _Optional[_Iterable[str]] = ..., validate_only: _Optional[bool] = ..., message: _Optional[str] = ..., max_resources: _Optional[int] = ..., branch: _Optional[str] = ...) -> None: ...

class LabelViolation(_message.Message):
    __slots__ = ("resource", "policy", "key", "reason", "value", "message", "enforcement", "fix")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ENFORCEMENT_FIELD_NUMBER: _ClassVar[int]
    FIX_FIELD_NUMBER: _ClassVar[int]
    resource: str
    policy: str
    key: str
    reason: LabelViolationReason
    value: str
    message: str
    enforcement: LabelPolicyEnforcement
    fix: LabelPatch
    def __init__(self, resource: _Optional[str] = ..., policy: _Optional[str] = ..., key: _Optional[str] = ..., reason: _Optional[_Union[LabelViolationReason, str]] = ..., value: _Optional[str] = ..., message: _Optional[str] = ..., enforcement: _Optional[_Union[LabelPolicyEnforcement, str]] = ..., fix: _Optional[_Union[LabelPatch, _Mapping]] = ...) -> None: ...

class LabelPolicyCompliance(_message.Message):
    __slots__ = ("policy", "checked_count", "compliant_count", "compliance_percent", "violation_count")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    CHECKED_COUNT_FIELD_NUMBER: _ClassVar[int]
    COMPLIANT_COUNT_FIELD_NUMBER: _ClassVar[int]
    COMPLIANCE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    VIOLATION_COUNT_FIELD_NUMBER: _ClassVar[int]
    policy: str
    checked_count: int
    compliant_count: int
    compliance_percent: float
    violation_count: int
    def __init__(self, policy: _Optional[str] = ..., checked_count: _Optional[int] = ..., compliant_count: _Optional[int] = ..., compliance_percent: _Optional[float] = ..., violation_count: _Optional[int] = ...) -> None: ...

class CheckLabelComplianceResponse(_message.Message):
    __slots__ = ("violations", "checked_count", "compliant_count", "compliance_percent", "policies", "violations_truncated", "unreachable")
    class UnreachableEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    CHECKED_COUNT_FIELD_NUMBER: _ClassVar[int]
    COMPLIANT_COUNT_FIELD_NUMBER: _ClassVar[int]
    COMPLIANCE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    UNREACHABLE_FIELD_NUMBER: _ClassVar[int]
    violations: _containers.RepeatedCompositeFieldContainer[LabelViolation]
    checked_count: int
    compliant_count: int
    compliance_percent: float
    policies: _containers.RepeatedCompositeFieldContainer[LabelPolicyCompliance]
    violations_truncated: bool
    unreachable: _containers.ScalarMap[str, str]
    def __init__(self, violations: _Optional[_Iterable[_Union[LabelViolation, _Mapping]]] = ..., checked_count: _Optional[int] = ..., compliant_count: _Optional[int] = ..., compliance_percent: _Optional[float] = ..., policies: _Optional[_Iterable[_Union[LabelPolicyCompliance, _Mapping]]] = ..., violations_truncated: _Optional[bool] = ..., unreachable: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListLabelHistoryRequest(_message.Message):
    __slots__ = ("parent", "branch", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    branch: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., branch: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class LabelKeyChange(_message.Message):
    __slots__ = ("key_type", "key", "change_type", "old_value", "new_value")
    KEY_TYPE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    OLD_VALUE_FIELD_NUMBER: _ClassVar[int]
    NEW_VALUE_FIELD_NUMBER: _ClassVar[int]
    key_type: LabelKeyType
    key: str
    change_type: _common_pb2.ChangeType
    old_value: str
    new_value: str
    def __init__(self, key_type: _Optional[_Union[LabelKeyType, str]] = ..., key: _Optional[str] = ..., change_type: _Optional[_Union[_common_pb2.ChangeType, str]] = ..., old_value: _Optional[str] = ..., new_value: _Optional[str] = ...) -> None: ...

class LabelHistoryEntry(_message.Message):
    __slots__ = ("version", "commit", "author_name", "author_email", "commit_time", "message", "changes", "summary", "labels")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VERSION_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_NAME_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_EMAIL_FIELD_NUMBER: _ClassVar[int]
    COMMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    version: int
    commit: str
    author_name: str
    author_email: str
    commit_time: _timestamp_pb2.Timestamp
    message: str
    changes: _containers.RepeatedCompositeFieldContainer[LabelKeyChange]
    summary: _common_pb2.DiffSummary
    labels: _containers.ScalarMap[str, str]
    def __init__(self, version: _Optional[int] = ..., commit: _Optional[str] = ..., author_name: _Optional[str] = ..., author_email: _Optional[str] = ..., commit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., message: _Optional[str] = ..., changes: _Optional[_Iterable[_Union[LabelKeyChange, _Mapping]]] = ..., summary: _Optional[_Union[_common_pb2.DiffSummary, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListLabelHistoryResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[LabelHistoryEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[LabelHistoryEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListLabelKeysRequest(_message.Message):
    __slots__ = ("parent", "resource_types", "namespaces", "clusters", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPES_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    resource_types: _containers.RepeatedScalarFieldContainer[str]
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    clusters: _containers.RepeatedScalarFieldContainer[str]
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., resource_types: _Optional[_Iterable[str]] = ..., namespaces: _Optional[_Iterable[str]] = ..., clusters: _Optional[_Iterable[str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class LabelValueCount(_message.Message):
    __slots__ = ("value", "count")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    value: str
    count: int
    def __init__(self, value: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class LabelKeyUsage(_message.Message):
    __slots__ = ("key", "count", "values")
    KEY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    key: str
    count: int
    values: _containers.RepeatedCompositeFieldContainer[LabelValueCount]
    def __init__(self, key: _Optional[str] = ..., count: _Optional[int] = ..., values: _Optional[_Iterable[_Union[LabelValueCount, _Mapping]]] = ...) -> None: ...

class SimilarLabelKeys(_message.Message):
    __slots__ = ("keys", "reason")
    KEYS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    def __init__(self, keys: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ...) -> None: ...

class ListLabelKeysResponse(_message.Message):
    __slots__ = ("keys", "next_page_token", "similar", "unreachable")
    class UnreachableEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    KEYS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SIMILAR_FIELD_NUMBER: _ClassVar[int]
    UNREACHABLE_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[LabelKeyUsage]
    next_page_token: str
    similar: _containers.RepeatedCompositeFieldContainer[SimilarLabelKeys]
    unreachable: _containers.ScalarMap[str, str]
    def __init__(self, keys: _Optional[_Iterable[_Union[LabelKeyUsage, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., similar: _Optional[_Iterable[_Union[SimilarLabelKeys, _Mapping]]] = ..., unreachable: _Optional[_Mapping[str, str]] = ...) -> None: ...
