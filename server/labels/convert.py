"""LabelsService's one converter: requests -> domain values, domain values -> messages. Live
objects leave the server here, through server.messages.document (Secret values redacted)."""

from __future__ import annotations

from kubecommit.v1 import common_pb2
from kubecommit.v1 import labels_pb2 as pb

from server import context
from server.errors import InvalidArgument
from server.labels.model import (
    ANNOTATION,
    BatchRequest,
    BatchResult,
    Change,
    Found,
    HistoryEntry,
    KeyChange,
    LabelSet,
    Patch,
    Scope,
    Selection,
    UpdateResult,
    UpdateStatus,
)
from server.messages import document, status_message, timestamp
from server.names import cluster_name

_CHANGE = {Change.ADDED: common_pb2.CHANGE_TYPE_ADDED, Change.MODIFIED: common_pb2.CHANGE_TYPE_MODIFIED,
           Change.REMOVED: common_pb2.CHANGE_TYPE_DELETED}
_STATUS = {UpdateStatus.UPDATED: pb.LABEL_UPDATE_STATUS_UPDATED, UpdateStatus.UNCHANGED: pb.LABEL_UPDATE_STATUS_UNCHANGED,
           UpdateStatus.CONFLICT: pb.LABEL_UPDATE_STATUS_CONFLICT, UpdateStatus.FAILED: pb.LABEL_UPDATE_STATUS_FAILED}


def update_patch(request: pb.UpdateLabelsRequest) -> Patch:
    """UpdateLabels' fields as a patch: an `update_mask` naming `labels`/`annotations` makes the
    given map replace the whole map."""
    paths = set(request.update_mask.paths) if request.HasField("update_mask") else set()
    unknown = paths - {"labels", "annotations"}
    if unknown:
        raise InvalidArgument.field("update_mask", f"only labels and annotations can be updated, not {sorted(unknown)}")
    return Patch(set_labels=dict(request.labels.labels), remove_labels=tuple(request.remove_labels),
                 set_annotations=dict(request.labels.annotations), remove_annotations=tuple(request.remove_annotations),
                 replace_labels="labels" in paths, replace_annotations="annotations" in paths)


def batch_request(request: pb.BatchUpdateLabelsRequest) -> BatchRequest:
    p = request.patch
    return BatchRequest(
        parent=request.parent, names=tuple(request.names), label_selector=request.label_selector,
        resource_types=tuple(request.resource_types), namespaces=tuple(request.namespaces),
        clusters=tuple(request.clusters), overwrite=request.overwrite, etags=dict(request.etags),
        validate_only=request.validate_only, message=request.message, max_resources=request.max_resources,
        branch=request.branch,
        patch=Patch(set_labels=dict(p.set_labels), remove_labels=tuple(p.remove_labels),
                    set_annotations=dict(p.set_annotations), remove_annotations=tuple(p.remove_annotations)))


def select_scope(request: pb.SelectResourcesRequest) -> Scope:
    return Scope(request.parent, tuple(request.resource_types), tuple(request.namespaces), tuple(request.clusters))


def key_change(change: KeyChange) -> pb.LabelKeyChange:
    return pb.LabelKeyChange(
        key_type=pb.LABEL_KEY_TYPE_ANNOTATION if change.key_type == ANNOTATION else pb.LABEL_KEY_TYPE_LABEL,
        key=change.key, change_type=_CHANGE[change.change], old_value=change.old, new_value=change.new)


def labels(value: LabelSet) -> pb.Labels:
    return pb.Labels(name=f"{value.name}/labels", labels=value.labels, annotations=value.annotations,
                     etag=value.etag, commit=value.commit, changes=[key_change(c) for c in value.changes])


def _result(result: UpdateResult) -> pb.LabelUpdateResult:
    out = pb.LabelUpdateResult(name=result.name, status=_STATUS[result.status], etag=result.etag,
                               changes=[key_change(c) for c in result.changes])
    if result.error is not None:
        out.error.CopyFrom(status_message(result.error, context.current().request_id))
    return out


def batch_response(result: BatchResult) -> pb.BatchUpdateLabelsResponse:
    commits = dict(result.commits)
    return pb.BatchUpdateLabelsResponse(
        results=[_result(r) for r in result.results], validate_only=result.validate_only,
        commit=next(iter(commits.values())) if len(commits) == 1 else "", commits=commits,
        updated_count=sum(r.status is UpdateStatus.UPDATED for r in result.results),
        failed_count=sum(r.status in (UpdateStatus.FAILED, UpdateStatus.CONFLICT) for r in result.results),
        unreachable=result.unreachable, branch=result.branch)


def found(item: Found, include_object: bool) -> common_pb2.KubernetesObject:
    out = common_pb2.KubernetesObject(
        name=str(item.name), cluster=cluster_name(item.name.cluster), api_version=item.api_version, kind=item.kind,
        namespace=item.name.namespace, object_name=item.name.name, etag=item.etag, labels=item.labels)
    created = item.metadata.get("creationTimestamp")
    if created:
        out.create_time.FromJsonString(str(created))
    if include_object:
        out.yaml, shown = document(item.obj)
        out.object.CopyFrom(shown)
    return out


def selection(value: Selection, include_object: bool) -> pb.SelectResourcesResponse:
    return pb.SelectResourcesResponse(resources=[found(f, include_object) for f in value.found],
                                      next_page_token=value.next_page_token, unreachable=value.unreachable)


def history(entries: list[HistoryEntry], token: str) -> pb.ListLabelHistoryResponse:
    return pb.ListLabelHistoryResponse(next_page_token=token, entries=[pb.LabelHistoryEntry(
        version=e.version, commit=e.commit, author_name=e.author.name, author_email=e.author.email,
        commit_time=timestamp(e.time), message=e.message, changes=[key_change(c) for c in e.changes],
        labels=e.labels) for e in entries])
