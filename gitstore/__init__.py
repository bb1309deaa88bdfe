"""gitstore: YAML documents kept as git commits in a bare repository.

No gRPC and no Kubernetes client here: the store maps paths to YAML documents and answers
history questions. See docs/gitstore.md.
"""

from .backup import BackupCorrupt, BackupProgress, no_progress
from .crypto import StoreKey
from .diff import document_diff, field_diff, unified_diff
from .documents import dump, load
from .errors import (AlreadyExists, Conflict, GitStoreError, InvalidArgument, InvalidDocument,
                     InvalidPath, MergeConflict, NotFound, Precondition)
from .merge import merge_documents
from .models import (Author, BackupManifest, BranchInfo, Change, CommitInfo, Document,
                     DocumentDiff, FieldChange, FieldDiff, LogEntry, MergeConflictItem, MergePlan,
                     RefOwner, RestoreResult, TagInfo, Version)
from .paths import resource_path, validate_path
from .remote import RemoteError
from .remote import redact as redact_url
from .repository import check_ref_name
from .safeyaml import MIB, YamlLimitExceeded, YamlLimits
from .safeyaml import load_all as load_yaml
from .secrets import redact, redact_pair
from .store import Store

__all__ = [
    "AlreadyExists", "Author", "BackupCorrupt", "BackupManifest", "BackupProgress", "BranchInfo", "Change", "CommitInfo",
    "Conflict", "Document", "DocumentDiff", "FieldChange", "FieldDiff", "GitStoreError",
    "InvalidArgument", "InvalidDocument", "InvalidPath", "LogEntry", "MIB", "MergeConflict",
    "MergeConflictItem", "MergePlan", "NotFound", "Precondition", "RefOwner", "RemoteError", "RestoreResult", "Store",
    "StoreKey", "TagInfo", "Version", "YamlLimitExceeded", "YamlLimits", "check_ref_name", "document_diff", "dump", "field_diff", "load",
    "load_yaml", "merge_documents", "no_progress", "redact", "redact_pair", "redact_url", "resource_path", "unified_diff", "validate_path",
]
