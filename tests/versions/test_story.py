"""The issue's story through a real gRPC channel against kubesim: apply, change twice, list, diff,
roll back, tag, branch a draft, merge it, and the same story in plain `git log`."""

from __future__ import annotations

import json
import subprocess

import grpc
import pytest

from kubecommit.v1 import common_pb2, yaml_versions_pb2 as pb
from kubesim.testing import run_kubectl
from tests.support.status import details
from tests.versions.conftest import CLUSTER, deployment, resource


def live(kubeconfig, namespace: str, name: str) -> dict:
    out = run_kubectl(kubeconfig, "get", "deployment", name, "-n", namespace, "-o", "json")
    return json.loads(out.stdout)


def test_apply_history_rollback_tag_branch_merge(versions, namespace, kubeconfig, demo_server) -> None:
    name = resource(namespace, "api")
    first = versions.ApplyManifest(pb.ApplyManifestRequest(
        cluster=CLUSTER, manifest=deployment("api", namespace, "nginx:1.25"), message="deploy api"))
    assert [(r.name, r.action, r.version) for r in first.resources] == [(name, "created", 1)]
    assert first.commit and first.resources[0].etag  # the cluster's resourceVersion
    for image in ("nginx:1.26", "nginx:1.27"):
        versions.ApplyManifest(pb.ApplyManifestRequest(
            cluster=CLUSTER, manifest=deployment("api", namespace, image), message=f"bump to {image}"))
    assert live(kubeconfig, namespace, "api")["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"

    listed = versions.ListVersions(pb.ListVersionsRequest(parent=name))
    assert [v.version for v in listed.versions] == [3, 2, 1] and listed.total_size == 3
    assert [v.current for v in listed.versions] == [True, False, False]
    assert listed.versions[0].message == "bump to nginx:1.27"
    assert listed.versions[0].operation == pb.OPERATION_APPLY
    author = listed.versions[0].author_name
    assert author and author != "kubecommit"  # the caller, not the server

    paged = versions.ListVersions(pb.ListVersionsRequest(parent=name, page_size=2))
    rest = versions.ListVersions(pb.ListVersionsRequest(parent=name, page_size=2, page_token=paged.next_page_token))
    assert [v.version for v in paged.versions] == [3, 2] and [v.version for v in rest.versions] == [1]
    assert rest.total_size == 3 and not rest.next_page_token

    diff = versions.DiffVersions(pb.DiffVersionsRequest(name=name, **{"from": "1", "to": "3"})).diff
    changes = {c.path: c for c in diff.changes}
    image = changes["spec.template.spec.containers[name=web].image"]
    assert image.change_type == common_pb2.CHANGE_TYPE_MODIFIED
    assert (image.old_value.string_value, image.new_value.string_value) == ("nginx:1.25", "nginx:1.27")
    assert diff.summary.modified == 1 and "-        image: nginx:1.25" in diff.unified_diff.replace("  - ", "    ")

    got = versions.GetVersion(pb.GetVersionRequest(name=f"{name}/versions/1"))
    assert got.version == 1 and "nginx:1.25" in got.yaml
    assert got.object["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"

    preview = versions.RollbackResource(pb.RollbackResourceRequest(name=name, target="1", dry_run=True))
    assert preview.dry_run and not preview.commit and not preview.dry_run_error
    assert any(c.path.endswith("image") for c in preview.diff.changes)
    assert versions.ListVersions(pb.ListVersionsRequest(parent=name)).total_size == 3

    rolled = versions.RollbackResource(pb.RollbackResourceRequest(name=name, target="1", reason="1.27 crashes"))
    assert rolled.commit and rolled.version == 4
    assert live(kubeconfig, namespace, "api")["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    listed = versions.ListVersions(pb.ListVersionsRequest(parent=name))
    assert [v.version for v in listed.versions] == [4, 3, 2, 1]
    assert listed.versions[0].operation == pb.OPERATION_ROLLBACK
    assert "version 1" in listed.versions[0].message and "1.27 crashes" in listed.versions[0].message

    tag_id = f"{namespace}-good"
    tag = versions.CreateTag(pb.CreateTagRequest(tag_id=tag_id, target=f"{name}/versions/4",
                                                 tag=pb.Tag(message="known good")))
    assert tag.name == f"tags/{tag_id}" and tag.commit == rolled.commit and author in tag.tagger
    assert tag_id in [t.name.removeprefix("tags/") for t in versions.ListTags(pb.ListTagsRequest(page_size=1000)).tags]
    assert versions.GetVersion(pb.GetVersionRequest(name=f"{name}/versions/{tag_id}")).version == 4
    assert versions.ListVersions(pb.ListVersionsRequest(parent=name)).versions[0].tags == [tag_id]

    branch = f"draft-{namespace}"
    created = versions.CreateBranch(pb.CreateBranchRequest(branch_id=branch))
    assert created.name == f"branches/{branch}" and (created.ahead, created.behind) == (0, 0)
    draft = versions.ApplyManifest(pb.ApplyManifestRequest(
        cluster=CLUSTER, manifest=deployment("api", namespace, "nginx:1.25", replicas=3), message="scale to 3",
        branch=f"branches/{branch}"))
    assert draft.commit and draft.branch == f"branches/{branch}" and draft.resources[0].action == "configured"
    assert live(kubeconfig, namespace, "api")["spec"]["replicas"] == 1  # a draft touches no cluster
    assert versions.ListVersions(pb.ListVersionsRequest(parent=name)).total_size == 4
    assert versions.ListVersions(pb.ListVersionsRequest(parent=name, branch=branch)).total_size == 5
    listed_branch = {b.name: b for b in versions.ListBranches(pb.ListBranchesRequest(page_size=1000)).branches}
    assert listed_branch[f"branches/{branch}"].ahead == 1

    dry = versions.MergeBranch(pb.MergeBranchRequest(source=f"branches/{branch}", dry_run=True))
    assert [(r.name, r.result) for r in dry.resources] == [(name, "would-apply")]
    assert [c.path for c in dry.resources[0].diff.changes] == ["spec.replicas"], dry.resources[0].diff.unified_diff
    assert live(kubeconfig, namespace, "api")["spec"]["replicas"] == 1

    merged = versions.MergeBranch(pb.MergeBranchRequest(source=f"branches/{branch}", message="ship scale"))
    assert merged.commit and [(r.name, r.result) for r in merged.resources] == [(name, "applied")]
    assert live(kubeconfig, namespace, "api")["spec"]["replicas"] == 3
    listed = versions.ListVersions(pb.ListVersionsRequest(parent=name))
    assert listed.total_size == 5 and listed.versions[0].operation == pb.OPERATION_MERGE

    commits = versions.ListCommits(pb.ListCommitsRequest(prefix=name)).commits
    assert [c.operation for c in commits][:5] == [
        pb.OPERATION_MERGE, pb.OPERATION_ROLLBACK, pb.OPERATION_APPLY, pb.OPERATION_APPLY,
        pb.OPERATION_APPLY]
    rollbacks = versions.ListCommits(pb.ListCommitsRequest(prefix=CLUSTER, operation=pb.OPERATION_ROLLBACK))
    assert rolled.commit in [c.id for c in rollbacks.commits]
    assert all(c.operation == pb.OPERATION_ROLLBACK for c in rollbacks.commits)

    # Plain git on the bare store tells the same story, with the caller as author.
    path = f"{name}.yaml"
    log = subprocess.run(
        ["git", "--git-dir", str(demo_server.settings.data_dir / "store"), "log", "--first-parent",
         "--format=%an|%s|%(trailers:key=Operation,valueonly,separator=)", "main", "--", path],
        capture_output=True, text=True, check=True).stdout.strip().splitlines()
    assert [line.split("|")[1:] for line in log] == [
        ["ship scale", "merge"], [f"Roll back {name} to version 1: 1.27 crashes", "rollback"],
        ["bump to nginx:1.27", "apply"], ["bump to nginx:1.26", "apply"], ["deploy api", "apply"]]
    assert {line.split("|")[0] for line in log} == {author}


def test_conflicting_merge_is_refused_naming_the_field(versions, namespace) -> None:
    name = resource(namespace, "web")
    versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=deployment("web", namespace)))
    branch = f"conflict-{namespace}"
    versions.CreateBranch(pb.CreateBranchRequest(branch_id=branch))
    versions.ApplyManifest(pb.ApplyManifestRequest(
        cluster=CLUSTER, manifest=deployment("web", namespace, "nginx:draft"), branch=branch))
    versions.ApplyManifest(pb.ApplyManifestRequest(
        cluster=CLUSTER, manifest=deployment("web", namespace, "nginx:hotfix")))
    field = "spec.template.spec.containers[name=web].image"

    dry = versions.MergeBranch(pb.MergeBranchRequest(source=f"branches/{branch}", dry_run=True))
    assert [(c.resource, c.path, c.ours.string_value, c.theirs.string_value) for c in dry.conflicts] == [
        (name, field, "nginx:hotfix", "nginx:draft")]
    assert [(r.name, r.result) for r in dry.resources] == [(name, "conflict")]

    with pytest.raises(grpc.RpcError) as refused:
        versions.MergeBranch(pb.MergeBranchRequest(source=f"branches/{branch}"))
    info = details(refused.value)
    assert info.code == grpc.StatusCode.FAILED_PRECONDITION and info.reason == "MERGE_CONFLICT"
    assert field in info.message and f"{name}#{field}" in info.violations
    assert versions.ListVersions(pb.ListVersionsRequest(parent=name)).total_size == 2  # nothing committed
