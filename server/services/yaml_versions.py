"""YamlVersionsService: requests in, domain calls (server.versions), responses out."""

from __future__ import annotations

from datetime import datetime, timezone

import grpc
from google.protobuf import empty_pb2
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.rpc import status_pb2

from gitstore import BranchInfo, Document, LogEntry, TagInfo, Version
from kubecommit.v1 import yaml_versions_pb2 as pb, yaml_versions_pb2_grpc
from server import context as call_context
from server.messages import document, document_diff, status_message, timestamp, value
from server.errors import FailedPrecondition, KubecommitError
from server.runtime import Runtime
from server.services import labels
from server.versions.apply import Applied, Writer
from server.versions.backups import BackupInfo, Backups
from server.versions.drift import ADDED, DELETED, MODIFIED, Drift, detect, import_drift
from server.versions.history import History
from server.versions.merge import Merged, apply_branch_state, merge_branch

_DRIFT = {MODIFIED: pb.DRIFT_TYPE_MODIFIED, ADDED: pb.DRIFT_TYPE_ADDED, DELETED: pb.DRIFT_TYPE_DELETED}


def _operation(name: str) -> int:
    return pb.Operation.Value(f"OPERATION_{name.upper()}") if name else pb.OPERATION_UNSPECIFIED


def _outcome(enum: EnumTypeWrapper, prefix: str, text: str) -> int:
    """A free-text result as the enum beside it: `would-apply` -> MERGE_OUTCOME_WOULD_APPLY."""
    return enum.Value(f"{prefix}_{text.upper().replace('-', '_')}")


def _error_status(failure: KubecommitError | None) -> status_pb2.Status | None:
    return status_message(failure, call_context.current().request_id) if failure else None


def _merged(resources: list[Merged]) -> list[pb.MergedResource]:
    return [pb.MergedResource(name=r.name, diff=document_diff(r.diff), result=r.result, error=r.error,
                              outcome=_outcome(pb.MergeOutcome, "MERGE_OUTCOME", r.result), error_status=_error_status(r.failure))
            for r in resources]


def _version(resource: str, v: Version, doc: Document | None = None) -> pb.Version:
    out = pb.Version(name=f"{resource}/versions/{v.number}", version=v.number, commit=v.commit_id,
                     author_name=v.author.name, author_email=v.author.email, commit_time=timestamp(v.time),
                     message=v.message, operation=_operation(v.operation), tags=list(v.tags),
                     current=v.current, deleted=v.deleted)
    if doc is not None:
        out.yaml, shown = document(doc.data, doc.text)
        out.object.CopyFrom(shown)
    return out


def _commit(entry: LogEntry) -> pb.Commit:
    return pb.Commit(name=f"commits/{entry.commit_id}", id=entry.commit_id, author_name=entry.author.name,
                     author_email=entry.author.email, commit_time=timestamp(entry.time), message=entry.message,
                     operation=_operation(entry.operation), request_id=entry.request_id,
                     resources=[p.removesuffix(".yaml") for p in entry.paths])


def _tag(tag: TagInfo) -> pb.Tag:
    tagger = f"{tag.tagger.name} <{tag.tagger.email}>" if tag.tagger else ""
    return pb.Tag(name=f"tags/{tag.name}", commit=tag.commit_id, message=tag.message, tagger=tagger,
                  create_time=timestamp(tag.time))


def _branch(branch: BranchInfo, updated: datetime) -> pb.Branch:
    return pb.Branch(name=f"branches/{branch.name}", head=branch.head, ahead=branch.ahead, behind=branch.behind,
                     update_time=timestamp(updated))


def _applied(a: Applied) -> pb.AppliedResource:
    return pb.AppliedResource(name=a.name, action=a.action, version=a.version, etag=a.etag, diff=document_diff(a.diff),
                              error=a.error, outcome=_outcome(pb.ApplyOutcome, "APPLY_OUTCOME", a.action),
                              error_status=_error_status(a.failure))


def _drift(d: Drift) -> pb.DriftedResource:
    return pb.DriftedResource(name=str(d.name), drift_type=_DRIFT[d.kind], diff=document_diff(d.diff))


def _backup(info: BackupInfo) -> pb.Backup:
    m = info.manifest
    return pb.Backup(name=f"backups/{m.backup_id}", clusters=info.clusters,
                     base_backup=f"backups/{m.base}" if m.base else "", refs=m.refs, size_bytes=m.size,
                     sha256=m.sha256, create_time=timestamp(m.created), created_by=info.created_by,
                     description=info.description)


