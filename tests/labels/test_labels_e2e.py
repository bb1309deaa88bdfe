"""LabelsService through a real channel against two kubesim clusters (issue 16's "Done when")."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import field_mask_pb2

from kubecommit.v1 import common_pb2, labels_pb2 as pb, labels_pb2_grpc, yaml_versions_pb2 as vpb
from kubesim.testing import run_kubectl
from tests.support.auth import make_token, with_token
from tests.support.status import details

CART = "clusters/east/namespaces/shop/deployments.apps/cart"


def _error(call, request) -> object:
    with pytest.raises(grpc.RpcError) as caught:
        call(request)
    return details(caught.value)


def _with(request: pb.BatchUpdateLabelsRequest, **fields: object) -> pb.BatchUpdateLabelsRequest:
    out = pb.BatchUpdateLabelsRequest()
    out.CopyFrom(request)
    for key, value in fields.items():
        if isinstance(value, pb.LabelPatch):
            getattr(out, key).CopyFrom(value)
        else:
            setattr(out, key, value)
    return out


def _head(versions) -> str:
    return versions.ListCommits(vpb.ListCommitsRequest(page_size=1)).commits[0].id


def test_select_app_labels_across_kinds_and_two_clusters(labels) -> None:
    seen = []
    token = ""
    while True:  # pages span clusters
        page = labels.SelectResources(pb.SelectResourcesRequest(
            parent="clusters/-", label_selector="app", resource_types=["deployments", "services", "pods"],
            page_size=7, page_token=token))
        seen += page.resources
        token = page.next_page_token
        if not token:
            break
    whole = labels.SelectResources(pb.SelectResourcesRequest(
        parent="clusters/-", label_selector="app", resource_types=["deployments", "services", "pods"],
        page_size=1000))
    assert [r.name for r in seen] == [r.name for r in whole.resources] and not whole.next_page_token
    first = labels.SelectResources(pb.SelectResourcesRequest(parent="clusters/-", label_selector="app",
                                                             resource_types=["pods"], page_size=2))
    replayed = _error(labels.SelectResources, pb.SelectResourcesRequest(
        parent="clusters/-", label_selector="tier", resource_types=["pods"], page_token=first.next_page_token))
    assert replayed.code == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in replayed.violations
    assert {r.cluster for r in seen} == {"clusters/east", "clusters/west"}
    assert {r.kind for r in seen} == {"Deployment", "Service", "Pod"}
    assert all("app" in r.labels and r.etag for r in seen)
    assert len({r.name for r in seen}) == len(seen)
    cart = [r for r in seen if r.name == CART][0]
    assert cart.labels["app"] == "cart" and not cart.yaml
    # one cluster, set-based selector, objects included
    only = labels.SelectResources(pb.SelectResourcesRequest(
        parent="clusters/west", label_selector="app in (cart,checkout)", namespaces=["shop"], include_object=True))
    assert {(r.kind, r.object_name) for r in only.resources} >= {("Deployment", "cart"), ("Service", "checkout")}
    assert all(r.cluster == "clusters/west" and r.labels["app"] in ("cart", "checkout") and r.yaml
               for r in only.resources)


def test_update_one_resource_dry_run_then_commit_by_the_caller(labels, alice, versions) -> None:
    name = "clusters/east/namespaces/web/deployments.apps/frontend/labels"
    before = labels.GetLabels(pb.GetLabelsRequest(name=name))
    head = _head(versions)
    dry = labels.UpdateLabels(pb.UpdateLabelsRequest(
        labels=pb.Labels(name=name, labels={"tier": "fe"}, annotations={"owner.example.com/contact": "web-team"}),
        validate_only=True))
    assert {(c.key, c.change_type, c.new_value) for c in dry.changes} == {
        ("tier", common_pb2.CHANGE_TYPE_ADDED, "fe"),
        ("owner.example.com/contact", common_pb2.CHANGE_TYPE_ADDED, "web-team")}
    assert not dry.commit and _head(versions) == head
    assert "tier" not in labels.GetLabels(pb.GetLabelsRequest(name=name)).labels

    done = alice.UpdateLabels(pb.UpdateLabelsRequest(
        labels=pb.Labels(name=name, labels={"tier": "fe"}, etag=before.etag), message="tier for web"))
    assert done.commit and done.labels["tier"] == "fe" and done.etag != before.etag
    commit = versions.ListCommits(vpb.ListCommitsRequest(page_size=1)).commits[0]
    assert commit.id == done.commit and commit.author_name == "alice" and commit.message.startswith("tier for web")
    assert labels.GetLabels(pb.GetLabelsRequest(name=name)).labels["tier"] == "fe"

    # a changed value needs overwrite; a stale etag is ABORTED
    refused = _error(labels.UpdateLabels, pb.UpdateLabelsRequest(labels=pb.Labels(name=name, labels={"tier": "x"})))
    assert refused.code == grpc.StatusCode.FAILED_PRECONDITION and refused.metadata["keys"] == "tier"
    stale = _error(labels.UpdateLabels, pb.UpdateLabelsRequest(
        labels=pb.Labels(name=name, labels={"tier": "x"}, etag=before.etag), overwrite=True))
    assert stale.code == grpc.StatusCode.ABORTED

    # removing a key the cluster's seed owns: kubecommit takes it over, then removes it
    removed = labels.UpdateLabels(pb.UpdateLabelsRequest(labels=pb.Labels(name=name), remove_labels=["tier", "app"]))
    assert {c.key for c in removed.changes} == {"tier", "app"}
    now = labels.GetLabels(pb.GetLabelsRequest(name=name))
    assert "tier" not in now.labels and "app" not in now.labels

    # a replacing mask sets the whole map
    replaced = labels.UpdateLabels(pb.UpdateLabelsRequest(
        labels=pb.Labels(name=name, labels={"app": "frontend"}), overwrite=True,
        update_mask=field_mask_pb2.FieldMask(paths=["labels"])))
    assert dict(replaced.labels) == {"app": "frontend"}


def test_bad_input_names_the_field_and_commits_nothing(labels, versions) -> None:
    name = f"{CART}/labels"
    head = _head(versions)
    cases = [
        (pb.UpdateLabelsRequest(labels=pb.Labels(name=name, labels={"bad key": "x"})), "set_labels[bad key]"),
        (pb.UpdateLabelsRequest(labels=pb.Labels(name=name, labels={"p" * 254 + "/k": "x"})),
         f"set_labels[{'p' * 254}/k]"),
        (pb.UpdateLabelsRequest(labels=pb.Labels(name=name, labels={"k" * 64: "x"})), f"set_labels[{'k' * 64}]"),
        (pb.UpdateLabelsRequest(labels=pb.Labels(name=name, labels={"team": "v" * 64})), "set_labels[team]"),
        (pb.UpdateLabelsRequest(labels=pb.Labels(name=name), remove_labels=["not-there"]), "remove_labels"),
        (pb.UpdateLabelsRequest(labels=pb.Labels(name=name), update_mask=field_mask_pb2.FieldMask(paths=["spec"])),
         "update_mask"),
    ]
    for request, field in cases:
        error = _error(labels.UpdateLabels, request)
        assert error.code == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in error.violations, (field, error.violations)
    selector = _error(labels.SelectResources, pb.SelectResourcesRequest(parent="clusters/-",
                                                                         label_selector="app in (a,b"))
    assert selector.code == grpc.StatusCode.INVALID_ARGUMENT and "label_selector" in selector.violations
    assert "at position 11" in selector.message
    too_many = _error(labels.BatchUpdateLabels, pb.BatchUpdateLabelsRequest(
        parent="clusters/-", resource_types=["pods"], max_resources=2,
        patch=pb.LabelPatch(set_labels={"x": "y"})))
    assert too_many.code == grpc.StatusCode.FAILED_PRECONDITION and too_many.metadata["max_resources"] == "2"
    over = _error(labels.BatchUpdateLabels, pb.BatchUpdateLabelsRequest(
        parent="clusters/-", resource_types=["pods"], max_resources=100000,
        patch=pb.LabelPatch(set_labels={"x": "y"})))
    assert over.code == grpc.StatusCode.INVALID_ARGUMENT and "max_resources" in over.violations
    bad_patch = _error(labels.BatchUpdateLabels, pb.BatchUpdateLabelsRequest(
        parent="clusters/-", resource_types=["pods"], patch=pb.LabelPatch(set_labels={"x": "-bad"})))
    assert "patch.set_labels[x]" in bad_patch.violations
    assert _head(versions) == head


def test_batch_team_shop_dry_run_draft_branch_merge_live(labels, versions, sims) -> None:
    request = pb.BatchUpdateLabelsRequest(
        parent="clusters/-", clusters=["clusters/east"], resource_types=["deployments", "statefulsets", "daemonsets"],
        namespaces=["shop"], patch=pb.LabelPatch(set_labels={"team": "shop"}), message="team=shop on shop")
    head = _head(versions)
    dry = labels.BatchUpdateLabels(_with(request, validate_only=True))
    names = {r.name for r in dry.results}
    assert CART in names and all("/namespaces/shop/" in n and n.startswith("clusters/east/") for n in names)
    assert all(r.status == pb.LABEL_UPDATE_STATUS_UPDATED for r in dry.results)
    assert all([(c.key, c.new_value, c.change_type) for c in r.changes] ==
               [("team", "shop", common_pb2.CHANGE_TYPE_ADDED)] for r in dry.results)
    assert dry.validate_only and not dry.commits and dry.updated_count == len(names)
    assert _head(versions) == head

    staged = labels.BatchUpdateLabels(_with(request, branch="branches/team-shop"))
    assert staged.branch == "branches/team-shop" and set(staged.commits) == {"clusters/east"}
    live = sims["east"].call(lambda c: c.store.peek(c.kind_type("Deployment", "apps").key, "shop", "cart"))
    assert "team" not in (live["metadata"].get("labels") or {})  # a draft changes no cluster

    merged = versions.MergeBranch(vpb.MergeBranchRequest(source="branches/team-shop", message="merge team=shop"))
    assert merged.commit
    for name in names:
        got = labels.GetLabels(pb.GetLabelsRequest(name=f"{name}/labels"))
        assert got.labels["team"] == "shop", name
    # a removal staged on a draft changes no cluster; merged, it removes the key live
    undo = _with(request, branch="branches/team-shop-undo", patch=pb.LabelPatch(remove_labels=["team"]))
    staged_removal = labels.BatchUpdateLabels(undo)
    assert {r.status for r in staged_removal.results} == {pb.LABEL_UPDATE_STATUS_UPDATED}
    assert set(staged_removal.commits) == {"clusters/east"}
    assert labels.GetLabels(pb.GetLabelsRequest(name=f"{CART}/labels")).labels["team"] == "shop"
    versions.MergeBranch(vpb.MergeBranchRequest(source="branches/team-shop-undo"))
    for name in names:
        assert "team" not in labels.GetLabels(pb.GetLabelsRequest(name=f"{name}/labels")).labels, name
    live = sims["east"].call(lambda c: c.store.peek(c.kind_type("Deployment", "apps").key, "shop", "cart"))
    assert "team" not in (live["metadata"].get("labels") or {})
    # the same removal again changes nothing
    again = labels.BatchUpdateLabels(_with(request, patch=pb.LabelPatch(remove_labels=["team"])))
    assert all(r.status == pb.LABEL_UPDATE_STATUS_UNCHANGED for r in again.results) and not again.commits


def test_staged_removal_of_a_key_another_manager_owns(labels, versions, sims, tmp_path) -> None:
    """A key set with kubectl (its own field manager) on an object main never recorded: staging its
    removal records the object on main first, and the merge removes the key though kubecommit
    never owned it (server-side apply alone would keep it)."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(sims["west"].kubeconfig_text("west"))
    run_kubectl(kubeconfig, "label", "service", "frontend", "-n", "web", "owner=ops")
    name = "clusters/west/namespaces/web/services/frontend"
    staged = labels.BatchUpdateLabels(pb.BatchUpdateLabelsRequest(
        parent="clusters/west", names=[name], branch="branches/drop-owner", patch=pb.LabelPatch(remove_labels=["owner"])))
    assert [r.status for r in staged.results] == [pb.LABEL_UPDATE_STATUS_UPDATED]
    assert labels.GetLabels(pb.GetLabelsRequest(name=f"{name}/labels")).labels["owner"] == "ops"
    merged = versions.MergeBranch(vpb.MergeBranchRequest(source="branches/drop-owner"))
    assert merged.commit
    assert "owner" not in labels.GetLabels(pb.GetLabelsRequest(name=f"{name}/labels")).labels
    first, newest = (versions.GetVersion(vpb.GetVersionRequest(name=f"{name}/versions/{n}")) for n in (1, 2))
    assert first.operation == vpb.OPERATION_IMPORT and "owner: ops" in first.yaml  # main, before staging
    assert newest.current and "owner" not in newest.yaml  # main records what the cluster holds


