import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import empty_pb2 as _empty_pb2
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

class Operation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPERATION_UNSPECIFIED: _ClassVar[Operation]
    OPERATION_APPLY: _ClassVar[Operation]
    OPERATION_DELETE: _ClassVar[Operation]
    OPERATION_ROLLBACK: _ClassVar[Operation]
    OPERATION_SYNC: _ClassVar[Operation]
    OPERATION_MERGE: _ClassVar[Operation]
    OPERATION_IMPORT: _ClassVar[Operation]

class ApplyOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPLY_OUTCOME_UNSPECIFIED: _ClassVar[ApplyOutcome]
    APPLY_OUTCOME_CREATED: _ClassVar[ApplyOutcome]
    APPLY_OUTCOME_CONFIGURED: _ClassVar[ApplyOutcome]
    APPLY_OUTCOME_UNCHANGED: _ClassVar[ApplyOutcome]
    APPLY_OUTCOME_FAILED: _ClassVar[ApplyOutcome]
    APPLY_OUTCOME_SKIPPED: _ClassVar[ApplyOutcome]

class MergeOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MERGE_OUTCOME_UNSPECIFIED: _ClassVar[MergeOutcome]
    MERGE_OUTCOME_APPLIED: _ClassVar[MergeOutcome]
    MERGE_OUTCOME_FAILED: _ClassVar[MergeOutcome]
    MERGE_OUTCOME_WOULD_APPLY: _ClassVar[MergeOutcome]
    MERGE_OUTCOME_WOULD_COMMIT: _ClassVar[MergeOutcome]
    MERGE_OUTCOME_COMMITTED: _ClassVar[MergeOutcome]
    MERGE_OUTCOME_CONFLICT: _ClassVar[MergeOutcome]

class DriftType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DRIFT_TYPE_UNSPECIFIED: _ClassVar[DriftType]
    DRIFT_TYPE_MODIFIED: _ClassVar[DriftType]
    DRIFT_TYPE_ADDED: _ClassVar[DriftType]
    DRIFT_TYPE_DELETED: _ClassVar[DriftType]
OPERATION_UNSPECIFIED: Operation
OPERATION_APPLY: Operation
OPERATION_DELETE: Operation
OPERATION_ROLLBACK: Operation
OPERATION_SYNC: Operation
OPERATION_MERGE: Operation
OPERATION_IMPORT: Operation
APPLY_OUTCOME_UNSPECIFIED: ApplyOutcome
APPLY_OUTCOME_CREATED: ApplyOutcome
APPLY_OUTCOME_CONFIGURED: ApplyOutcome
APPLY_OUTCOME_UNCHANGED: ApplyOutcome
APPLY_OUTCOME_FAILED: ApplyOutcome
APPLY_OUTCOME_SKIPPED: ApplyOutcome
MERGE_OUTCOME_UNSPECIFIED: MergeOutcome
MERGE_OUTCOME_APPLIED: MergeOutcome
MERGE_OUTCOME_FAILED: MergeOutcome
MERGE_OUTCOME_WOULD_APPLY: MergeOutcome
MERGE_OUTCOME_WOULD_COMMIT: MergeOutcome
MERGE_OUTCOME_COMMITTED: MergeOutcome
MERGE_OUTCOME_CONFLICT: MergeOutcome
DRIFT_TYPE_UNSPECIFIED: DriftType
DRIFT_TYPE_MODIFIED: DriftType
DRIFT_TYPE_ADDED: DriftType
DRIFT_TYPE_DELETED: DriftType

class Commit(_message.Message):
    __slots__ = ("name", "id", "author_name", "author_email", "commit_time", "message", "operation", "resources", "request_id", "parents")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_NAME_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_EMAIL_FIELD_NUMBER: _ClassVar[int]
    COMMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PARENTS_FIELD_NUMBER: _ClassVar[int]
    name: str
    id: str
    author_name: str
    author_email: str
    commit_time: _timestamp_pb2.Timestamp
    message: str
    operation: Operation
    resources: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    parents: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., author_name: _Optional[str] = ..., author_email: _Optional[str] = ..., commit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., message: _Optional[str] = ..., operation: _Optional[_Union[Operation, str]] = ..., resources: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ..., parents: _Optional[_Iterable[str]] = ...) -> None: ...

