"""Between the versions domain and the contract: store and domain values (versions, commits,
tags, branches, applied/merged/drifted resources, backups) as messages. Documents leave the
server here and through server/messages.py, with Secret values redacted."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.rpc import status_pb2

from gitstore import BranchInfo, Document, LogEntry, TagInfo, Version
from kubecommit.v1 import yaml_versions_pb2 as pb
from server import context as call_context
from server.errors import KubecommitError
from server.messages import document, document_diff, status_message, timestamp
from server.versions.apply import Applied, ApplyResult
from server.versions.backups import BackupInfo
from server.versions.drift import ADDED, DELETED, MODIFIED, Drift
from server.versions.merge import Merged

_DRIFT = {MODIFIED: pb.DRIFT_TYPE_MODIFIED, ADDED: pb.DRIFT_TYPE_ADDED, DELETED: pb.DRIFT_TYPE_DELETED}


def operation(name: str) -> int:
    return pb.Operation.Value(f"OPERATION_{name.upper()}") if name else pb.OPERATION_UNSPECIFIED


def _outcome(enum: EnumTypeWrapper, prefix: str, text: str) -> int:
    """A free-text result as the enum beside it: `would-apply` -> MERGE_OUTCOME_WOULD_APPLY."""
    return enum.Value(f"{prefix}_{text.upper().replace('-', '_')}")


def _error_status(failure: KubecommitError | None) -> status_pb2.Status | None:
    return status_message(failure, call_context.current().request_id) if failure else None


def merged(resources: list[Merged]) -> list[pb.MergedResource]:
    return [pb.MergedResource(name=r.name, diff=document_diff(r.diff), result=r.result, error=r.error,
                              outcome=_outcome(pb.MergeOutcome, "MERGE_OUTCOME", r.result), error_status=_error_status(r.failure))
            for r in resources]


def version(resource: str, v: Version, doc: Document | None = None) -> pb.Version:
    out = pb.Version(name=f"{resource}/versions/{v.number}", version=v.number, commit=v.commit_id,
                     author_name=v.author.name, author_email=v.author.email, commit_time=timestamp(v.time),
                     message=v.message, operation=operation(v.operation), tags=list(v.tags),
                     current=v.current, deleted=v.deleted)
    if doc is not None:
        out.yaml, shown = document(doc.data, doc.text)
        out.object.CopyFrom(shown)
    return out


def commit(entry: LogEntry) -> pb.Commit:
    return pb.Commit(name=f"commits/{entry.commit_id}", id=entry.commit_id, author_name=entry.author.name,
                     author_email=entry.author.email, commit_time=timestamp(entry.time), message=entry.message,
                     operation=operation(entry.operation), request_id=entry.request_id,
                     resources=[p.removesuffix(".yaml") for p in entry.paths])


def tag(tag: TagInfo) -> pb.Tag:
    tagger = f"{tag.tagger.name} <{tag.tagger.email}>" if tag.tagger else ""
    return pb.Tag(name=f"tags/{tag.name}", commit=tag.commit_id, message=tag.message, tagger=tagger,
                  create_time=timestamp(tag.time))


def branch(branch: BranchInfo, updated: datetime) -> pb.Branch:
    return pb.Branch(name=f"branches/{branch.name}", head=branch.head, ahead=branch.ahead, behind=branch.behind,
                     update_time=timestamp(updated))


def applied(a: Applied) -> pb.AppliedResource:
    return pb.AppliedResource(name=a.name, action=a.action, version=a.version, etag=a.etag, diff=document_diff(a.diff),
                              error=a.error, outcome=_outcome(pb.ApplyOutcome, "APPLY_OUTCOME", a.action),
                              error_status=_error_status(a.failure))


def apply_response(result: ApplyResult) -> pb.ApplyManifestResponse:
    return pb.ApplyManifestResponse(commit=result.commit, dry_run=result.dry_run, branch=f"branches/{result.branch}",
                                    resources=[applied(a) for a in result.resources])


def drift(d: Drift) -> pb.DriftedResource:
    return pb.DriftedResource(name=str(d.name), drift_type=_DRIFT[d.kind], diff=document_diff(d.diff))


def backup(info: BackupInfo) -> pb.Backup:
    m = info.manifest
    return pb.Backup(name=f"backups/{m.backup_id}", clusters=info.clusters,
                     base_backup=f"backups/{m.base}" if m.base else "", refs=m.refs, size_bytes=m.size,
                     sha256=m.sha256, create_time=timestamp(m.created), created_by=info.created_by,
                     description=info.description, object_count=m.object_count)
