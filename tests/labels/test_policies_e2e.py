"""Label policies, compliance, enforcement and the key inventory through a real channel against
kubesim (issue 16: a policy requiring `team` on Deployments reports violations with fixes, the
fixes are applied in one commit, and an enforcing policy refuses a manifest without the key)."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import field_mask_pb2

from kubecommit.v1 import common_pb2, labels_pb2 as pb, yaml_versions_pb2 as vpb
from tests.support.status import details

POLICY = "labelPolicies/team-required"


def _error(call, request):
    with pytest.raises(grpc.RpcError) as caught:
        call(request)
    return details(caught.value)


def _head(versions) -> str:
    return versions.ListCommits(vpb.ListCommitsRequest(page_size=1)).commits[0].id


def _shop_deployments(labels) -> set[str]:
    found = labels.SelectResources(pb.SelectResourcesRequest(
        parent="clusters/east", label_selector="", resource_types=["deployments"], namespaces=["shop"]))
    return {r.name for r in found.resources}


def test_policy_lifecycle_compliance_fixes_and_enforcement(labels, alice, versions) -> None:
    listed = labels.ListLabelPolicies(pb.ListLabelPoliciesRequest())
    builtin = {p.name: p for p in listed.label_policies}["labelPolicies/kubernetes-recommended"]
    assert builtin.built_in and builtin.version == 0
    assert builtin.enforcement == pb.LABEL_POLICY_ENFORCEMENT_DISABLED
    assert "app.kubernetes.io/name" in builtin.required_keys

    head = _head(versions)
    bad = _error(labels.CreateLabelPolicy, pb.CreateLabelPolicyRequest(
        label_policy_id="broken", label_policy=pb.LabelPolicy(value_patterns={"env": "(prod"})))
    assert bad.code == grpc.StatusCode.INVALID_ARGUMENT and "label_policy.value_patterns[env]" in bad.violations
    assert _head(versions) == head

    created = labels.CreateLabelPolicy(pb.CreateLabelPolicyRequest(label_policy_id="team-required", label_policy=pb.LabelPolicy(
        display_name="Deployments name their team", required_keys=["team"], kinds=["Deployment"],
        namespaces=["shop"], clusters=["clusters/east"], default_values={"team": "shop"},
        enforcement=pb.LABEL_POLICY_ENFORCEMENT_AUDIT)))
    assert created.name == POLICY and created.version == 1 and created.etag and created.commit
    commit = versions.ListCommits(vpb.ListCommitsRequest(page_size=1)).commits[0]
    assert commit.id == created.commit and "kubecommit/labels/policies/team-required" in commit.resources[0]
    assert _error(labels.CreateLabelPolicy, pb.CreateLabelPolicyRequest(
        label_policy_id="team-required", label_policy=pb.LabelPolicy(required_keys=["x"]))).code == \
        grpc.StatusCode.ALREADY_EXISTS

    deployments = _shop_deployments(labels)
    report = labels.CheckLabelCompliance(pb.CheckLabelComplianceRequest(parent="clusters/-"))
    assert {v.resource for v in report.violations} == deployments and len(deployments) >= 4
    assert all(v.policy == POLICY and v.key == "team" and v.reason == pb.LABEL_VIOLATION_REASON_MISSING_REQUIRED_KEY
               and dict(v.fix.set_labels) == {"team": "shop"} for v in report.violations)
    assert report.checked_count == len(deployments) and report.compliant_count == 0
    assert report.policies[0].policy == POLICY and report.policies[0].violation_count == len(deployments)

    dry = labels.FixLabelCompliance(pb.FixLabelComplianceRequest(parent="clusters/-", validate_only=True))
    assert {r.name for r in dry.results} == deployments and not dry.commits and _head(versions) == commit.id
    assert all([(c.key, c.new_value, c.change_type) for c in r.changes] == [("team", "shop", common_pb2.CHANGE_TYPE_ADDED)]
               for r in dry.results)
    fixed = labels.FixLabelCompliance(pb.FixLabelComplianceRequest(parent="clusters/-", message="team on shop"))
    assert set(fixed.commits) == {"clusters/east"} and fixed.commit and fixed.updated_count == len(deployments)
    assert set(versions.ListCommits(vpb.ListCommitsRequest(page_size=1)).commits[0].resources) == deployments
    after = labels.CheckLabelCompliance(pb.CheckLabelComplianceRequest(parent="clusters/east", policies=[POLICY]))
    assert not after.violations and after.compliance_percent == 100.0 and after.checked_count == len(deployments)

    enforced = alice.UpdateLabelPolicy(pb.UpdateLabelPolicyRequest(
        label_policy=pb.LabelPolicy(name=POLICY, enforcement=pb.LABEL_POLICY_ENFORCEMENT_ENFORCE, etag=created.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["enforcement"])))
    assert enforced.version == 2 and enforced.updated_by == "alice" and enforced.created_by != "alice"
    stale = _error(labels.UpdateLabelPolicy, pb.UpdateLabelPolicyRequest(
        label_policy=pb.LabelPolicy(name=POLICY, description="x", etag=created.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["description"])))
    assert stale.code == grpc.StatusCode.FAILED_PRECONDITION

    manifest = """apiVersion: apps/v1