class Version(_message.Message):
    __slots__ = ("name", "version", "commit", "author_name", "author_email", "commit_time", "message", "operation", "tags", "current", "yaml", "object", "deleted")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_NAME_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_EMAIL_FIELD_NUMBER: _ClassVar[int]
    COMMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    YAML_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    commit: str
    author_name: str
    author_email: str
    commit_time: _timestamp_pb2.Timestamp
    message: str
    operation: Operation
    tags: _containers.RepeatedScalarFieldContainer[str]
    current: bool
    yaml: str
    object: _struct_pb2.Struct
    deleted: bool
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., commit: _Optional[str] = ..., author_name: _Optional[str] = ..., author_email: _Optional[str] = ..., commit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., message: _Optional[str] = ..., operation: _Optional[_Union[Operation, str]] = ..., tags: _Optional[_Iterable[str]] = ..., current: _Optional[bool] = ..., yaml: _Optional[str] = ..., object: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., deleted: _Optional[bool] = ...) -> None: ...

class ApplyManifestRequest(_message.Message):
    __slots__ = ("cluster", "manifest", "message", "branch", "dry_run", "force", "etags", "namespace")
    class EtagsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    ETAGS_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    cluster: str
    manifest: str
    message: str
    branch: str
    dry_run: bool
    force: bool
    etags: _containers.ScalarMap[str, str]
    namespace: str
    def __init__(self, cluster: _Optional[str] = ..., manifest: _Optional[str] = ..., message: _Optional[str] = ..., branch: _Optional[str] = ..., dry_run: _Optional[bool] = ..., force: _Optional[bool] = ..., etags: _Optional[_Mapping[str, str]] = ..., namespace: _Optional[str] = ...) -> None: ...

class AppliedResource(_message.Message):
    __slots__ = ("name", "action", "version", "etag", "diff", "error", "outcome", "error_status")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ERROR_STATUS_FIELD_NUMBER: _ClassVar[int]
    name: str
    action: str
    version: int
    etag: str
    diff: _common_pb2.DocumentDiff
    error: str
    outcome: ApplyOutcome
    error_status: _status_pb2.Status
    def __init__(self, name: _Optional[str] = ..., action: _Optional[str] = ..., version: _Optional[int] = ..., etag: _Optional[str] = ..., diff: _Optional[_Union[_common_pb2.DocumentDiff, _Mapping]] = ..., error: _Optional[str] = ..., outcome: _Optional[_Union[ApplyOutcome, str]] = ..., error_status: _Optional[_Union[_status_pb2.Status, _Mapping]] = ...) -> None: ...

class ApplyManifestResponse(_message.Message):
    __slots__ = ("commit", "resources", "dry_run", "branch")
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    commit: str
    resources: _containers.RepeatedCompositeFieldContainer[AppliedResource]
    dry_run: bool
    branch: str
    def __init__(self, commit: _Optional[str] = ..., resources: _Optional[_Iterable[_Union[AppliedResource, _Mapping]]] = ..., dry_run: _Optional[bool] = ..., branch: _Optional[str] = ...) -> None: ...

class DeleteResourceRequest(_message.Message):
    __slots__ = ("name", "message", "etag", "dry_run", "branch")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    name: str
    message: str
    etag: str
    dry_run: bool
    branch: str
    def __init__(self, name: _Optional[str] = ..., message: _Optional[str] = ..., etag: _Optional[str] = ..., dry_run: _Optional[bool] = ..., branch: _Optional[str] = ...) -> None: ...

