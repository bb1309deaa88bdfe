"""Lists, updates, deletes, alert policies, manifest checks and usage across clusters, through
real channels against kubesim: several registered clusters (two answer, one never does)."""

from __future__ import annotations

import socket
import time
import uuid

import grpc
import pytest
from google.protobuf import field_mask_pb2

from kubecommit.v1 import operations_pb2 as ops_pb, quotas_pb2 as pb, quotas_pb2_grpc, yaml_versions_pb2 as vpb
from tests.support.auth import make_token, with_token
from tests.jobs.conftest import wait_for
from tests.quotas.conftest import operations_stub, quotas_stub, versions_stub
from tests.quotas.test_story import _apply, _namespace
from tests.support.clusters import register_cluster
from tests.support.status import details

QUOTA = pb.ResourceQuota(hard={"requests.cpu": "2", "requests.memory": "1Gi", "pods": "5"})


@pytest.fixture()
def silent_port():
    """A loopback port that accepts connections and never answers (a hung API server)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield sock.getsockname()[1]
    sock.close()


def test_crud_lists_and_usage_across_clusters(jobs_server, sim, silent_port) -> None:
    server, cluster = jobs_server(fanout_timeout_seconds=1.0)
    other = f"o{uuid.uuid4().hex[:6]}"
    register_cluster(server, other, sim.kubeconfig_text("demo"))
    hung = f"h{uuid.uuid4().hex[:6]}"
    register_cluster(server, hung, sim.kubeconfig_text("demo").replace(
        sim.url.rstrip("/"), f"http://127.0.0.1:{silent_port}"))
    quotas, versions = quotas_stub(server), versions_stub(server)
    ns, bare = _namespace(versions, cluster), _namespace(versions, cluster)
    parent = f"clusters/{cluster}/namespaces/{ns}"
    for i in range(3):
        quotas.CreateResourceQuota(pb.CreateResourceQuotaRequest(
            parent=parent, resource_quota_id=f"q{i}", resource_quota=pb.ResourceQuota(
                hard=dict(QUOTA.hard), labels={"tier": "gold" if i else "silver"})))

    # Paged per namespace, filtered by label, per cluster, and across clusters.
    first = quotas.ListResourceQuotas(pb.ListResourceQuotasRequest(parent=parent, page_size=2))
    assert [q.name.rsplit("/", 1)[1] for q in first.resource_quotas] == ["q0", "q1"] and first.next_page_token
    rest = quotas.ListResourceQuotas(pb.ListResourceQuotasRequest(parent=parent, page_size=2,
                                                                  page_token=first.next_page_token))
    assert [q.name.rsplit("/", 1)[1] for q in rest.resource_quotas] == ["q2"] and not rest.next_page_token
    with pytest.raises(grpc.RpcError) as foreign:
        quotas.ListResourceQuotas(pb.ListResourceQuotasRequest(parent=f"clusters/{cluster}/namespaces/-",
                                                               page_token=first.next_page_token))
    assert details(foreign.value).violations.keys() == {"page_token"}
    gold = quotas.ListResourceQuotas(pb.ListResourceQuotasRequest(parent=parent, label_selector="tier=gold"))
    assert len(gold.resource_quotas) == 2
    everywhere = quotas.ListResourceQuotas(pb.ListResourceQuotasRequest(parent="clusters/-/namespaces/-",
                                                                        page_size=1000))
    names = {q.name for q in everywhere.resource_quotas}
    assert f"{parent}/resourcequotas/q1" in names and f"clusters/{other}/namespaces/{ns}/resourcequotas/q1" in names
    assert not any(n.startswith(f"clusters/{hung}/") for n in names)
    # Git holds the desired spec, the cluster the live one.
    q1 = quotas.GetResourceQuota(pb.GetResourceQuotaRequest(name=f"{parent}/resourcequotas/q1"))
    assert q1.committed_hard == q1.hard == QUOTA.hard and q1.status.hard["requests.memory"] == "1Gi"

    # update_mask: only labels change; hard stays.
    updated = quotas.UpdateResourceQuota(pb.UpdateResourceQuotaRequest(
        resource_quota=pb.ResourceQuota(name=q1.name, labels={"tier": "bronze"}, hard={"pods": "1"}),
        update_mask=field_mask_pb2.FieldMask(paths=["labels"])))
    assert updated.labels == {"tier": "bronze"} and updated.hard == QUOTA.hard and updated.commit
    with pytest.raises(grpc.RpcError) as masked:
        quotas.UpdateResourceQuota(pb.UpdateResourceQuotaRequest(
            resource_quota=pb.ResourceQuota(name=q1.name), update_mask=field_mask_pb2.FieldMask(paths=["status"])))
    assert "update_mask" in details(masked.value).violations

    # Delete with a stale etag: ABORTED; then for real, with its commit.
    with pytest.raises(grpc.RpcError) as stale:
        quotas.DeleteResourceQuota(pb.DeleteResourceQuotaRequest(name=f"{parent}/resourcequotas/q2", etag="1"))
    assert stale.value.code() == grpc.StatusCode.ABORTED
    gone = quotas.DeleteResourceQuota(pb.DeleteResourceQuotaRequest(name=f"{parent}/resourcequotas/q2"))
    assert gone.commit and gone.hard == QUOTA.hard
    history = versions.ListVersions(vpb.ListVersionsRequest(parent=f"{parent}/resourcequotas/q2")).versions
    assert history[0].commit == gone.commit

    # Usage across every cluster: the hung one is reported, not waited for; the namespace without
    # a quota shows what its pods request.
    _apply(versions, cluster, f"""apiVersion: v1
