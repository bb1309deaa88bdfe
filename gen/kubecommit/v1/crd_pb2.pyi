import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kubecommit.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CustomResourceScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CUSTOM_RESOURCE_SCOPE_UNSPECIFIED: _ClassVar[CustomResourceScope]
    CUSTOM_RESOURCE_SCOPE_NAMESPACED: _ClassVar[CustomResourceScope]
    CUSTOM_RESOURCE_SCOPE_CLUSTER: _ClassVar[CustomResourceScope]
CUSTOM_RESOURCE_SCOPE_UNSPECIFIED: CustomResourceScope
CUSTOM_RESOURCE_SCOPE_NAMESPACED: CustomResourceScope
CUSTOM_RESOURCE_SCOPE_CLUSTER: CustomResourceScope

class CustomResourceNames(_message.Message):
    __slots__ = ("plural", "singular", "kind", "list_kind", "short_names", "categories")
    PLURAL_FIELD_NUMBER: _ClassVar[int]
    SINGULAR_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LIST_KIND_FIELD_NUMBER: _ClassVar[int]
    SHORT_NAMES_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    plural: str
    singular: str
    kind: str
    list_kind: str
    short_names: _containers.RepeatedScalarFieldContainer[str]
    categories: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, plural: _Optional[str] = ..., singular: _Optional[str] = ..., kind: _Optional[str] = ..., list_kind: _Optional[str] = ..., short_names: _Optional[_Iterable[str]] = ..., categories: _Optional[_Iterable[str]] = ...) -> None: ...

class PrinterColumn(_message.Message):
    __slots__ = ("name", "type", "format", "description", "priority", "json_path")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    JSON_PATH_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    format: str
    description: str
    priority: int
    json_path: str
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., format: _Optional[str] = ..., description: _Optional[str] = ..., priority: _Optional[int] = ..., json_path: _Optional[str] = ...) -> None: ...

class CustomResourceDefinitionVersion(_message.Message):
    __slots__ = ("name", "served", "storage", "deprecated", "deprecation_warning", "has_schema", "status_subresource", "scale_subresource", "printer_columns", "object_count")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SERVED_FIELD_NUMBER: _ClassVar[int]
    STORAGE_FIELD_NUMBER: _ClassVar[int]
    DEPRECATED_FIELD_NUMBER: _ClassVar[int]
    DEPRECATION_WARNING_FIELD_NUMBER: _ClassVar[int]
    HAS_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    STATUS_SUBRESOURCE_FIELD_NUMBER: _ClassVar[int]
    SCALE_SUBRESOURCE_FIELD_NUMBER: _ClassVar[int]
    PRINTER_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    OBJECT_COUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    served: bool
    storage: bool
    deprecated: bool
    deprecation_warning: str
    has_schema: bool
    status_subresource: bool
    scale_subresource: bool
    printer_columns: _containers.RepeatedCompositeFieldContainer[PrinterColumn]
    object_count: int
    def __init__(self, name: _Optional[str] = ..., served: _Optional[bool] = ..., storage: _Optional[bool] = ..., deprecated: _Optional[bool] = ..., deprecation_warning: _Optional[str] = ..., has_schema: _Optional[bool] = ..., status_subresource: _Optional[bool] = ..., scale_subresource: _Optional[bool] = ..., printer_columns: _Optional[_Iterable[_Union[PrinterColumn, _Mapping]]] = ..., object_count: _Optional[int] = ...) -> None: ...

class CustomResourceDefinition(_message.Message):
    __slots__ = ("name", "group", "names", "scope", "versions", "stored_versions", "conditions", "yaml", "etag", "create_time", "conversion_strategy", "storage_version", "established", "names_accepted")
    class ConditionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    STORED_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    YAML_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    STORAGE_VERSION_FIELD_NUMBER: _ClassVar[int]
    ESTABLISHED_FIELD_NUMBER: _ClassVar[int]
    NAMES_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    name: str
    group: str
    names: CustomResourceNames
    scope: CustomResourceScope
    versions: _containers.RepeatedCompositeFieldContainer[CustomResourceDefinitionVersion]
    stored_versions: _containers.RepeatedScalarFieldContainer[str]
    conditions: _containers.ScalarMap[str, str]
    yaml: str
    etag: str
    create_time: _timestamp_pb2.Timestamp
    conversion_strategy: str
    storage_version: str
    established: bool
    names_accepted: bool
    def __init__(self, name: _Optional[str] = ..., group: _Optional[str] = ..., names: _Optional[_Union[CustomResourceNames, _Mapping]] = ..., scope: _Optional[_Union[CustomResourceScope, str]] = ..., versions: _Optional[_Iterable[_Union[CustomResourceDefinitionVersion, _Mapping]]] = ..., stored_versions: _Optional[_Iterable[str]] = ..., conditions: _Optional[_Mapping[str, str]] = ..., yaml: _Optional[str] = ..., etag: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., conversion_strategy: _Optional[str] = ..., storage_version: _Optional[str] = ..., established: _Optional[bool] = ..., names_accepted: _Optional[bool] = ...) -> None: ...

class ListCustomResourceDefinitionsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "group", "count_objects")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    COUNT_OBJECTS_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    group: str
    count_objects: bool
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., group: _Optional[str] = ..., count_objects: _Optional[bool] = ...) -> None: ...

class ListCustomResourceDefinitionsResponse(_message.Message):
    __slots__ = ("custom_resource_definitions", "next_page_token", "unreachable")
    class UnreachableEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CUSTOM_RESOURCE_DEFINITIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    UNREACHABLE_FIELD_NUMBER: _ClassVar[int]
    custom_resource_definitions: _containers.RepeatedCompositeFieldContainer[CustomResourceDefinition]
    next_page_token: str
    unreachable: _containers.ScalarMap[str, str]
    def __init__(self, custom_resource_definitions: _Optional[_Iterable[_Union[CustomResourceDefinition, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., unreachable: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GetCustomResourceDefinitionRequest(_message.Message):
    __slots__ = ("name", "count_objects")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COUNT_OBJECTS_FIELD_NUMBER: _ClassVar[int]
    name: str
    count_objects: bool
    def __init__(self, name: _Optional[str] = ..., count_objects: _Optional[bool] = ...) -> None: ...

class CompareCustomResourceDefinitionsRequest(_message.Message):
    __slots__ = ("name", "clusters")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    name: str
    clusters: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., clusters: _Optional[_Iterable[str]] = ...) -> None: ...

class SchemaDifference(_message.Message):
    __slots__ = ("version", "field", "change_type", "attribute", "reference_value", "value")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_VALUE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    version: str
    field: str
    change_type: _common_pb2.ChangeType
    attribute: str
    reference_value: _struct_pb2.Value
    value: _struct_pb2.Value
    def __init__(self, version: _Optional[str] = ..., field: _Optional[str] = ..., change_type: _Optional[_Union[_common_pb2.ChangeType, str]] = ..., attribute: _Optional[str] = ..., reference_value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class CustomResourceDefinitionInCluster(_message.Message):
    __slots__ = ("cluster", "found", "served_versions", "storage_version", "schema_digests", "differences", "etag")
    class SchemaDigestsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    FOUND_FIELD_NUMBER: _ClassVar[int]
    SERVED_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    STORAGE_VERSION_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_DIGESTS_FIELD_NUMBER: _ClassVar[int]
    DIFFERENCES_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    cluster: str
    found: bool
    served_versions: _containers.RepeatedScalarFieldContainer[str]
    storage_version: str
    schema_digests: _containers.ScalarMap[str, str]
    differences: _containers.RepeatedCompositeFieldContainer[SchemaDifference]
    etag: str
    def __init__(self, cluster: _Optional[str] = ..., found: _Optional[bool] = ..., served_versions: _Optional[_Iterable[str]] = ..., storage_version: _Optional[str] = ..., schema_digests: _Optional[_Mapping[str, str]] = ..., differences: _Optional[_Iterable[_Union[SchemaDifference, _Mapping]]] = ..., etag: _Optional[str] = ...) -> None: ...

class CompareCustomResourceDefinitionsResponse(_message.Message):
    __slots__ = ("custom_resource_definition", "reference_cluster", "clusters", "skewed", "unreachable")
    class UnreachableEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CUSTOM_RESOURCE_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_CLUSTER_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    SKEWED_FIELD_NUMBER: _ClassVar[int]
    UNREACHABLE_FIELD_NUMBER: _ClassVar[int]
    custom_resource_definition: str
    reference_cluster: str
    clusters: _containers.RepeatedCompositeFieldContainer[CustomResourceDefinitionInCluster]
    skewed: bool
    unreachable: _containers.ScalarMap[str, str]
    def __init__(self, custom_resource_definition: _Optional[str] = ..., reference_cluster: _Optional[str] = ..., clusters: _Optional[_Iterable[_Union[CustomResourceDefinitionInCluster, _Mapping]]] = ..., skewed: _Optional[bool] = ..., unreachable: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GetCustomResourceSchemaRequest(_message.Message):
    __slots__ = ("name", "version", "field_path")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FIELD_PATH_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    field_path: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., field_path: _Optional[str] = ...) -> None: ...

class ValidationRule(_message.Message):
    __slots__ = ("rule", "message", "message_expression", "reason", "field_path")
    RULE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FIELD_PATH_FIELD_NUMBER: _ClassVar[int]
    rule: str
    message: str
    message_expression: str
    reason: str
    field_path: str
    def __init__(self, rule: _Optional[str] = ..., message: _Optional[str] = ..., message_expression: _Optional[str] = ..., reason: _Optional[str] = ..., field_path: _Optional[str] = ...) -> None: ...

class SchemaField(_message.Message):
    __slots__ = ("path", "type", "format", "description", "required", "enum_values", "default_value", "pattern", "minimum", "maximum", "exclusive_minimum", "exclusive_maximum", "min_length", "max_length", "min_items", "max_items", "nullable", "preserve_unknown_fields", "int_or_string", "validations", "depth")
    PATH_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    ENUM_VALUES_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_FIELD_NUMBER: _ClassVar[int]
    MAXIMUM_FIELD_NUMBER: _ClassVar[int]
    EXCLUSIVE_MINIMUM_FIELD_NUMBER: _ClassVar[int]
    EXCLUSIVE_MAXIMUM_FIELD_NUMBER: _ClassVar[int]
    MIN_LENGTH_FIELD_NUMBER: _ClassVar[int]
    MAX_LENGTH_FIELD_NUMBER: _ClassVar[int]
    MIN_ITEMS_FIELD_NUMBER: _ClassVar[int]
    MAX_ITEMS_FIELD_NUMBER: _ClassVar[int]
    NULLABLE_FIELD_NUMBER: _ClassVar[int]
    PRESERVE_UNKNOWN_FIELDS_FIELD_NUMBER: _ClassVar[int]
    INT_OR_STRING_FIELD_NUMBER: _ClassVar[int]
    VALIDATIONS_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    path: str
    type: str
    format: str
    description: str
    required: bool
    enum_values: _containers.RepeatedCompositeFieldContainer[_struct_pb2.Value]
    default_value: _struct_pb2.Value
    pattern: str
    minimum: float
    maximum: float
    exclusive_minimum: bool
    exclusive_maximum: bool
    min_length: int
    max_length: int
    min_items: int
    max_items: int
    nullable: bool
    preserve_unknown_fields: bool
    int_or_string: bool
    validations: _containers.RepeatedCompositeFieldContainer[ValidationRule]
    depth: int
    def __init__(self, path: _Optional[str] = ..., type: _Optional[str] = ..., format: _Optional[str] = ..., description: _Optional[str] = ..., required: _Optional[bool] = ..., enum_values: _Optional[_Iterable[_Union[_struct_pb2.Value, _Mapping]]] = ..., default_value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., pattern: _Optional[str] = ..., minimum: _Optional[float] = ..., maximum: _Optional[float] = ..., exclusive_minimum: _Optional[bool] = ..., exclusive_maximum: _Optional[bool] = ..., min_length: _Optional[int] = ..., max_length: _Optional[int] = ..., min_items: _Optional[int] = ..., max_items: _Optional[int] = ..., nullable: _Optional[bool] = ..., preserve_unknown_fields: _Optional[bool] = ..., int_or_string: _Optional[bool] = ..., validations: _Optional[_Iterable[_Union[ValidationRule, _Mapping]]] = ..., depth: _Optional[int] = ...) -> None: ...

class CustomResourceSchema(_message.Message):
    __slots__ = ("name", "version", "open_api_v3_schema", "yaml", "fields", "field_path")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    OPEN_API_V3_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    YAML_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    FIELD_PATH_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    open_api_v3_schema: _struct_pb2.Struct
    yaml: str
    fields: _containers.RepeatedCompositeFieldContainer[SchemaField]
    field_path: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., open_api_v3_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., yaml: _Optional[str] = ..., fields: _Optional[_Iterable[_Union[SchemaField, _Mapping]]] = ..., field_path: _Optional[str] = ...) -> None: ...

class ListCustomObjectRowsRequest(_message.Message):
    __slots__ = ("parent", "version", "namespace", "label_selector", "field_selector", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    FIELD_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    version: str
    namespace: str
    label_selector: str
    field_selector: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., version: _Optional[str] = ..., namespace: _Optional[str] = ..., label_selector: _Optional[str] = ..., field_selector: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class CustomObjectRow(_message.Message):
    __slots__ = ("name", "namespace", "object_name", "cells", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    CELLS_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    namespace: str
    object_name: str
    cells: _containers.RepeatedScalarFieldContainer[str]
    etag: str
    def __init__(self, name: _Optional[str] = ..., namespace: _Optional[str] = ..., object_name: _Optional[str] = ..., cells: _Optional[_Iterable[str]] = ..., etag: _Optional[str] = ...) -> None: ...

class ListCustomObjectRowsResponse(_message.Message):
    __slots__ = ("columns", "rows", "next_page_token")
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    columns: _containers.RepeatedCompositeFieldContainer[PrinterColumn]
    rows: _containers.RepeatedCompositeFieldContainer[CustomObjectRow]
    next_page_token: str
    def __init__(self, columns: _Optional[_Iterable[_Union[PrinterColumn, _Mapping]]] = ..., rows: _Optional[_Iterable[_Union[CustomObjectRow, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ValidateCustomObjectRequest(_message.Message):
    __slots__ = ("parent", "custom_object", "validate_in_cluster", "manifest")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_OBJECT_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_IN_CLUSTER_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    parent: str
    custom_object: _common_pb2.KubernetesObject
    validate_in_cluster: bool
    manifest: str
    def __init__(self, parent: _Optional[str] = ..., custom_object: _Optional[_Union[_common_pb2.KubernetesObject, _Mapping]] = ..., validate_in_cluster: _Optional[bool] = ..., manifest: _Optional[str] = ...) -> None: ...

class SchemaViolation(_message.Message):
    __slots__ = ("field", "reason", "message", "value", "from_cluster")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    FROM_CLUSTER_FIELD_NUMBER: _ClassVar[int]
    field: str
    reason: str
    message: str
    value: _struct_pb2.Value
    from_cluster: bool
    def __init__(self, field: _Optional[str] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., from_cluster: _Optional[bool] = ...) -> None: ...

class CustomObjectValidation(_message.Message):
    __slots__ = ("name", "document", "valid", "violations", "custom_resource_definition", "version", "cluster_accepted", "checked_by_cluster")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    VALID_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_RESOURCE_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    CHECKED_BY_CLUSTER_FIELD_NUMBER: _ClassVar[int]
    name: str
    document: str
    valid: bool
    violations: _containers.RepeatedCompositeFieldContainer[SchemaViolation]
    custom_resource_definition: str
    version: str
    cluster_accepted: bool
    checked_by_cluster: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., document: _Optional[str] = ..., valid: _Optional[bool] = ..., violations: _Optional[_Iterable[_Union[SchemaViolation, _Mapping]]] = ..., custom_resource_definition: _Optional[str] = ..., version: _Optional[str] = ..., cluster_accepted: _Optional[bool] = ..., checked_by_cluster: _Optional[_Iterable[str]] = ...) -> None: ...

class ValidateCustomObjectResponse(_message.Message):
    __slots__ = ("valid", "violations", "custom_resource_definition", "version", "objects")
    VALID_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_RESOURCE_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    OBJECTS_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    violations: _containers.RepeatedCompositeFieldContainer[SchemaViolation]
    custom_resource_definition: str
    version: str
    objects: _containers.RepeatedCompositeFieldContainer[CustomObjectValidation]
    def __init__(self, valid: _Optional[bool] = ..., violations: _Optional[_Iterable[_Union[SchemaViolation, _Mapping]]] = ..., custom_resource_definition: _Optional[str] = ..., version: _Optional[str] = ..., objects: _Optional[_Iterable[_Union[CustomObjectValidation, _Mapping]]] = ...) -> None: ...

class CheckCustomResourceDefinitionUpdateRequest(_message.Message):
    __slots__ = ("parent", "manifest")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    parent: str
    manifest: str
    def __init__(self, parent: _Optional[str] = ..., manifest: _Optional[str] = ...) -> None: ...

class BrokenObject(_message.Message):
    __slots__ = ("name", "version", "violations")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    violations: _containers.RepeatedCompositeFieldContainer[SchemaViolation]
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., violations: _Optional[_Iterable[_Union[SchemaViolation, _Mapping]]] = ...) -> None: ...

class CheckCustomResourceDefinitionUpdateResponse(_message.Message):
    __slots__ = ("custom_resource_definition", "new_definition", "differences", "broken_objects", "removed_stored_versions", "safe", "checked_objects")
    CUSTOM_RESOURCE_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    NEW_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    DIFFERENCES_FIELD_NUMBER: _ClassVar[int]
    BROKEN_OBJECTS_FIELD_NUMBER: _ClassVar[int]
    REMOVED_STORED_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    SAFE_FIELD_NUMBER: _ClassVar[int]
    CHECKED_OBJECTS_FIELD_NUMBER: _ClassVar[int]
    custom_resource_definition: str
    new_definition: bool
    differences: _containers.RepeatedCompositeFieldContainer[SchemaDifference]
    broken_objects: _containers.RepeatedCompositeFieldContainer[BrokenObject]
    removed_stored_versions: _containers.RepeatedScalarFieldContainer[str]
    safe: bool
    checked_objects: int
    def __init__(self, custom_resource_definition: _Optional[str] = ..., new_definition: _Optional[bool] = ..., differences: _Optional[_Iterable[_Union[SchemaDifference, _Mapping]]] = ..., broken_objects: _Optional[_Iterable[_Union[BrokenObject, _Mapping]]] = ..., removed_stored_versions: _Optional[_Iterable[str]] = ..., safe: _Optional[bool] = ..., checked_objects: _Optional[int] = ...) -> None: ...
