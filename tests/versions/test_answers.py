"""Answers that say what happened: branch names come back as resource names, and a dry-run merge
reports what the real merge then does."""

from __future__ import annotations

import uuid

import grpc
from google.rpc import error_details_pb2

from kubecommit.v1 import yaml_versions_pb2 as pb, yaml_versions_pb2_grpc
from tests.versions.conftest import CLUSTER, deployment


def test_apply_answers_with_the_branch_resource_name(
        versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub, namespace: str) -> None:
    branch = f"names-{namespace}"
    versions.CreateBranch(pb.CreateBranchRequest(branch_id=branch))
    for given, answered in [(branch, f"branches/{branch}"), (f"branches/{branch}", f"branches/{branch}"),
                            ("", "branches/main"), ("main", "branches/main")]:
        reply = versions.ApplyManifest(pb.ApplyManifestRequest(
            cluster=CLUSTER, manifest=deployment("api", namespace), branch=given, dry_run=True))
        assert reply.branch == answered, given


def test_dry_run_merge_into_main_reports_what_the_merge_does(
        versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub, namespace: str) -> None:
    # A branch ahead of an unchanged main: the store alone could fast-forward, but a merge into
    # main applies to the clusters and commits a merge commit.
    branch = f"ff-{namespace}"
    versions.CreateBranch(pb.CreateBranchRequest(branch_id=branch))
    versions.ApplyManifest(pb.ApplyManifestRequest(
        cluster=CLUSTER, manifest=deployment("api", namespace), branch=branch, message="draft"))
    dry = versions.MergeBranch(pb.MergeBranchRequest(source=f"branches/{branch}", dry_run=True))
    merged = versions.MergeBranch(pb.MergeBranchRequest(source=f"branches/{branch}", message="ship"))
    assert merged.commit
    assert dry.fast_forward == merged.fast_forward is False
    head = versions.ListCommits(pb.ListCommitsRequest(branch="main", prefix=f"{CLUSTER}/namespaces/{namespace}"))
    assert head.commits[0].id == merged.commit and head.commits[0].operation == pb.OPERATION_MERGE


def _bad_deployment(namespace: str) -> str:
    """A Deployment every cluster refuses (negative replicas)."""
    return deployment("broken", namespace).replace("replicas: 1", "replicas: -1")


def test_each_applied_document_has_an_outcome_and_a_status_when_it_failed(
        versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub) -> None:
    # Objects in a namespace the manifest creates skip the dry run (docs/versions.md), so the
    # cluster refuses the bad one while applying: the namespace stays, the last one is skipped.
    namespace = f"outcome-{uuid.uuid4().hex[:8]}"
    manifest = (f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {namespace}\n---\n"
                + _bad_deployment(namespace)
                + f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: later, namespace: {namespace}}}\n")
    reply = versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=manifest))
    assert [(r.action, r.outcome) for r in reply.resources] == [
        ("created", pb.APPLY_OUTCOME_CREATED), ("failed", pb.APPLY_OUTCOME_FAILED),
        ("skipped", pb.APPLY_OUTCOME_SKIPPED)]
    created, failed, skipped = reply.resources
    assert not created.HasField("error_status") and not skipped.HasField("error_status")
    assert failed.error_status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert failed.error_status.message == failed.error
    info = error_details_pb2.ErrorInfo()
    assert failed.error_status.details[0].Unpack(info) and info.metadata["request_id"]


def test_each_merged_resource_has_an_outcome_and_a_status_when_it_failed(
        versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub) -> None:
    # The draft's bad Deployment lives in a namespace the draft creates, so no dry run can check it
    # before the merge applies the namespace.
    namespace = f"merge-{uuid.uuid4().hex[:8]}"
    branch = f"bad-{namespace}"
    versions.CreateBranch(pb.CreateBranchRequest(branch_id=branch))
    versions.ApplyManifest(pb.ApplyManifestRequest(
        cluster=CLUSTER, manifest=f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {namespace}\n---\n"
        + _bad_deployment(namespace), branch=branch, message="draft"))
    merged = versions.MergeBranch(pb.MergeBranchRequest(source=f"branches/{branch}", message="ship"))
    outcomes = {r.name.rsplit("/", 1)[-1]: (r.result, r.outcome, r.error_status.code) for r in merged.resources}
    assert outcomes == {namespace: ("applied", pb.MERGE_OUTCOME_APPLIED, 0),
                        "broken": ("failed", pb.MERGE_OUTCOME_FAILED, grpc.StatusCode.INVALID_ARGUMENT.value[0])}
