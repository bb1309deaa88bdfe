"""YamlVersionsService: requests in, domain calls (server.versions), responses out."""

from __future__ import annotations

from datetime import timezone
from typing import AsyncIterator, Awaitable

import grpc
from google.protobuf import empty_pb2
from google.protobuf.message import Message

from kubecommit.v1 import common_pb2, yaml_versions_pb2 as pb, yaml_versions_pb2_grpc
from server.messages import document_diff, value
from server.errors import FailedPrecondition, InvalidArgument
from server.runtime import Runtime
from server.versions import Versions, convert
from server.versions.backups import Progress, ProgressFeed, Step, no_progress
from server.versions.drift import detect, import_drift
from server.versions.merge import apply_branch_state, merge_branch

# StreamBackupOperation: the operation asked for -> the field of its answer.
_ANSWERS = {"create": "created", "verify": "verified", "restore": "restored"}

class YamlVersionsServicer(yaml_versions_pb2_grpc.YamlVersionsServiceServicer):
    def __init__(self, domain: Versions) -> None:
        self.writer = domain.writer
        self.history = domain.history
        self.backups = domain.backups

    async def ApplyManifest(self, request: pb.ApplyManifestRequest, context: grpc.aio.ServicerContext
                            ) -> pb.ApplyManifestResponse:
        result = await self.writer.apply_manifest(
            cluster=request.cluster, manifest=request.manifest, message=request.message, branch=request.branch,
            dry_run=request.dry_run, force=request.force, etags=dict(request.etags), namespace=request.namespace)
        return convert.apply_response(result)

    async def DeleteResource(self, request: pb.DeleteResourceRequest, context: grpc.aio.ServicerContext
                             ) -> pb.DeleteResourceResponse:
        commit = await self.writer.delete_resource(name=request.name, message=request.message, etag=request.etag,
                                                   dry_run=request.dry_run, branch=request.branch)
        return pb.DeleteResourceResponse(commit=commit, dry_run=request.dry_run)

    async def ListVersions(self, request: pb.ListVersionsRequest, context: grpc.aio.ServicerContext
                           ) -> pb.ListVersionsResponse:
        rn, versions, token, total = await self.history.list_versions(
            request.parent, request.branch, request.page_size, request.page_token)
        return pb.ListVersionsResponse(versions=[convert.version(str(rn), v) for v in versions], next_page_token=token,
                                       total_size=total)

    async def GetVersion(self, request: pb.GetVersionRequest, context: grpc.aio.ServicerContext) -> pb.Version:
        rn, doc = await self.history.get_version(request.name)
        assert doc.version is not None
        return convert.version(str(rn), doc.version, doc)

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
        return convert.tag(await self.history.create_tag(request.tag_id, request.target, request.tag.message))

    async def ListTags(self, request: pb.ListTagsRequest, context: grpc.aio.ServicerContext) -> pb.ListTagsResponse:
        tags, token = await self.history.list_tags(request.page_size, request.page_token)
        return pb.ListTagsResponse(tags=[convert.tag(t) for t in tags], next_page_token=token)

    async def DeleteTag(self, request: pb.DeleteTagRequest, context: grpc.aio.ServicerContext) -> empty_pb2.Empty:
        await self.history.delete_tag(request.name)
        return empty_pb2.Empty()

    async def CreateBranch(self, request: pb.CreateBranchRequest, context: grpc.aio.ServicerContext) -> pb.Branch:
        return convert.branch(*await self.history.create_branch(request.branch_id, getattr(request, "from")))

    async def ListBranches(self, request: pb.ListBranchesRequest, context: grpc.aio.ServicerContext
                           ) -> pb.ListBranchesResponse:
        branches, token = await self.history.list_branches(request.page_size, request.page_token)
        return pb.ListBranchesResponse(branches=[convert.branch(*b) for b in branches], next_page_token=token)

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
            resources=convert.merged(result.resources))

    async def DetectDrift(self, request: pb.DetectDriftRequest, context: grpc.aio.ServicerContext
                          ) -> pb.DetectDriftResponse:
        drifts, checked = await detect(self.writer, request.cluster, request.namespace, request.resource_type)
        return pb.DetectDriftResponse(resources=[convert.drift(d) for d in drifts], checked=checked)

    async def ImportDrift(self, request: pb.ImportDriftRequest, context: grpc.aio.ServicerContext
                          ) -> pb.ImportDriftResponse:
        commit, imported = await import_drift(self.writer, cluster=request.cluster, names=list(request.names),
                                              message=request.message, namespace=request.namespace,
                                              resource_type=request.resource_type)
        return pb.ImportDriftResponse(commit=commit, imported=[convert.drift(d) for d in imported])

    async def ListCommits(self, request: pb.ListCommitsRequest, context: grpc.aio.ServicerContext
                          ) -> pb.ListCommitsResponse:
        operation = pb.Operation.Name(request.operation).removeprefix("OPERATION_").lower() \
            if request.operation else None
        entries, token = await self.history.log(
            branch=request.branch, prefix=request.prefix, author=request.author,
            since=request.start_time.ToDatetime(tzinfo=timezone.utc) if request.HasField("start_time") else None,
            until=request.end_time.ToDatetime(tzinfo=timezone.utc) if request.HasField("end_time") else None,
            operation=operation, size=request.page_size, token=request.page_token)
        return pb.ListCommitsResponse(commits=[convert.commit(e) for e in entries], next_page_token=token)

    async def CreateBackup(self, request: pb.CreateBackupRequest, context: grpc.aio.ServicerContext) -> pb.Backup:
        return await self._create_backup(request)

    async def _create_backup(self, request: pb.CreateBackupRequest, progress: Progress = no_progress) -> pb.Backup:
        return convert.backup(await self.backups.create(
            backup=request.backup_id, clusters=list(request.backup.clusters), base=request.backup.base_backup,
            description=request.backup.description, progress=progress))

    async def ListBackups(self, request: pb.ListBackupsRequest, context: grpc.aio.ServicerContext
                          ) -> pb.ListBackupsResponse:
        backups, token = await self.backups.list(request.page_size, request.page_token)
        return pb.ListBackupsResponse(backups=[convert.backup(b) for b in backups], next_page_token=token)

    async def VerifyBackup(self, request: pb.VerifyBackupRequest, context: grpc.aio.ServicerContext
                           ) -> pb.VerifyBackupResponse:
        return await self._verify_backup(request)

    async def _verify_backup(self, request: pb.VerifyBackupRequest, progress: Progress = no_progress
                             ) -> pb.VerifyBackupResponse:
        valid, error, count = await self.backups.verify(request.name, progress)
        return pb.VerifyBackupResponse(valid=valid, error=error, commit_count=count)

    async def RestoreBackup(self, request: pb.RestoreBackupRequest, context: grpc.aio.ServicerContext
                            ) -> pb.RestoreBackupResponse:
        return await self._restore_backup(request)

    async def _restore_backup(self, request: pb.RestoreBackupRequest, progress: Progress = no_progress
                              ) -> pb.RestoreBackupResponse:
        branches = await self.backups.restore(request.name, request.branch_prefix, progress)
        response = pb.RestoreBackupResponse(branches=branches, dry_run=request.dry_run and request.apply)
        if request.apply:
            if "refs/heads/main" not in branches:
                raise FailedPrecondition(f"{request.name} holds no main branch to apply", "NOTHING_TO_APPLY")
            progress("apply", 0, 0)
            result = await apply_branch_state(
                self.writer, source=branches["refs/heads/main"].removeprefix("branches/"), prefix=request.prefix,
                message=f"Apply {request.name}" + (f" under {request.prefix}" if request.prefix else ""),
                dry_run=request.dry_run)
            response.commit = result.commit
            response.resources.extend(convert.merged(result.resources))
        return response

    async def StreamBackupOperation(self, request: pb.StreamBackupOperationRequest, context: grpc.aio.ServicerContext
                                    ) -> AsyncIterator[pb.StreamBackupOperationResponse]:
        feed = ProgressFeed()
        operation = request.WhichOneof("operation")
        if operation == "create":
            work: Awaitable[Message] = self._create_backup(request.create, feed.report)
        elif operation == "verify":
            work = self._verify_backup(request.verify, feed.report)
        elif operation == "restore":
            work = self._restore_backup(request.restore, feed.report)
        else:
            raise InvalidArgument.field("operation", "one of create, verify or restore is required")
        async for event in feed.follow(work):
            if isinstance(event, Step):
                yield pb.StreamBackupOperationResponse(progress=common_pb2.Progress(
                    stage=event.stage, done=event.done, total=event.total))
            else:
                yield pb.StreamBackupOperationResponse(**{_ANSWERS[operation]: event})

    async def DeleteBackup(self, request: pb.DeleteBackupRequest, context: grpc.aio.ServicerContext
                           ) -> empty_pb2.Empty:
        await self.backups.delete(request.name)
        return empty_pb2.Empty()


def register(runtime: Runtime, server: grpc.aio.Server) -> None:
    yaml_versions_pb2_grpc.add_YamlVersionsServiceServicer_to_server(YamlVersionsServicer(runtime.domains.versions), server)
