"""A quota pushed past 80% fires ONE warning alert, delivered to a local webhook receiver with a
valid HMAC-SHA256 signature; it resolves by itself when the pods are deleted; the usage history
over the range holds the samples. All through real channels against kubesim."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import datetime, timedelta, timezone

import grpc
import pytest
from google.protobuf import duration_pb2, timestamp_pb2

from kubecommit.v1 import operations_pb2 as pb, operations_pb2_grpc
from kubesim.testing import run_kubectl
from server.alerts.notify import SIGNATURE_HEADER, TIMESTAMP_HEADER
from tests.jobs.conftest import PATH_HEADER, operations_stub, wait_for
from tests.support.auth import make_token, with_token
from tests.support.status import details

QUOTA = """apiVersion: v1
kind: ResourceQuota
metadata: {{name: compute, namespace: {ns}}}
spec:
  hard: {{requests.cpu: "1"}}
"""
POD = """apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: {ns}}}
spec:
  containers:
  - name: app
    image: busybox
    resources: {{requests: {{cpu: {cpu}}}}}
"""


def _verified(received, secret: str, subject: str, marker: str = "") -> list[dict]:
    """The payloads about `subject`, each checked against its signature (only those sent to the
    URL carrying `marker`, when given: the channel under test)."""
    out = []
    for headers, body in received:
        if marker and marker not in headers.get(PATH_HEADER, ""):
            continue
        expected = "sha256=" + hmac.new(secret.encode(), headers[TIMESTAMP_HEADER].encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers[SIGNATURE_HEADER], expected), "bad signature"
        assert abs(time.time() - int(headers[TIMESTAMP_HEADER])) < 120
        payload = json.loads(body)
        if payload["alerts"][0]["labels"]["subject"] == subject:
            out.append(payload)
    return out


def test_quota_warning_is_delivered_once_and_resolves(jobs_server, kubeconfig, receiver) -> None:
    server, cluster = jobs_server(sample_schedule="every 1s")
    ops = operations_stub(server)
    marker = f"for={uuid.uuid4().hex}"
    channel = ops.CreateNotificationChannel(pb.CreateNotificationChannelRequest(
        notification_channel_id="oncall",
        notification_channel=pb.NotificationChannel(url=f"{receiver.url}?{marker}", format=pb.CHANNEL_FORMAT_JSON)))
    assert channel.secret and channel.name == "notificationChannels/oncall"
    assert not ops.GetNotificationChannel(pb.GetNotificationChannelRequest(name=channel.name)).secret

    ns = f"q-{uuid.uuid4().hex[:6]}"
    run_kubectl(kubeconfig, "create", "namespace", ns)
    run_kubectl(kubeconfig, "apply", "--validate=false", "-f", "-", input=QUOTA.format(ns=ns))
    started = datetime.now(timezone.utc)
    run_kubectl(kubeconfig, "apply", "--validate=false", "-f", "-", input=POD.format(name="big", ns=ns, cpu="850m"))
    subject = f"clusters/{cluster}/namespaces/{ns}/resourcequotas/compute/requests.cpu"

    firing = wait_for(lambda: _verified(receiver.received, channel.secret, subject, marker))
    assert firing, "no webhook delivery for the quota"
    alert = firing[0]["alerts"][0]
    assert firing[0]["status"] == "firing" and alert["labels"]["severity"] == "warning"
    assert alert["labels"]["alertname"] == "quota-usage" and "85%" in alert["annotations"]["summary"]
    time.sleep(2.5)  # more sampler runs see the same condition: it does not fire again
    assert len(_verified(receiver.received, channel.secret, subject, marker)) == 1
    listed = ops.ListAlerts(pb.ListAlertsRequest(filter=f"state=open subject={subject}")).alerts
    assert len(listed) == 1 and listed[0].severity == pb.ALERT_SEVERITY_WARNING
    assert listed[0].state == pb.ALERT_STATE_FIRING and listed[0].rule == "alertRules/quota-usage"

    run_kubectl(kubeconfig, "delete", "pod", "big", "-n", ns, "--wait=false")
    resolved = wait_for(lambda: [p for p in _verified(receiver.received, channel.secret, subject, marker)
                                 if p["status"] == "resolved"])
    assert resolved and resolved[0]["alerts"][0]["fingerprint"] == listed[0].name.removeprefix("alerts/")
    after = ops.GetAlert(pb.GetAlertRequest(name=listed[0].name))
    assert after.state == pb.ALERT_STATE_RESOLVED and after.HasField("resolve_time")
    deliveries = ops.ListNotificationDeliveries(pb.ListNotificationDeliveriesRequest(parent=channel.name)).deliveries
    assert {(d.change, d.status_code) for d in deliveries if d.alert == listed[0].name} == {
        ("firing", 204), ("resolved", 204)}

    # The usage history of the range holds the samples: 0.85 while the pod ran, 0 after.
    start = timestamp_pb2.Timestamp()
    start.FromDatetime(started - timedelta(seconds=5))
    series = ops.QueryTimeSeries(pb.QueryTimeSeriesRequest(series=f"{subject}/used", start_time=start))
    values = [p.value for p in series.points]
    assert series.resolution == "raw" and len(values) >= 3
    assert 0.85 in values and values[-1] == 0.0
    hard = ops.QueryTimeSeries(pb.QueryTimeSeriesRequest(series=f"{subject}/hard", start_time=start,
                                                         step=duration_pb2.Duration(seconds=3600)))
    assert [p.value for p in hard.points] == [1.0] and hard.step.seconds == 3600
    names = ops.ListTimeSeries(pb.ListTimeSeriesRequest(prefix=f"clusters/{cluster}/metrics/")).series
    assert f"clusters/{cluster}/metrics/pods" in names and f"clusters/{cluster}/metrics/nodes_ready" in names


def test_acknowledge_silence_watch_and_scope(jobs_server, kubeconfig) -> None:
    server, cluster = jobs_server(sample_schedule="every 1s")
    ops = operations_stub(server)
    ns = f"q-{uuid.uuid4().hex[:6]}"
    run_kubectl(kubeconfig, "create", "namespace", ns)
    run_kubectl(kubeconfig, "apply", "--validate=false", "-f", "-", input=QUOTA.format(ns=ns))
    subject = f"clusters/{cluster}/namespaces/{ns}/resourcequotas/compute/requests.cpu"
    watch = ops.WatchAlerts(pb.WatchAlertsRequest(filter=f"subject={subject}"), timeout=30)
    run_kubectl(kubeconfig, "apply", "--validate=false", "-f", "-", input=POD.format(name="huge", ns=ns, cpu="990m"))
    first = next(watch)
    assert first.change == "firing" and first.alert.severity == pb.ALERT_SEVERITY_CRITICAL

    acked = ops.AcknowledgeAlert(pb.AcknowledgeAlertRequest(name=first.alert.name))
    assert acked.state == pb.ALERT_STATE_ACKNOWLEDGED and acked.acknowledged_by
    silenced = ops.SilenceAlert(pb.SilenceAlertRequest(name=first.alert.name,
                                                       duration=duration_pb2.Duration(seconds=600)))
    assert silenced.silenced_until.ToDatetime(timezone.utc) > datetime.now(timezone.utc) + timedelta(minutes=9)
    assert [next(watch).change, next(watch).change] == ["acknowledged", "silenced"]
    watch.cancel()

    # A viewer scoped to another namespace sees neither the alert nor its series.
    other = with_token(grpc.insecure_channel(server.address),
                       make_token(server, "viewer", "viewer", clusters=[cluster], namespaces=["elsewhere"]))
    viewer = operations_pb2_grpc.OperationsServiceStub(other)
    assert list(viewer.ListAlerts(pb.ListAlertsRequest(filter=f"subject={subject}")).alerts) == []
    with pytest.raises(grpc.RpcError) as hidden:
        viewer.GetAlert(pb.GetAlertRequest(name=first.alert.name))
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
    start = timestamp_pb2.Timestamp()
    start.FromDatetime(datetime.now(timezone.utc) - timedelta(minutes=5))
    with pytest.raises(grpc.RpcError) as outside:
        viewer.QueryTimeSeries(pb.QueryTimeSeriesRequest(series=f"{subject}/used", start_time=start))
    assert details(outside.value).reason == "OUT_OF_SCOPE"
    with pytest.raises(grpc.RpcError) as outside:
        viewer.ListTimeSeries(pb.ListTimeSeriesRequest(prefix=f"clusters/{cluster}/namespaces/{ns}/"))
    assert details(outside.value).reason == "OUT_OF_SCOPE"
    # The sampler observes the alert while it samples and writes the round's points after it, so
    # the series may trail the alert: wait for it (and so for the cluster-level series of the same
    # round), asked by the namespace's own prefix (the session's shared cluster holds every earlier
    # test's quotas, more than a page of the cluster's series).
    wait_for(lambda: f"{subject}/used" in ops.ListTimeSeries(pb.ListTimeSeriesRequest(
        prefix=f"clusters/{cluster}/namespaces/{ns}/")).series)
    seen = set(viewer.ListTimeSeries(pb.ListTimeSeriesRequest(prefix=f"clusters/{cluster}/", page_size=1000)).series)
    assert f"{subject}/used" not in seen
    assert f"clusters/{cluster}/metrics/pods" in seen  # cluster-level series are readable
    with pytest.raises(grpc.RpcError) as refused:
        viewer.ListJobs(pb.ListJobsRequest())
    assert details(refused.value).reason == "MISSING_PERMISSION"
    with pytest.raises(grpc.RpcError) as bad:
        ops.ListAlerts(pb.ListAlertsRequest(filter="colour=red"))
    assert "filter" in details(bad.value).violations
    run_kubectl(kubeconfig, "delete", "pod", "huge", "-n", ns, "--wait=false")