kind: Pod
metadata: {{name: lone, namespace: {bare}}}
spec:
  containers:
  - {{name: app, image: nginx, resources: {{requests: {{cpu: 250m, memory: 64Mi}}, limits: {{memory: 128Mi}}}}}}
""")
    _apply(versions, cluster, f"""apiVersion: v1
kind: Pod
metadata: {{name: half, namespace: {ns}}}
spec:
  containers:
  - {{name: app, image: nginx, resources: {{requests: {{cpu: "1", memory: 256Mi}}}}}}
""")
    started = time.monotonic()
    usage = quotas.GetQuotaUsage(pb.GetQuotaUsageRequest(name="clusters/-/namespaces/-/quotaUsage", omit_trends=True))
    assert time.monotonic() - started < 5
    assert [u for u in usage.unreachable_clusters if u.startswith(f"clusters/{hung}:")]
    percents = [r.percent for r in usage.resources]
    assert percents == sorted(percents, reverse=True)  # closest to their limits first
    mine = {(r.resource_quota.rsplit("/", 1)[1], r.resource): r for r in usage.resources
            if r.resource_quota.startswith(f"{parent}/")}
    assert mine[("q0", "requests.cpu")].percent == 50 and mine[("q0", "requests.memory")].used == "256Mi"
    demand = next(d for d in usage.unquoted_namespaces if d.namespace == f"clusters/{cluster}/namespaces/{bare}")
    assert demand.totals == {"pods": "1", "requests.cpu": "250m", "requests.memory": "64Mi",
                             "limits.memory": "128Mi"}

    # A viewer scoped to one namespace sees only it, across clusters too.
    viewer = quotas_pb2_grpc.QuotasServiceStub(with_token(grpc.insecure_channel(server.address), make_token(
        server, "viewer", "viewer", clusters=[cluster], namespaces=[ns])))
    seen = viewer.GetQuotaUsage(pb.GetQuotaUsageRequest(name="clusters/-/namespaces/-/quotaUsage", omit_trends=True))
    assert seen.resources and {r.resource_quota.rsplit("/resourcequotas/")[0] for r in seen.resources} == {parent}
    assert not seen.unquoted_namespaces
    listed = viewer.ListResourceQuotas(pb.ListResourceQuotasRequest(parent="clusters/-/namespaces/-"))
    assert {q.name.rsplit("/resourcequotas/")[0] for q in listed.resource_quotas} == {parent}
    with pytest.raises(grpc.RpcError) as outside:
        viewer.GetResourceQuota(pb.GetResourceQuotaRequest(name=f"clusters/{other}/namespaces/{ns}/resourcequotas/q0"))
    assert outside.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_alert_policy_and_manifest_check(jobs_server) -> None:
    server, cluster = jobs_server(sample_schedule="every 1s")
    quotas, versions = quotas_stub(server), versions_stub(server)
    ns = _namespace(versions, cluster)
    parent = f"clusters/{cluster}/namespaces/{ns}"
    name = f"{parent}/quotaAlertPolicy"
    default = quotas.GetQuotaAlertPolicy(pb.GetQuotaAlertPolicyRequest(name=name))
    assert (default.warning_percent, default.critical_percent, default.etag) == (80, 95, "")
    policy = quotas.UpdateQuotaAlertPolicy(pb.UpdateQuotaAlertPolicyRequest(quota_alert_policy=pb.QuotaAlertPolicy(
        name=name, enabled=True, warning_percent=60, critical_percent=90,
        overrides=[pb.QuotaThresholdOverride(resource="pods", warning_percent=50, critical_percent=70)])))
    assert policy.etag and policy.updated_by == "admin" and policy.overrides[0].resource == "pods"
    with pytest.raises(grpc.RpcError) as stale:
        quotas.UpdateQuotaAlertPolicy(pb.UpdateQuotaAlertPolicyRequest(
            quota_alert_policy=pb.QuotaAlertPolicy(name=name, warning_percent=70, etag="0" * 40),
            update_mask=field_mask_pb2.FieldMask(paths=["warning_percent"])))
    assert stale.value.code() == grpc.StatusCode.ABORTED
    with pytest.raises(grpc.RpcError) as inverted:
        quotas.UpdateQuotaAlertPolicy(pb.UpdateQuotaAlertPolicyRequest(
            quota_alert_policy=pb.QuotaAlertPolicy(name=name, warning_percent=99),
            update_mask=field_mask_pb2.FieldMask(paths=["warning_percent"])))
    assert "quota_alert_policy.warning_percent" in details(inverted.value).violations

    quotas.CreateResourceQuota(pb.CreateResourceQuotaRequest(
        parent=parent, resource_quota_id="compute", resource_quota=pb.ResourceQuota(hard={"requests.cpu": "1",
                                                                                           "pods": "10"})))
    quotas.CreateLimitRange(pb.CreateLimitRangeRequest(parent=parent, limit_range_id="bounds", limit_range=pb.LimitRange(
        limits=[pb.LimitRangeItem(type=pb.LIMIT_TYPE_CONTAINER, max={"memory": "256Mi"})])))
    manifest = f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {ns}}}
spec:
  replicas: 3
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - {{name: app, image: nginx, resources: {{requests: {{cpu: 500m}}, limits: {{memory: 512Mi}}}}}}
"""
    found = quotas.CheckManifestQuotas(pb.CheckManifestQuotasRequest(parent=parent, manifest=manifest)).breaches
    cpu = next(b for b in found if b.resource_name == "requests.cpu")
    assert (cpu.requested, cpu.used, cpu.hard, cpu.excess) == ("1500m", "0", "1", "500m")
    assert cpu.limited_by == f"{parent}/resourcequotas/compute"
    memory = next(b for b in found if b.limited_by.endswith("/limitranges/bounds"))
    assert memory.message == "maximum memory usage per Container is 256Mi, but limit is 512Mi"
    usage = quotas.GetQuotaUsage(pb.GetQuotaUsageRequest(name=f"{parent}/quotaUsage", alert_threshold_percent=0.1,
                                                         omit_trends=True))
    assert not usage.alerts  # nothing used yet

    # The policy feeds the job system's quota rule: one pod of 10 is 10 %, a warning only under
    # this namespace's override for `pods` (the rule's own 80 % would stay silent).
    quotas.UpdateQuotaAlertPolicy(pb.UpdateQuotaAlertPolicyRequest(
        quota_alert_policy=pb.QuotaAlertPolicy(name=name, overrides=[pb.QuotaThresholdOverride(
            resource="pods", warning_percent=10, critical_percent=50)]),
        update_mask=field_mask_pb2.FieldMask(paths=["overrides"])))
    _apply(versions, cluster, f"""apiVersion: v1
kind: Pod
metadata: {{name: one, namespace: {ns}}}
spec:
  containers:
  - {{name: app, image: nginx, resources: {{requests: {{cpu: 100m}}, limits: {{memory: 64Mi}}}}}}
""")
    ops = operations_stub(server)
    subject = f"{parent}/resourcequotas/compute/pods"
    fired = wait_for(lambda: ops.ListAlerts(ops_pb.ListAlertsRequest(filter=f"state=open subject={subject}")).alerts)
    assert fired and fired[0].severity == ops_pb.ALERT_SEVERITY_WARNING
    cpu_subject = f"{parent}/resourcequotas/compute/requests.cpu"  # 10 % of cpu: under the policy's 60 %
    assert not ops.ListAlerts(ops_pb.ListAlertsRequest(filter=f"state=open subject={cpu_subject}")).alerts
    usage = quotas.GetQuotaUsage(pb.GetQuotaUsageRequest(name=f"{parent}/quotaUsage", omit_trends=True))
    assert [(a.resource, a.alert) for a in usage.alerts] == [("pods", fired[0].name)]


def test_quota_from_yaml(jobs_server) -> None:
    server, cluster = jobs_server()
    quotas, versions = quotas_stub(server), versions_stub(server)
    ns = _namespace(versions, cluster)
    parent = f"clusters/{cluster}/namespaces/{ns}"
    made = quotas.CreateResourceQuota(pb.CreateResourceQuotaRequest(
        parent=parent, resource_quota_id="objects", resource_quota=pb.ResourceQuota(yaml=(
            "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: objects}\n"
            "spec: {hard: {count/deployments.apps: '3', configmaps: '5'}}\n"))))
    assert made.hard == {"count/deployments.apps": "3", "configmaps": "5"} and made.commit
    with pytest.raises(grpc.RpcError) as renamed:
        quotas.UpdateResourceQuota(pb.UpdateResourceQuotaRequest(
            resource_quota=pb.ResourceQuota(name=made.name, yaml=(
                "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: other}\nspec: {hard: {pods: '1'}}\n")),
            update_mask=field_mask_pb2.FieldMask(paths=["yaml"])))
    assert "resource_quota.yaml.metadata.name" in details(renamed.value).violations