class DeleteResourceResponse(_message.Message):
    __slots__ = ("commit", "dry_run")
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    commit: str
    dry_run: bool
    def __init__(self, commit: _Optional[str] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class ListVersionsRequest(_message.Message):
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

class ListVersionsResponse(_message.Message):
    __slots__ = ("versions", "next_page_token", "total_size")
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[Version]
    next_page_token: str
    total_size: int
    def __init__(self, versions: _Optional[_Iterable[_Union[Version, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetVersionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DiffVersionsRequest(_message.Message):
    __slots__ = ("name", "to")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    name: str
    to: str
    def __init__(self, name: _Optional[str] = ..., to: _Optional[str] = ..., **kwargs) -> None: ...

class DiffVersionsResponse(_message.Message):
    __slots__ = ("diff", "from_revision", "to_revision")
    DIFF_FIELD_NUMBER: _ClassVar[int]
    FROM_REVISION_FIELD_NUMBER: _ClassVar[int]
    TO_REVISION_FIELD_NUMBER: _ClassVar[int]
    diff: _common_pb2.DocumentDiff
    from_revision: str
    to_revision: str
    def __init__(self, diff: _Optional[_Union[_common_pb2.DocumentDiff, _Mapping]] = ..., from_revision: _Optional[str] = ..., to_revision: _Optional[str] = ...) -> None: ...

class RollbackResourceRequest(_message.Message):
    __slots__ = ("name", "target", "reason", "dry_run", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    target: str
    reason: str
    dry_run: bool
    etag: str
    def __init__(self, name: _Optional[str] = ..., target: _Optional[str] = ..., reason: _Optional[str] = ..., dry_run: _Optional[bool] = ..., etag: _Optional[str] = ...) -> None: ...

class RollbackResourceResponse(_message.Message):
    __slots__ = ("commit", "diff", "dry_run", "dry_run_error", "version")
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_ERROR_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    commit: str
    diff: _common_pb2.DocumentDiff
    dry_run: bool
    dry_run_error: str
    version: int
    def __init__(self, commit: _Optional[str] = ..., diff: _Optional[_Union[_common_pb2.DocumentDiff, _Mapping]] = ..., dry_run: _Optional[bool] = ..., dry_run_error: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class Tag(_message.Message):
    __slots__ = ("name", "commit", "message", "tagger", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TAGGER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    commit: str
    message: str
    tagger: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., commit: _Optional[str] = ..., message: _Optional[str] = ..., tagger: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateTagRequest(_message.Message):
    __slots__ = ("tag_id", "tag", "target")
    TAG_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    tag_id: str
    tag: Tag
    target: str
    def __init__(self, tag_id: _Optional[str] = ..., tag: _Optional[_Union[Tag, _Mapping]] = ..., target: _Optional[str] = ...) -> None: ...

class ListTagsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTagsResponse(_message.Message):
    __slots__ = ("tags", "next_page_token")
    TAGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.RepeatedCompositeFieldContainer[Tag]
    next_page_token: str
    def __init__(self, tags: _Optional[_Iterable[_Union[Tag, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteTagRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class Branch(_message.Message):
    __slots__ = ("name", "head", "ahead", "behind", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    HEAD_FIELD_NUMBER: _ClassVar[int]
    AHEAD_FIELD_NUMBER: _ClassVar[int]
    BEHIND_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    head: str
    ahead: int
    behind: int
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., head: _Optional[str] = ..., ahead: _Optional[int] = ..., behind: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateBranchRequest(_message.Message):
    __slots__ = ("branch_id", "branch")
    BRANCH_ID_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    branch_id: str
    branch: Branch
    def __init__(self, branch_id: _Optional[str] = ..., branch: _Optional[_Union[Branch, _Mapping]] = ..., **kwargs) -> None: ...

class ListBranchesRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListBranchesResponse(_message.Message):
    __slots__ = ("branches", "next_page_token")
    BRANCHES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    branches: _containers.RepeatedCompositeFieldContainer[Branch]
    next_page_token: str
    def __init__(self, branches: _Optional[_Iterable[_Union[Branch, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteBranchRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class MergeBranchRequest(_message.Message):
    __slots__ = ("source", "target", "message", "dry_run")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    source: str
    target: str
    message: str
    dry_run: bool
    def __init__(self, source: _Optional[str] = ..., target: _Optional[str] = ..., message: _Optional[str] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class MergeConflict(_message.Message):
    __slots__ = ("resource", "path", "base", "ours", "theirs")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    BASE_FIELD_NUMBER: _ClassVar[int]
    OURS_FIELD_NUMBER: _ClassVar[int]
    THEIRS_FIELD_NUMBER: _ClassVar[int]
    resource: str
    path: str
    base: _struct_pb2.Value
    ours: _struct_pb2.Value
    theirs: _struct_pb2.Value
    def __init__(self, resource: _Optional[str] = ..., path: _Optional[str] = ..., base: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., ours: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., theirs: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class MergedResource(_message.Message):
    __slots__ = ("name", "diff", "result", "error", "outcome", "error_status")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ERROR_STATUS_FIELD_NUMBER: _ClassVar[int]
    name: str
    diff: _common_pb2.DocumentDiff
    result: str
    error: str
    outcome: MergeOutcome
    error_status: _status_pb2.Status
    def __init__(self, name: _Optional[str] = ..., diff: _Optional[_Union[_common_pb2.DocumentDiff, _Mapping]] = ..., result: _Optional[str] = ..., error: _Optional[str] = ..., outcome: _Optional[_Union[MergeOutcome, str]] = ..., error_status: _Optional[_Union[_status_pb2.Status, _Mapping]] = ...) -> None: ...

class MergeBranchResponse(_message.Message):
    __slots__ = ("commit", "fast_forward", "resources", "conflicts", "dry_run")
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    FAST_FORWARD_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    commit: str
    fast_forward: bool
    resources: _containers.RepeatedCompositeFieldContainer[MergedResource]
    conflicts: _containers.RepeatedCompositeFieldContainer[MergeConflict]
    dry_run: bool
    def __init__(self, commit: _Optional[str] = ..., fast_forward: _Optional[bool] = ..., resources: _Optional[_Iterable[_Union[MergedResource, _Mapping]]] = ..., conflicts: _Optional[_Iterable[_Union[MergeConflict, _Mapping]]] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class DetectDriftRequest(_message.Message):
    __slots__ = ("cluster", "namespace", "resource_type")
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    cluster: str
    namespace: str
    resource_type: str
    def __init__(self, cluster: _Optional[str] = ..., namespace: _Optional[str] = ..., resource_type: _Optional[str] = ...) -> None: ...

class DriftedResource(_message.Message):
    __slots__ = ("name", "drift_type", "diff")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DRIFT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    name: str
    drift_type: DriftType
    diff: _common_pb2.DocumentDiff
    def __init__(self, name: _Optional[str] = ..., drift_type: _Optional[_Union[DriftType, str]] = ..., diff: _Optional[_Union[_common_pb2.DocumentDiff, _Mapping]] = ...) -> None: ...

class DetectDriftResponse(_message.Message):
    __slots__ = ("resources", "checked")
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    CHECKED_FIELD_NUMBER: _ClassVar[int]
    resources: _containers.RepeatedCompositeFieldContainer[DriftedResource]
    checked: int
    def __init__(self, resources: _Optional[_Iterable[_Union[DriftedResource, _Mapping]]] = ..., checked: _Optional[int] = ...) -> None: ...

class ImportDriftRequest(_message.Message):
    __slots__ = ("cluster", "names", "message", "namespace", "resource_type")
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    cluster: str
    names: _containers.RepeatedScalarFieldContainer[str]
    message: str
    namespace: str
    resource_type: str
    def __init__(self, cluster: _Optional[str] = ..., names: _Optional[_Iterable[str]] = ..., message: _Optional[str] = ..., namespace: _Optional[str] = ..., resource_type: _Optional[str] = ...) -> None: ...

class ImportDriftResponse(_message.Message):
    __slots__ = ("commit", "imported")
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    IMPORTED_FIELD_NUMBER: _ClassVar[int]
    commit: str
    imported: _containers.RepeatedCompositeFieldContainer[DriftedResource]
    def __init__(self, commit: _Optional[str] = ..., imported: _Optional[_Iterable[_Union[DriftedResource, _Mapping]]] = ...) -> None: ...

class ListCommitsRequest(_message.Message):
    __slots__ = ("branch", "prefix", "author", "start_time", "end_time", "operation", "page_size", "page_token")
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    branch: str
    prefix: str
    author: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    operation: Operation
    page_size: int
    page_token: str
    def __init__(self, branch: _Optional[str] = ..., prefix: _Optional[str] = ..., author: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., operation: _Optional[_Union[Operation, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCommitsResponse(_message.Message):
    __slots__ = ("commits", "next_page_token")
    COMMITS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    commits: _containers.RepeatedCompositeFieldContainer[Commit]
    next_page_token: str
    def __init__(self, commits: _Optional[_Iterable[_Union[Commit, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Backup(_message.Message):
    __slots__ = ("name", "clusters", "base_backup", "refs", "size_bytes", "sha256", "create_time", "created_by", "description", "object_count")
    class RefsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    BASE_BACKUP_FIELD_NUMBER: _ClassVar[int]
    REFS_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OBJECT_COUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    clusters: _containers.RepeatedScalarFieldContainer[str]
    base_backup: str
    refs: _containers.ScalarMap[str, str]
    size_bytes: int
    sha256: str
    create_time: _timestamp_pb2.Timestamp
    created_by: str
    description: str
    object_count: int
    def __init__(self, name: _Optional[str] = ..., clusters: _Optional[_Iterable[str]] = ..., base_backup: _Optional[str] = ..., refs: _Optional[_Mapping[str, str]] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., description: _Optional[str] = ..., object_count: _Optional[int] = ...) -> None: ...

class CreateBackupRequest(_message.Message):
    __slots__ = ("backup_id", "backup")
    BACKUP_ID_FIELD_NUMBER: _ClassVar[int]
    BACKUP_FIELD_NUMBER: _ClassVar[int]
    backup_id: str
    backup: Backup
    def __init__(self, backup_id: _Optional[str] = ..., backup: _Optional[_Union[Backup, _Mapping]] = ...) -> None: ...

class ListBackupsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListBackupsResponse(_message.Message):
    __slots__ = ("backups", "next_page_token")
    BACKUPS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    backups: _containers.RepeatedCompositeFieldContainer[Backup]
    next_page_token: str
    def __init__(self, backups: _Optional[_Iterable[_Union[Backup, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class VerifyBackupRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class VerifyBackupResponse(_message.Message):
    __slots__ = ("valid", "error", "commit_count")
    VALID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    COMMIT_COUNT_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    error: str
    commit_count: int
    def __init__(self, valid: _Optional[bool] = ..., error: _Optional[str] = ..., commit_count: _Optional[int] = ...) -> None: ...

class RestoreBackupRequest(_message.Message):
    __slots__ = ("name", "branch_prefix", "apply", "dry_run", "prefix")
    NAME_FIELD_NUMBER: _ClassVar[int]
    BRANCH_PREFIX_FIELD_NUMBER: _ClassVar[int]
    APPLY_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    name: str
    branch_prefix: str
    apply: bool
    dry_run: bool
    prefix: str
    def __init__(self, name: _Optional[str] = ..., branch_prefix: _Optional[str] = ..., apply: _Optional[bool] = ..., dry_run: _Optional[bool] = ..., prefix: _Optional[str] = ...) -> None: ...

class RestoreBackupResponse(_message.Message):
    __slots__ = ("branches", "resources", "commit", "dry_run")
    class BranchesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    BRANCHES_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    branches: _containers.ScalarMap[str, str]
    resources: _containers.RepeatedCompositeFieldContainer[MergedResource]
    commit: str
    dry_run: bool
    def __init__(self, branches: _Optional[_Mapping[str, str]] = ..., resources: _Optional[_Iterable[_Union[MergedResource, _Mapping]]] = ..., commit: _Optional[str] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class DeleteBackupRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class StreamBackupOperationRequest(_message.Message):
    __slots__ = ("create", "verify", "restore")
    CREATE_FIELD_NUMBER: _ClassVar[int]
    VERIFY_FIELD_NUMBER: _ClassVar[int]
    RESTORE_FIELD_NUMBER: _ClassVar[int]
    create: CreateBackupRequest
    verify: VerifyBackupRequest
    restore: RestoreBackupRequest
    def __init__(self, create: _Optional[_Union[CreateBackupRequest, _Mapping]] = ..., verify: _Optional[_Union[VerifyBackupRequest, _Mapping]] = ..., restore: _Optional[_Union[RestoreBackupRequest, _Mapping]] = ...) -> None: ...

class StreamBackupOperationResponse(_message.Message):
    __slots__ = ("progress", "created", "verified", "restored")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    RESTORED_FIELD_NUMBER: _ClassVar[int]
    progress: _common_pb2.Progress
    created: Backup
    verified: VerifyBackupResponse
    restored: RestoreBackupResponse
    def __init__(self, progress: _Optional[_Union[_common_pb2.Progress, _Mapping]] = ..., created: _Optional[_Union[Backup, _Mapping]] = ..., verified: _Optional[_Union[VerifyBackupResponse, _Mapping]] = ..., restored: _Optional[_Union[RestoreBackupResponse, _Mapping]] = ...) -> None: ...