def test_batch_by_names_across_clusters_one_commit_each_with_conflicts(labels, versions) -> None:
    names = [f"clusters/{c}/namespaces/web/services/frontend" for c in ("east", "west")]
    names.append("clusters/west/namespaces/shop/deployments.apps/checkout")
    labels.UpdateLabels(pb.UpdateLabelsRequest(labels=pb.Labels(
        name="clusters/west/namespaces/shop/deployments.apps/checkout/labels", labels={"env": "prod"})))
    result = labels.BatchUpdateLabels(pb.BatchUpdateLabelsRequest(
        parent="clusters/-", names=names, patch=pb.LabelPatch(set_labels={"env": "staging"})))
    by_name = {r.name: r for r in result.results}
    assert by_name[names[0]].status == by_name[names[1]].status == pb.LABEL_UPDATE_STATUS_UPDATED
    conflict = by_name[names[2]]
    assert conflict.status == pb.LABEL_UPDATE_STATUS_CONFLICT
    assert conflict.error.code == grpc.StatusCode.FAILED_PRECONDITION.value[0] and "env" in conflict.error.message
    assert set(result.commits) == {"clusters/east", "clusters/west"} and not result.commit
    assert result.updated_count == 2 and result.failed_count == 1
    commits = {c.id: c for c in versions.ListCommits(vpb.ListCommitsRequest(page_size=5)).commits}
    for cluster, commit in result.commits.items():
        assert list(commits[commit].resources) == [f"{cluster}/namespaces/web/services/frontend"]