class YamlVersionsServicer(yaml_versions_pb2_grpc.YamlVersionsServiceServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.writer = Writer(runtime, admission=labels.enforcer(runtime))
        self.history = History(runtime)
        self.backups = Backups(runtime.store, runtime.settings.data_dir / "backups")

    async def ApplyManifest(self, request: pb.ApplyManifestRequest, context: grpc.aio.ServicerContext
                            ) -> pb.ApplyManifestResponse:
        result = await self.writer.apply_manifest(
            cluster=request.cluster, manifest=request.manifest, message=request.message, branch=request.branch,
            dry_run=request.dry_run, force=request.force, etags=dict(request.etags), namespace=request.namespace)
        return pb.ApplyManifestResponse(commit=result.commit, dry_run=result.dry_run,
                                        branch=f"branches/{result.branch}",
                                        resources=[_applied(a) for a in result.resources])

    async def DeleteResource(self, request: pb.DeleteResourceRequest, context: grpc.aio.ServicerContext
                             ) -> pb.DeleteResourceResponse:
        commit = await self.writer.delete_resource(name=request.name, message=request.message, etag=request.etag,
                                                   dry_run=request.dry_run, branch=request.branch)
        return pb.DeleteResourceResponse(commit=commit, dry_run=request.dry_run)

    async def ListVersions(self, request: pb.ListVersionsRequest, context: grpc.aio.ServicerContext
                           ) -> pb.ListVersionsResponse:
        rn, versions, token, total = await self.history.list_versions(
            request.parent, request.branch, request.page_size, request.page_token)
        return pb.ListVersionsResponse(versions=[_version(str(rn), v) for v in versions], next_page_token=token,
                                       total_size=total)

    async def GetVersion(self, request: pb.GetVersionRequest, context: grpc.aio.ServicerContext) -> pb.Version:
        rn, doc = await self.history.get_version(request.name)
        assert doc.version is not None
        return _version(str(rn), doc.version, doc)

    async def DiffVersions(self, request: pb.DiffVersionsRequest, context: grpc.aio.ServicerContext
                           ) -> pb.DiffVersionsResponse:
        diff, old, new = await self.history.diff(request.name, getattr(request, "from"), request.to)
        return pb.DiffVersionsResponse(diff=document_diff(diff), from_revision=old, to_revision=new)

    async def RollbackResource(self, request: pb.RollbackResourceRequest, context: grpc.aio.ServicerContext
                               ) -> pb.RollbackResourceResponse:
        commit, diff, verdict, version = await self.writer.rollback(
            name=request.name, target=request.target, reason=request.reason, dry_run=request.dry_run,
            etag=request.etag)
        return pb.RollbackResourceResponse(commit=commit, diff=document_diff(diff), dry_run=request.dry_run,
                                           dry_run_error=verdict, version=version)

    async def CreateTag(self, request: pb.CreateTagRequest, context: grpc.aio.ServicerContext) -> pb.Tag:
        return _tag(await self.history.create_tag(request.tag_id, request.target, request.tag.message))

    async def ListTags(self, request: pb.ListTagsRequest, context: grpc.aio.ServicerContext) -> pb.ListTagsResponse:
        tags, token = await self.history.list_tags(request.page_size, request.page_token)
        return pb.ListTagsResponse(tags=[_tag(t) for t in tags], next_page_token=token)

    async def DeleteTag(self, request: pb.DeleteTagRequest, context: grpc.aio.ServicerContext) -> empty_pb2.Empty:
        await self.history.delete_tag(request.name)
        return empty_pb2.Empty()

    async def CreateBranch(self, request: pb.CreateBranchRequest, context: grpc.aio.ServicerContext) -> pb.Branch:
        return _branch(*await self.history.create_branch(request.branch_id, getattr(request, "from")))

    async def ListBranches(self, request: pb.ListBranchesRequest, context: grpc.aio.ServicerContext
                           ) -> pb.ListBranchesResponse:
        branches, token = await self.history.list_branches(request.page_size, request.page_token)
        return pb.ListBranchesResponse(branches=[_branch(*b) for b in branches], next_page_token=token)

    async def DeleteBranch(self, request: pb.DeleteBranchRequest, context: grpc.aio.ServicerContext
                           ) -> empty_pb2.Empty:
        await self.history.delete_branch(request.name)
        return empty_pb2.Empty()

    async def MergeBranch(self, request: pb.MergeBranchRequest, context: grpc.aio.ServicerContext
                          ) -> pb.MergeBranchResponse:
        result = await merge_branch(self.writer, source=request.source, target=request.target,
                                    message=request.message, dry_run=request.dry_run)
        conflicts = [pb.MergeConflict(resource=c.path.removesuffix(".yaml"), path=c.field,
                                      base=None if c.redacted else value(c.base),
                                      ours=None if c.redacted else value(c.ours),
                                      theirs=None if c.redacted else value(c.theirs))
                     for c in result.conflicts]
        return pb.MergeBranchResponse(
            commit=result.commit, fast_forward=result.fast_forward, dry_run=result.dry_run, conflicts=conflicts,
            resources=_merged(result.resources))

    async def DetectDrift(self, request: pb.DetectDriftRequest, context: grpc.aio.ServicerContext
                          ) -> pb.DetectDriftResponse:
        drifts, checked = await detect(self.writer, request.cluster, request.namespace, request.resource_type)
        return pb.DetectDriftResponse(resources=[_drift(d) for d in drifts], checked=checked)

    async def ImportDrift(self, request: pb.ImportDriftRequest, context: grpc.aio.ServicerContext
                          ) -> pb.ImportDriftResponse:
        commit, imported = await import_drift(self.writer, cluster=request.cluster, names=list(request.names),
                                              message=request.message, namespace=request.namespace,
                                              resource_type=request.resource_type)
        return pb.ImportDriftResponse(commit=commit, imported=[_drift(d) for d in imported])

    async def ListCommits(self, request: pb.ListCommitsRequest, context: grpc.aio.ServicerContext
                          ) -> pb.ListCommitsResponse:
        operation = pb.Operation.Name(request.operation).removeprefix("OPERATION_").lower() \
            if request.operation else None
        entries, token = await self.history.log(
            branch=request.branch, prefix=request.prefix, author=request.author,
            since=request.start_time.ToDatetime(tzinfo=timezone.utc) if request.HasField("start_time") else None,
            until=request.end_time.ToDatetime(tzinfo=timezone.utc) if request.HasField("end_time") else None,
            operation=operation, size=request.page_size, token=request.page_token)
        return pb.ListCommitsResponse(commits=[_commit(e) for e in entries], next_page_token=token)

    async def CreateBackup(self, request: pb.CreateBackupRequest, context: grpc.aio.ServicerContext) -> pb.Backup:
        return _backup(await self.backups.create(
            backup=request.backup_id, clusters=list(request.backup.clusters), base=request.backup.base_backup,
            description=request.backup.description))

    async def ListBackups(self, request: pb.ListBackupsRequest, context: grpc.aio.ServicerContext
                          ) -> pb.ListBackupsResponse:
        backups, token = await self.backups.list(request.page_size, request.page_token)
        return pb.ListBackupsResponse(backups=[_backup(b) for b in backups], next_page_token=token)

    async def VerifyBackup(self, request: pb.VerifyBackupRequest, context: grpc.aio.ServicerContext
                           ) -> pb.VerifyBackupResponse:
        valid, error, count = await self.backups.verify(request.name)
        return pb.VerifyBackupResponse(valid=valid, error=error, commit_count=count)

    async def RestoreBackup(self, request: pb.RestoreBackupRequest, context: grpc.aio.ServicerContext
                            ) -> pb.RestoreBackupResponse:
        branches = await self.backups.restore(request.name, request.branch_prefix)
        response = pb.RestoreBackupResponse(branches=branches, dry_run=request.dry_run and request.apply)
        if request.apply:
            if "refs/heads/main" not in branches:
                raise FailedPrecondition(f"{request.name} holds no main branch to apply", "NOTHING_TO_APPLY")
            result = await apply_branch_state(
                self.writer, source=branches["refs/heads/main"].removeprefix("branches/"), prefix=request.prefix,
                message=f"Apply {request.name}" + (f" under {request.prefix}" if request.prefix else ""),
                dry_run=request.dry_run)
            response.commit = result.commit
            response.resources.extend(_merged(result.resources))
        return response

    async def DeleteBackup(self, request: pb.DeleteBackupRequest, context: grpc.aio.ServicerContext
                           ) -> empty_pb2.Empty:
        await self.backups.delete(request.name)
        return empty_pb2.Empty()


def register(runtime: Runtime, server: grpc.aio.Server) -> None:
    yaml_versions_pb2_grpc.add_YamlVersionsServiceServicer_to_server(YamlVersionsServicer(runtime), server)
