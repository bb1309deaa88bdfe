"""The issue's "Done when", through real channels against kubesim: a quota created with
validate_only then for real (a commit by the caller), filled with pods until kubesim refuses one,
usage at 100 %, the 80 % warning delivered to a local webhook, the climb in the usage history with a
projection naming a time, a LimitRange change that would refuse a Deployment's next rollout
reported before it applies, and a rollback of the quota to its first version."""

from __future__ import annotations

import time
import uuid

import grpc
import pytest
from google.protobuf import duration_pb2, field_mask_pb2

from kubecommit.v1 import common_pb2, operations_pb2 as ops_pb, quotas_pb2 as pb, yaml_versions_pb2 as vpb
from tests.jobs.conftest import wait_for
from tests.quotas.conftest import operations_stub, quotas_stub, versions_stub
from tests.support.status import details

POD = """apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: {ns}}}
spec:
  containers:
  - name: app
    image: busybox
    resources: {{requests: {{cpu: {cpu}}}}}
"""
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: api, namespace: {ns}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      containers:
      - name: app
        image: nginx
        resources: {{requests: {{cpu: 100m}}, limits: {{cpu: 400m}}}}
"""


def _namespace(versions, cluster: str) -> str:
    ns = f"q-{uuid.uuid4().hex[:6]}"
    versions.ApplyManifest(vpb.ApplyManifestRequest(cluster=f"clusters/{cluster}", message="ns",
                                                    manifest=f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n"))
    return ns


def _apply(versions, cluster: str, manifest: str) -> None:
    versions.ApplyManifest(vpb.ApplyManifestRequest(cluster=f"clusters/{cluster}", manifest=manifest, message="m"))


def test_quota_story(jobs_server, receiver) -> None:
    server, cluster = jobs_server(sample_schedule="every 1s")
    quotas, versions, ops = quotas_stub(server), versions_stub(server), operations_stub(server)
    ops.CreateNotificationChannel(ops_pb.CreateNotificationChannelRequest(
        notification_channel_id="oncall",
        notification_channel=ops_pb.NotificationChannel(url=receiver.url, format=ops_pb.CHANNEL_FORMAT_JSON)))
    ns = _namespace(versions, cluster)
    parent = f"clusters/{cluster}/namespaces/{ns}"
    name = f"{parent}/resourcequotas/compute"
    quota = pb.ResourceQuota(hard={"requests.cpu": "1", "pods": "10"})

    dry = quotas.CreateResourceQuota(pb.CreateResourceQuotaRequest(
        parent=parent, resource_quota_id="compute", resource_quota=quota, validate_only=True))
    assert not dry.commit and "requests.cpu" in dry.diff.unified_diff
    with pytest.raises(grpc.RpcError) as missing:
        quotas.GetResourceQuota(pb.GetResourceQuotaRequest(name=name))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND

    created = quotas.CreateResourceQuota(pb.CreateResourceQuotaRequest(
        parent=parent, resource_quota_id="compute", resource_quota=quota, message="compute quota for the team"))
    assert created.commit and created.hard == {"requests.cpu": "1", "pods": "10"}
    first = versions.ListVersions(vpb.ListVersionsRequest(parent=name)).versions
    assert len(first) == 1 and first[0].commit == created.commit and first[0].author_name == "admin"
    assert created.committed_hard == created.hard

    # Pods climb: 1, 2, 3 pods (pods/10 grows), 400m, 800m (80 %: warning), 1 (100 %), then refused.
    for i, cpu in enumerate(["400m", "400m", "200m"]):
        time.sleep(1.5)
        _apply(versions, cluster, POD.format(name=f"p{i}", ns=ns, cpu=cpu))
    with pytest.raises(grpc.RpcError) as refused:
        _apply(versions, cluster, POD.format(name="extra", ns=ns, cpu="100m"))
    assert "exceeded quota: compute" in refused.value.details()
    assert "requested: requests.cpu=100m, used: requests.cpu=1, limited: requests.cpu=1" in refused.value.details()
    time.sleep(2)

    usage = quotas.GetQuotaUsage(pb.GetQuotaUsageRequest(name=f"{name}/usage",
                                                         trend_window=duration_pb2.Duration(seconds=60),
                                                         max_trend_points=60))
    cpu = next(r for r in usage.resources if r.resource == "requests.cpu")
    assert (cpu.used, cpu.hard, cpu.percent, cpu.used_value) == ("1", "1", 100.0, 1.0)
    assert usage.alerts[0].resource == "requests.cpu" and usage.alerts[0].severity == common_pb2.SEVERITY_CRITICAL
    job_alert = ops.GetAlert(ops_pb.GetAlertRequest(name=usage.alerts[0].alert))  # the job system's, still open
    assert job_alert.subject == f"{name}/requests.cpu" and job_alert.state == ops_pb.ALERT_STATE_FIRING
    pods = next(t for t in usage.trends if t.resource == "pods")
    used = [p.used for p in pods.points]
    assert used == sorted(used) and used[0] < used[-1] == 3.0, used
    assert pods.projection == "growing" and pods.exhaustion_time.seconds > time.time() and pods.rate_per_hour > 0
    assert 0 < pods.confidence <= 1
    cpu_trend = next(t for t in usage.trends if t.resource == "requests.cpu")
    assert cpu_trend.projection == "exhausted"
    assert next(r for r in usage.resources if r.resource == "pods").suggested_hard == "4"  # peak 3 + 25 %

    # The 80 % warning reached the webhook (the samplers evaluated the namespace's policy).
    subject = f"{name}/requests.cpu"

    def warnings() -> list:
        import json
        return [json.loads(body) for _, body in receiver.received
                if json.loads(body)["alerts"][0]["labels"]["subject"] == subject]
    delivered = wait_for(warnings)
    assert delivered and delivered[0]["alerts"][0]["labels"]["severity"] in ("warning", "critical")
    assert any(p["alerts"][0]["labels"]["severity"] == "warning" for p in delivered), delivered

    # Stale etag: ABORTED, nothing committed.
    with pytest.raises(grpc.RpcError) as stale:
        quotas.UpdateResourceQuota(pb.UpdateResourceQuotaRequest(
            resource_quota=pb.ResourceQuota(name=name, hard={"requests.cpu": "2"}, etag="1"),
            update_mask=field_mask_pb2.FieldMask(paths=["hard"])))
    assert stale.value.code() == grpc.StatusCode.ABORTED
    current = quotas.GetResourceQuota(pb.GetResourceQuotaRequest(name=name))
    raised = quotas.UpdateResourceQuota(pb.UpdateResourceQuotaRequest(
        resource_quota=pb.ResourceQuota(name=name, hard={"requests.cpu": "2", "pods": "10"}, etag=current.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["hard"])))
    assert raised.hard["requests.cpu"] == "2" and raised.commit != created.commit

    # Roll back to version 1: live again with its first hard limits.
    rolled = versions.RollbackResource(vpb.RollbackResourceRequest(name=name, target=created.commit))
    assert rolled.commit
    back = quotas.GetResourceQuota(pb.GetResourceQuotaRequest(name=name))
    assert back.hard["requests.cpu"] == "1" and back.status.hard["requests.cpu"] == "1"


def test_limit_range_change_reports_the_rollout_it_would_refuse(jobs_server) -> None:
    server, cluster = jobs_server()
    quotas, versions = quotas_stub(server), versions_stub(server)
    ns = _namespace(versions, cluster)
    _apply(versions, cluster, DEPLOYMENT.format(ns=ns))
    parent = f"clusters/{cluster}/namespaces/{ns}"
    loose = pb.LimitRange(limits=[pb.LimitRangeItem(type=pb.LIMIT_TYPE_CONTAINER, max={"cpu": "1"},
                                                    default_limit={"cpu": "500m"}, default_request={"cpu": "100m"})])
    made = quotas.CreateLimitRange(pb.CreateLimitRangeRequest(parent=parent, limit_range_id="bounds",
                                                              limit_range=loose))
    assert made.commit and not made.refusals
    tight = pb.LimitRange(name=f"{parent}/limitranges/bounds", limits=[pb.LimitRangeItem(
        type=pb.LIMIT_TYPE_CONTAINER, max={"cpu": "200m"}, default_limit={"cpu": "200m"},
        default_request={"cpu": "100m"})])
    dry = quotas.UpdateLimitRange(pb.UpdateLimitRangeRequest(limit_range=tight, validate_only=True,
                                                             update_mask=field_mask_pb2.FieldMask(paths=["limits"])))
    assert not dry.commit and "200m" in dry.diff.unified_diff
    refusal = [r for r in dry.refusals if r.resource.endswith("/deployments.apps/api")]
    assert refusal and refusal[0].container == "app" and refusal[0].resource_name == "cpu"
    assert refusal[0].message == "maximum cpu usage per Container is 200m, but limit is 400m"
    live = quotas.GetLimitRange(pb.GetLimitRangeRequest(name=tight.name))
    assert live.limits[0].max["cpu"] == "1"  # nothing applied


QUOTA_CASES = [  # (quota, field at fault, what the description quotes)
    (pb.ResourceQuota(hard={"requests.cpu": "2GG"}), "resource_quota.hard[requests.cpu]", "2GG"),
    (pb.ResourceQuota(hard={"requests.cpu": "-1"}), "resource_quota.hard[requests.cpu]", "-1"),
    (pb.ResourceQuota(hard={"limits.memory": "1.5.3"}), "resource_quota.hard[limits.memory]", "1.5.3"),
    (pb.ResourceQuota(hard={"requests.gpus": "1"}), "resource_quota.hard[requests.gpus]", "requests.gpus"),
    (pb.ResourceQuota(hard={"pods": "1"}, scopes=["Terminating", "NotTerminating"]), "resource_quota.scopes",
     "Terminating and NotTerminating"),
    (pb.ResourceQuota(hard={"requests.cpu": "1"}, scopes=["BestEffort"]), "resource_quota.hard[requests.cpu]",
     "BestEffort"),
]
LIMIT_CASES = [
    (pb.LimitRangeItem(type=pb.LIMIT_TYPE_CONTAINER, min={"cpu": "2"}, max={"cpu": "1"}),
     "limit_range.limits[0].min[cpu]", "min 2 is above max 1"),
    (pb.LimitRangeItem(type=pb.LIMIT_TYPE_CONTAINER, default_limit={"memory": "2Gi"}, max={"memory": "1Gi"}),
     "limit_range.limits[0].default_limit[memory]", "default 2Gi is above max 1Gi"),
]


def test_bad_input_commits_nothing(jobs_server) -> None:
    server, cluster = jobs_server()
    quotas, versions = quotas_stub(server), versions_stub(server)
    ns = _namespace(versions, cluster)
    parent = f"clusters/{cluster}/namespaces/{ns}"
    calls = [(lambda q=q: quotas.CreateResourceQuota(pb.CreateResourceQuotaRequest(
        parent=parent, resource_quota_id="q", resource_quota=q)), field, value) for q, field, value in QUOTA_CASES]
    calls += [(lambda i=i: quotas.CreateLimitRange(pb.CreateLimitRangeRequest(
        parent=parent, limit_range_id="q", limit_range=pb.LimitRange(limits=[i]))), field, value)
        for i, field, value in LIMIT_CASES]
    calls.append((lambda: quotas.CreateResourceQuota(pb.CreateResourceQuotaRequest(
        parent=f"clusters/{cluster}/namespaces/nowhere-{ns}", resource_quota_id="q",
        resource_quota=pb.ResourceQuota(hard={"pods": "1"}))), "parent", f"nowhere-{ns}"))
    for call, field, value in calls:
        with pytest.raises(grpc.RpcError) as bad:
            call()
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT, (field, bad.value.details())
        violations = details(bad.value).violations
        assert field in violations and value in violations[field], (field, violations)
    assert not quotas.ListResourceQuotas(pb.ListResourceQuotasRequest(parent=parent)).resource_quotas
    assert not quotas.ListLimitRanges(pb.ListLimitRangesRequest(parent=parent)).limit_ranges
    for kind in ("resourcequotas", "limitranges"):
        with pytest.raises(grpc.RpcError) as never:
            versions.ListVersions(vpb.ListVersionsRequest(parent=f"{parent}/{kind}/q"))
        assert never.value.code() == grpc.StatusCode.NOT_FOUND
