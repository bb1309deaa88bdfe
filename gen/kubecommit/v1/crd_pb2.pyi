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

class CustomResourceDefinitionVersion(_message.Message):
    __slots__ = ("name", "served", "storage", "deprecated", "deprecation_warning", "has_schema", "status_subresource", "scale_subresource")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SERVED_FIELD_NUMBER: _ClassVar[int]
    STORAGE_FIELD_NUMBER: _ClassVar[int]
    DEPRECATED_FIELD_NUMBER: _ClassVar[int]
    DEPRECATION_WARNING_FIELD_NUMBER: _ClassVar[int]
    HAS_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    STATUS_SUBRESOURCE_FIELD_NUMBER: _ClassVar[int]
    SCALE_SUBRESOURCE_FIELD_NUMBER: _ClassVar[int]
    name: str
    served: bool
    storage: bool
    deprecated: bool
    deprecation_warning: str
    has_schema: bool
    status_subresource: bool
    scale_subresource: bool
    def __init__(self, name: _Optional[str] = ..., served: _Optional[bool] = ..., storage: _Optional[bool] = ..., deprecated: _Optional[bool] = ..., deprecation_warning: _Optional[str] = ..., has_schema: _Optional[bool] = ..., status_subresource: _Optional[bool] = ..., scale_subresource: _Optional[bool] = ...) -> None: ...

class CustomResourceDefinition(_message.Message):
    __slots__ = ("name", "group", "names", "scope", "versions", "stored_versions", "conditions", "yaml", "etag", "create_time")
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
    def __init__(self, name: _Optional[str] = ..., group: _Optional[str] = ..., names: _Optional[_Union[CustomResourceNames, _Mapping]] = ..., scope: _Optional[_Union[CustomResourceScope, str]] = ..., versions: _Optional[_Iterable[_Union[CustomResourceDefinitionVersion, _Mapping]]] = ..., stored_versions: _Optional[_Iterable[str]] = ..., conditions: _Optional[_Mapping[str, str]] = ..., yaml: _Optional[str] = ..., etag: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCustomResourceDefinitionsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "group")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    group: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., group: _Optional[str] = ...) -> None: ...

class ListCustomResourceDefinitionsResponse(_message.Message):
    __slots__ = ("custom_resource_definitions", "next_page_token")
    CUSTOM_RESOURCE_DEFINITIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    custom_resource_definitions: _containers.RepeatedCompositeFieldContainer[CustomResourceDefinition]
    next_page_token: str
    def __init__(self, custom_resource_definitions: _Optional[_Iterable[_Union[CustomResourceDefinition, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetCustomResourceDefinitionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetCustomResourceSchemaRequest(_message.Message):
    __slots__ = ("name", "version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class SchemaField(_message.Message):
    __slots__ = ("path", "type", "format", "description", "required", "enum_values", "default_value")
    PATH_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    ENUM_VALUES_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    path: str
    type: str
    format: str
    description: str
    required: bool
    enum_values: _containers.RepeatedCompositeFieldContainer[_struct_pb2.Value]
    default_value: _struct_pb2.Value
    def __init__(self, path: _Optional[str] = ..., type: _Optional[str] = ..., format: _Optional[str] = ..., description: _Optional[str] = ..., required: _Optional[bool] = ..., enum_values: _Optional[_Iterable[_Union[_struct_pb2.Value, _Mapping]]] = ..., default_value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class CustomResourceSchema(_message.Message):
    __slots__ = ("name", "version", "open_api_v3_schema", "yaml", "fields")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    OPEN_API_V3_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    YAML_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    open_api_v3_schema: _struct_pb2.Struct
    yaml: str
    fields: _containers.RepeatedCompositeFieldContainer[SchemaField]
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., open_api_v3_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., yaml: _Optional[str] = ..., fields: _Optional[_Iterable[_Union[SchemaField, _Mapping]]] = ...) -> None: ...

class ValidateCustomObjectRequest(_message.Message):
    __slots__ = ("parent", "custom_object", "validate_in_cluster")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_OBJECT_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_IN_CLUSTER_FIELD_NUMBER: _ClassVar[int]
    parent: str
    custom_object: _common_pb2.KubernetesObject
    validate_in_cluster: bool
    def __init__(self, parent: _Optional[str] = ..., custom_object: _Optional[_Union[_common_pb2.KubernetesObject, _Mapping]] = ..., validate_in_cluster: _Optional[bool] = ...) -> None: ...

class SchemaViolation(_message.Message):
    __slots__ = ("field", "reason", "message", "value")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    field: str
    reason: str
    message: str
    value: _struct_pb2.Value
    def __init__(self, field: _Optional[str] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class ValidateCustomObjectResponse(_message.Message):
    __slots__ = ("valid", "violations", "custom_resource_definition", "version")
    VALID_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_RESOURCE_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    violations: _containers.RepeatedCompositeFieldContainer[SchemaViolation]
    custom_resource_definition: str
    version: str
    def __init__(self, valid: _Optional[bool] = ..., violations: _Optional[_Iterable[_Union[SchemaViolation, _Mapping]]] = ..., custom_resource_definition: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...
