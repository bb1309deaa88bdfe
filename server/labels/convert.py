"""LabelsService's one converter: requests -> domain values, domain values -> messages. Live
objects leave the server here, through server.messages.document (Secret values redacted)."""

from __future__ import annotations

from kubecommit.v1 import common_pb2
from kubecommit.v1 import labels_pb2 as pb

from server import context
from server.errors import InvalidArgument
from server.labels.compliance import Report
from server.labels.inventory import KeyUsage, Similar
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
from server.labels.policies import Enforcement, Policy, Reason, Violation, policy_id
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


# -- policies, compliance, keys --------------------------------------------------------------

_ENFORCEMENT = {Enforcement.AUDIT: pb.LABEL_POLICY_ENFORCEMENT_AUDIT, Enforcement.ENFORCE: pb.LABEL_POLICY_ENFORCEMENT_ENFORCE,
                Enforcement.DISABLED: pb.LABEL_POLICY_ENFORCEMENT_DISABLED}
_FROM_ENFORCEMENT = {v: k for k, v in _ENFORCEMENT.items()}
_REASON = {Reason.MISSING_REQUIRED_KEY: pb.LABEL_VIOLATION_REASON_MISSING_REQUIRED_KEY,
           Reason.FORBIDDEN_KEY: pb.LABEL_VIOLATION_REASON_FORBIDDEN_KEY,
           Reason.VALUE_MISMATCH: pb.LABEL_VIOLATION_REASON_VALUE_MISMATCH}


def policy_value(message: pb.LabelPolicy, policy_id: str) -> Policy:
    """A LabelPolicy message as the domain's Policy (UNSPECIFIED enforcement means AUDIT)."""
    return Policy(
        id=policy_id, display_name=message.display_name, description=message.description,
        required_keys=list(message.required_keys), forbidden_keys=list(message.forbidden_keys),
        value_patterns=dict(message.value_patterns),
        allowed_values={k: list(v.values) for k, v in message.allowed_values.items()},
        default_values=dict(message.default_values), kinds=list(message.kinds), namespaces=list(message.namespaces),
        clusters=list(message.clusters), namespace_selector=message.namespace_selector,
        exemptions=list(message.exemptions), enforcement=_FROM_ENFORCEMENT.get(message.enforcement, Enforcement.AUDIT),
        etag=message.etag)


def policy_id_of(name: str) -> str:
    return policy_id(name, "label_policy.name")


def policy(value: Policy) -> pb.LabelPolicy:
    return pb.LabelPolicy(
        name=value.name, display_name=value.display_name, description=value.description,
        required_keys=value.required_keys, forbidden_keys=value.forbidden_keys, value_patterns=value.value_patterns,
        allowed_values={k: pb.LabelValues(values=v) for k, v in value.allowed_values.items()},
        default_values=value.default_values, kinds=value.kinds, namespaces=value.namespaces, clusters=value.clusters,
        namespace_selector=value.namespace_selector, exemptions=value.exemptions,
        enforcement=_ENFORCEMENT[value.enforcement], etag=value.etag, created_by=value.created_by,
        create_time=timestamp(value.create_time), update_time=timestamp(value.update_time), version=value.version,
        updated_by=value.updated_by, built_in=value.built_in, commit=value.commit)


def _patch(value: Patch) -> pb.LabelPatch:
    return pb.LabelPatch(set_labels=value.set_labels, remove_labels=value.remove_labels)


def violation(value: Violation) -> pb.LabelViolation:
    out = pb.LabelViolation(resource=value.resource, policy=value.policy, key=value.key, reason=_REASON[value.reason],
                            value=value.value, message=value.message, enforcement=_ENFORCEMENT[value.enforcement])
    if value.fix is not None:
        out.fix.CopyFrom(_patch(value.fix))
    return out


def _percent(compliant: int, checked: int) -> float:
    return 100.0 if not checked else compliant * 100.0 / checked


def compliance(report: Report) -> pb.CheckLabelComplianceResponse:
    return pb.CheckLabelComplianceResponse(
        violations=[violation(v) for v in report.violations], checked_count=report.checked,
        compliant_count=report.compliant, compliance_percent=_percent(report.compliant, report.checked),
        violations_truncated=report.truncated, unreachable=report.unreachable,
        policies=[pb.LabelPolicyCompliance(policy=p.policy, checked_count=p.checked, compliant_count=p.compliant,
                                           compliance_percent=_percent(p.compliant, p.checked),
                                           violation_count=p.violations) for p in report.policies])


def compliance_scope(request: pb.CheckLabelComplianceRequest | pb.FixLabelComplianceRequest) -> Scope:
    return Scope(request.parent, tuple(request.resource_types), tuple(request.namespaces), tuple(request.clusters))


def keys_scope(request: pb.ListLabelKeysRequest) -> Scope:
    return Scope(request.parent, tuple(request.resource_types), tuple(request.namespaces), tuple(request.clusters))


def keys(page: list[KeyUsage], token: str, groups: list[Similar], unreachable: dict[str, str]
         ) -> pb.ListLabelKeysResponse:
    return pb.ListLabelKeysResponse(
        keys=[pb.LabelKeyUsage(key=u.key, count=u.count,
                               values=[pb.LabelValueCount(value=v, count=n) for v, n in u.values]) for u in page],
        next_page_token=token, unreachable=unreachable,
        similar=[pb.SimilarLabelKeys(keys=g.keys, reason=g.reason) for g in groups])
