"""gitstore: YAML documents kept as git commits in a bare repository.

No gRPC and no Kubernetes client here: the store maps paths to YAML documents and answers
history questions. See docs/gitstore.md.
"""

from .crypto import StoreKey
from .diff import document_diff, field_diff, unified_diff
from .errors import (AlreadyExists, Conflict, GitStoreError, InvalidArgument, InvalidDocument,
                     InvalidPath, MergeConflict, NotFound, Precondition)
from .merge import merge_documents
from .models import (Author, BackupManifest, BranchInfo, Change, CommitInfo, Document,
                     DocumentDiff, FieldChange, FieldDiff, LogEntry, MergeConflictItem, MergePlan,
                     RefOwner, RestoreResult, TagInfo, Version)
from .paths import resource_path, validate_path
from .remote import RemoteError
from .store import Store, check_ref_name

__all__ = [
    "AlreadyExists", "Author", "BackupManifest", "BranchInfo", "Change", "CommitInfo",
    "Conflict", "Document", "DocumentDiff", "FieldChange", "FieldDiff", "GitStoreError",
    "InvalidArgument", "InvalidDocument", "InvalidPath", "LogEntry", "MergeConflict",
    "MergeConflictItem", "MergePlan", "NotFound", "Precondition", "RefOwner", "RemoteError", "RestoreResult", "Store",
    "StoreKey", "TagInfo", "Version", "document_diff", "check_ref_name", "field_diff", "merge_documents", "resource_path",
    "unified_diff", "validate_path",
]