def test_label_history_shows_who_changed_which_key(labels, alice) -> None:
    name = "clusters/west/namespaces/web/deployments.apps/frontend"
    alice.UpdateLabels(pb.UpdateLabelsRequest(labels=pb.Labels(name=f"{name}/labels", labels={"stage": "one"})))
    labels.UpdateLabels(pb.UpdateLabelsRequest(labels=pb.Labels(name=f"{name}/labels", labels={"stage": "two"}),
                                               overwrite=True))
    labels.UpdateLabels(pb.UpdateLabelsRequest(labels=pb.Labels(name=f"{name}/labels"), remove_labels=["stage"]))
    history = labels.ListLabelHistory(pb.ListLabelHistoryRequest(parent=name))
    stage = [(e.author_name, c.change_type, c.old_value, c.new_value)
             for e in history.entries for c in e.changes if c.key == "stage"]
    assert stage[0][1:] == (common_pb2.CHANGE_TYPE_DELETED, "two", "")
    assert stage[1][1:] == (common_pb2.CHANGE_TYPE_MODIFIED, "one", "two")
    assert stage[2] == ("alice", common_pb2.CHANGE_TYPE_ADDED, "", "one")
    assert stage[1][0] != "alice"
    assert "stage" not in history.entries[0].labels and history.entries[1].labels["stage"] == "two"
    first = labels.ListLabelHistory(pb.ListLabelHistoryRequest(parent=name, page_size=1))
    assert len(first.entries) == 1 and first.next_page_token



def test_a_scoped_viewer_sees_only_its_namespace_and_cannot_write(labels_server) -> None:
    token = make_token(labels_server, "web-viewer", "viewer", clusters=["east"], namespaces=["web"])
    with grpc.insecure_channel(labels_server.address) as ch:
        viewer = labels_pb2_grpc.LabelsServiceStub(with_token(ch, token))
        seen = viewer.SelectResources(pb.SelectResourcesRequest(parent="clusters/-", label_selector="app",
                                                                resource_types=["deployments"]))
        assert seen.resources and {(r.cluster, r.namespace) for r in seen.resources} == {("clusters/east", "web")}
        denied = _error(viewer.UpdateLabels, pb.UpdateLabelsRequest(labels=pb.Labels(
            name="clusters/east/namespaces/web/deployments.apps/frontend/labels", labels={"x": "y"})))
        assert denied.code == grpc.StatusCode.PERMISSION_DENIED
        batch = _error(viewer.BatchUpdateLabels, pb.BatchUpdateLabelsRequest(
            parent="clusters/east", resource_types=["deployments"], namespaces=["web"],
            patch=pb.LabelPatch(set_labels={"x": "y"})))
        assert batch.code == grpc.StatusCode.PERMISSION_DENIED
