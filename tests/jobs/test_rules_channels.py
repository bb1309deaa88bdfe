"""Alert rules and notification channels are versioned in the store (a change is a commit by its
caller), checked on the way in, and a channel whose receiver fails is retried with backoff, every
attempt in its delivery log; severity filters hold deliveries back."""

from __future__ import annotations

import uuid

import grpc
import pytest
from google.protobuf import field_mask_pb2

from kubecommit.v1 import operations_pb2 as pb, yaml_versions_pb2 as vpb
from kubesim.testing import run_kubectl
from tests.jobs.conftest import operations_stub, versions_stub, wait_for
from tests.jobs.test_quota_alerts import POD, QUOTA, _verified
from tests.support.status import details


def test_rules_are_versioned_and_checked(jobs_server) -> None:
    server, _ = jobs_server()
    ops = operations_stub(server)
    rules = {r.name: r for r in ops.ListAlertRules(pb.ListAlertRulesRequest()).alert_rules}
    assert rules["alertRules/quota-usage"].warning_percent == 80 and rules["alertRules/quota-usage"].critical_percent == 95
    assert not rules["alertRules/quota-usage"].etag  # a built-in default, not stored yet

    changed = ops.UpdateAlertRule(pb.UpdateAlertRuleRequest(
        alert_rule=pb.AlertRule(name="alertRules/quota-usage", warning_percent=60),
        update_mask=field_mask_pb2.FieldMask(paths=["warning_percent"])))
    assert changed.warning_percent == 60 and changed.critical_percent == 95 and changed.etag
    commits = versions_stub(server).ListCommits(vpb.ListCommitsRequest()).commits
    assert commits[0].resources == ["kubecommit/alerting/rules/quota-usage"] and commits[0].author_name

    with pytest.raises(grpc.RpcError) as stale:
        ops.UpdateAlertRule(pb.UpdateAlertRuleRequest(
            alert_rule=pb.AlertRule(name="alertRules/quota-usage", warning_percent=70, etag="0" * 40),
            update_mask=field_mask_pb2.FieldMask(paths=["warning_percent"])))
    assert stale.value.code() == grpc.StatusCode.ABORTED
    with pytest.raises(grpc.RpcError) as bad:
        ops.CreateAlertRule(pb.CreateAlertRuleRequest(alert_rule_id="tight", alert_rule=pb.AlertRule(
            kind=pb.ALERT_RULE_KIND_QUOTA, warning_percent=99, critical_percent=90)))
    assert "rule.warning_percent" in details(bad.value).violations
    ops.DeleteAlertRule(pb.DeleteAlertRuleRequest(name="alertRules/quota-usage"))
    assert ops.GetAlertRule(pb.GetAlertRuleRequest(name="alertRules/quota-usage")).warning_percent == 80


def test_failing_receiver_is_retried_and_filters_hold(jobs_server, kubeconfig, receiver) -> None:
    server, cluster = jobs_server(sample_schedule="every 1s", webhook_attempts=3)
    ops = operations_stub(server)
    flaky_url = receiver.url.replace("/hook", "/flaky")
    ops.CreateNotificationChannel(pb.CreateNotificationChannelRequest(
        notification_channel_id="flaky", notification_channel=pb.NotificationChannel(
            url=flaky_url, format=pb.CHANNEL_FORMAT_SLACK)))
    ops.CreateNotificationChannel(pb.CreateNotificationChannelRequest(
        notification_channel_id="critical-only", notification_channel=pb.NotificationChannel(
            url=receiver.url, min_severity=pb.ALERT_SEVERITY_CRITICAL)))
    with pytest.raises(grpc.RpcError) as bad:
        ops.CreateNotificationChannel(pb.CreateNotificationChannelRequest(
            notification_channel_id="nope", notification_channel=pb.NotificationChannel(url="ftp://x")))
    assert "channel.url" in details(bad.value).violations

    ns = f"q-{uuid.uuid4().hex[:6]}"
    run_kubectl(kubeconfig, "create", "namespace", ns)
    run_kubectl(kubeconfig, "apply", "--validate=false", "-f", "-", input=QUOTA.format(ns=ns))
    run_kubectl(kubeconfig, "apply", "--validate=false", "-f", "-", input=POD.format(name="p", ns=ns, cpu="900m"))
    subject = f"clusters/{cluster}/namespaces/{ns}/resourcequotas/compute/requests.cpu"

    def attempts():
        alerts = ops.ListAlerts(pb.ListAlertsRequest(filter=f"subject={subject}")).alerts
        if not alerts:
            return None
        log = ops.ListNotificationDeliveries(pb.ListNotificationDeliveriesRequest(
            parent="notificationChannels/flaky")).deliveries
        mine = [d for d in log if d.alert == alerts[0].name]
        return mine if len(mine) == 3 else None
    log = wait_for(attempts, timeout=20)
    assert log, "three attempts were not logged"
    assert [(d.attempt, d.status_code) for d in reversed(log)] == [(1, 500), (2, 503), (3, 200)]
    # other alerts of the same cluster (the seed's, other tests') reach the receiver too
    slack = [b for h, b in receiver.received if b.startswith(b'{"text"') and subject.encode() in b]
    assert slack
    # A WARNING does not reach the critical-only channel.
    critical_log = ops.ListNotificationDeliveries(pb.ListNotificationDeliveriesRequest(
        parent="notificationChannels/critical-only")).deliveries
    ours = {alert.name for alert in ops.ListAlerts(pb.ListAlertsRequest(filter=f"subject={subject}")).alerts}
    # Only this test's alert counts: a CRITICAL one of the shared cluster (another test's quota
    # left at 99%) rightly reaches the channel.
    assert [d for d in critical_log if d.alert in ours] == []
    run_kubectl(kubeconfig, "delete", "pod", "p", "-n", ns, "--wait=false")


def test_a_channel_keeps_its_first_secret_and_never_sends_unsigned(jobs_server, receiver) -> None:
    """A second create of one id is refused and leaves the first channel's secret as it was; a
    channel that has no secret sends nothing (a signature made with an empty key is
    one anybody could make) and says why in its deliveries."""
    server, _ = jobs_server()
    ops = operations_stub(server)
    marker = f"for={uuid.uuid4().hex}"
    made = ops.CreateNotificationChannel(pb.CreateNotificationChannelRequest(
        notification_channel_id="pager", notification_channel=pb.NotificationChannel(url=f"{receiver.url}?{marker}")))
    with pytest.raises(grpc.RpcError) as again:
        ops.CreateNotificationChannel(pb.CreateNotificationChannelRequest(
            notification_channel_id="pager", notification_channel=pb.NotificationChannel(url=receiver.url)))
    assert again.value.code() is grpc.StatusCode.ALREADY_EXISTS
    assert ops.TestNotificationChannel(pb.TestNotificationChannelRequest(name=made.name)).delivered
    # Every payload to the channel (the cluster's own alerts reach it too) is signed with that
    # secret; one is the test notification.
    assert len(_verified(list(receiver.received), made.secret, made.name, marker)) == 1

    # As after a state database restored from before the channel was made.
    server.server.runtime.operations.config.signing.forget("pager")
    tested = ops.TestNotificationChannel(pb.TestNotificationChannelRequest(name=made.name))
    assert not tested.delivered and "no signing secret" in tested.deliveries[-1].error
    assert len(_verified(list(receiver.received), made.secret, made.name, marker)) == 1
