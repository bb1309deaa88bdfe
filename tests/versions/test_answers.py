"""Answers that say what happened: branch names come back as resource names, and a dry-run merge
reports what the real merge then does."""

from __future__ import annotations

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