kind: Deployment
metadata: {name: untagged, namespace: shop%s}
spec:
  replicas: 1
  selector: {matchLabels: {app: untagged}}
  template:
    metadata: {labels: {app: untagged}}
    spec: {containers: [{name: c, image: nginx:1.25}]}
"""
    head = _head(versions)
    refused = _error(versions.ApplyManifest, vpb.ApplyManifestRequest(cluster="clusters/east", manifest=manifest % ""))
    assert refused.code == grpc.StatusCode.FAILED_PRECONDITION and refused.reason == "LABEL_POLICY_VIOLATION"
    assert refused.metadata["policy"] == POLICY and refused.metadata["key"] == "team"
    assert "manifest[0].metadata.labels[team]" in refused.violations
    removal = _error(labels.UpdateLabels, pb.UpdateLabelsRequest(
        labels=pb.Labels(name="clusters/east/namespaces/shop/deployments.apps/cart/labels"), remove_labels=["team"]))
    assert removal.code == grpc.StatusCode.FAILED_PRECONDITION and removal.metadata["policy"] == POLICY
    assert _head(versions) == head
    # in a batch, the objects a policy refuses fail with its status; the others are written
    web = "clusters/east/namespaces/web/deployments.apps/frontend"
    labels.UpdateLabels(pb.UpdateLabelsRequest(labels=pb.Labels(name=f"{web}/labels", labels={"team": "web"})))
    mixed = labels.BatchUpdateLabels(pb.BatchUpdateLabelsRequest(
        parent="clusters/east", names=["clusters/east/namespaces/shop/deployments.apps/cart", web],
        patch=pb.LabelPatch(remove_labels=["team"])))
    by_name = {r.name: r for r in mixed.results}
    cart = by_name["clusters/east/namespaces/shop/deployments.apps/cart"]
    assert cart.status == pb.LABEL_UPDATE_STATUS_FAILED and cart.error.code == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    assert POLICY in cart.error.message
    assert by_name[web].status == pb.LABEL_UPDATE_STATUS_UPDATED and mixed.commit
    assert "team" not in labels.GetLabels(pb.GetLabelsRequest(name=f"{web}/labels")).labels
    assert labels.GetLabels(pb.GetLabelsRequest(
        name="clusters/east/namespaces/shop/deployments.apps/cart/labels")).labels["team"] == "shop"
    applied = versions.ApplyManifest(vpb.ApplyManifestRequest(cluster="clusters/east",
                                                              manifest=manifest % ", labels: {team: shop}"))
    assert applied.commit
    # other namespaces are not covered
    versions.ApplyManifest(vpb.ApplyManifestRequest(cluster="clusters/east",
                                                    manifest=(manifest % "").replace("shop", "web")))

    got = labels.GetLabelPolicy(pb.GetLabelPolicyRequest(name=POLICY))
    labels.DeleteLabelPolicy(pb.DeleteLabelPolicyRequest(name=POLICY, etag=got.etag))
    assert _error(labels.GetLabelPolicy, pb.GetLabelPolicyRequest(name=POLICY)).code == grpc.StatusCode.NOT_FOUND


def test_built_in_recommended_policy_switched_on(labels) -> None:
    on = labels.UpdateLabelPolicy(pb.UpdateLabelPolicyRequest(
        label_policy=pb.LabelPolicy(name="labelPolicies/kubernetes-recommended",
                                    enforcement=pb.LABEL_POLICY_ENFORCEMENT_AUDIT),
        update_mask=field_mask_pb2.FieldMask(paths=["enforcement"])))
    assert on.built_in and on.version == 1
    report = labels.CheckLabelCompliance(pb.CheckLabelComplianceRequest(
        parent="clusters/west", namespaces=["web"], policies=["labelPolicies/kubernetes-recommended"]))
    keys = {(v.resource.rpartition("/")[0].rpartition("/")[2], v.key) for v in report.violations}
    assert ("deployments.apps", "app.kubernetes.io/name") in keys and ("services", "app.kubernetes.io/instance") in keys
    assert all(not v.HasField("fix") for v in report.violations)  # no default value to propose
    labels.UpdateLabelPolicy(pb.UpdateLabelPolicyRequest(
        label_policy=pb.LabelPolicy(name="labelPolicies/kubernetes-recommended",
                                    enforcement=pb.LABEL_POLICY_ENFORCEMENT_DISABLED),
        update_mask=field_mask_pb2.FieldMask(paths=["enforcement"])))
    assert not labels.CheckLabelCompliance(pb.CheckLabelComplianceRequest(parent="clusters/west")).violations


def test_key_inventory_with_near_duplicates(labels) -> None:
    base = "clusters/west/namespaces/shop/deployments.apps"
    labels.UpdateLabels(pb.UpdateLabelsRequest(labels=pb.Labels(name=f"{base}/cart/labels", labels={"App": "cart"})))
    labels.UpdateLabels(pb.UpdateLabelsRequest(labels=pb.Labels(name=f"{base}/checkout/labels",
                                                                labels={"application": "checkout"})))
    inventory = labels.ListLabelKeys(pb.ListLabelKeysRequest(parent="clusters/-", namespaces=["shop"]))
    by_key = {k.key: k for k in inventory.keys}
    assert by_key["app"].count >= 2 * 5 and by_key["App"].count == 1
    assert {v.value for v in by_key["app"].values} >= {"cart", "checkout"}
    groups = {tuple(g.keys): g.reason for g in inventory.similar}
    assert groups[("App", "app", "application")] == "synonym"
    first = labels.ListLabelKeys(pb.ListLabelKeysRequest(parent="clusters/-", page_size=1))
    assert len(first.keys) == 1 and first.next_page_token


def _configmap(name: str, labels: str = "") -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: web{labels}}}\ndata: {{a: b}}\n"


def test_merge_and_rollback_are_refused_what_an_enforcing_policy_forbids(labels, versions, sims) -> None:
    """A version from before an ENFORCE policy cannot come back by RollbackResource, nor a draft
    staged before it by MergeBranch: FAILED_PRECONDITION naming the policy and key, nothing
    committed, nothing changed on the cluster."""
    cm = "clusters/west/namespaces/web/configmaps/policed"
    versions.ApplyManifest(vpb.ApplyManifestRequest(cluster="clusters/west", manifest=_configmap("policed")))
    versions.CreateBranch(vpb.CreateBranchRequest(branch_id="unstaged"))
    versions.ApplyManifest(vpb.ApplyManifestRequest(cluster="clusters/west", manifest=_configmap("drafted"),
                                                    branch="branches/unstaged"))
    policy = labels.CreateLabelPolicy(pb.CreateLabelPolicyRequest(label_policy_id="stage-required", label_policy=pb.LabelPolicy(
        required_keys=["stage"], kinds=["ConfigMap"], namespaces=["web"], clusters=["clusters/west"],
        enforcement=pb.LABEL_POLICY_ENFORCEMENT_ENFORCE)))
    versions.ApplyManifest(vpb.ApplyManifestRequest(cluster="clusters/west",
                                                    manifest=_configmap("policed", ", labels: {stage: two}")))
    head = _head(versions)

    rollback = _error(versions.RollbackResource, vpb.RollbackResourceRequest(name=cm, target="1"))
    assert rollback.code == grpc.StatusCode.FAILED_PRECONDITION and rollback.reason == "LABEL_POLICY_VIOLATION"
    assert rollback.metadata["policy"] == policy.name and rollback.metadata["key"] == "stage"
    assert "target.metadata.labels[stage]" in rollback.violations
    merge = _error(versions.MergeBranch, vpb.MergeBranchRequest(source="branches/unstaged"))
    assert merge.code == grpc.StatusCode.FAILED_PRECONDITION and merge.metadata["policy"] == policy.name
    assert merge.metadata["resource"] == "clusters/west/namespaces/web/configmaps/drafted"
    assert "source.metadata.labels[stage]" in merge.violations
    assert _head(versions) == head  # nothing committed
    store = sims["west"].call(lambda c: (c.store.peek(c.kind_type("ConfigMap").key, "web", "policed"),
                                         c.store.peek(c.kind_type("ConfigMap").key, "web", "drafted")))
    assert store[0]["metadata"]["labels"] == {"stage": "two"} and store[1] is None  # nor applied

    labels.DeleteLabelPolicy(pb.DeleteLabelPolicyRequest(name=policy.name, etag=policy.etag))
    assert versions.MergeBranch(vpb.MergeBranchRequest(source="branches/unstaged")).commit  # the policy was why
    rolled = versions.RollbackResource(vpb.RollbackResourceRequest(name=cm, target="1"))
    assert rolled.commit
    # the rollback removes the key version 1 did not have
    live = sims["west"].call(lambda c: c.store.peek(c.kind_type("ConfigMap").key, "web", "policed"))
    assert "stage" not in (live["metadata"].get("labels") or {})
