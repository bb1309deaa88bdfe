"""Pure logic of the inventory: filter parsing, ordering, page tokens, health scoring, usage sums."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from server.clusters.model import HealthStatus
from server.clusters import health, metrics, query
from server.registry import ClusterRecord
from server.errors import InvalidArgument

RECORDS = [
    ClusterRecord(id="b", provider="aws", state="connected", tags={"env": "prod"},
                  create_time=datetime(2026, 1, 2, tzinfo=timezone.utc)),
    ClusterRecord(id="a", provider="aliyun", state="disconnected", tags={"env": "dev"},
                  create_time=datetime(2026, 1, 3, tzinfo=timezone.utc)),
    ClusterRecord(id="c", provider="aws", state="connected", region="eu-west-1",
                  create_time=datetime(2026, 1, 1, tzinfo=timezone.utc)),
]


@pytest.mark.parametrize("text, expected", [
    ("", ["a", "b", "c"]),
    ("provider = AWS", ["b", "c"]),
    ("provider = PROVIDER_AWS AND tags.env = prod", ["b"]),
    ("state = CLUSTER_STATE_DISCONNECTED", ["a"]),
    ("tags.env != prod", ["a", "c"]),
    ('region = "eu-west-1"', ["c"]),
    ("name = a", ["a"]),
])
def test_filter(text, expected):
    page, _, total = query.select(RECORDS, text, "", 10, "")
    assert [r.id for r in page] == expected and total == len(expected)


@pytest.mark.parametrize("text", ["provider", "provider = AWS OR state = x", "owner = me", "tags. = x",
                                  "provider = AWS AND"])
def test_bad_filters_name_the_field(text):
    with pytest.raises(InvalidArgument) as caught:
        query.parse_filter(text)
    assert caught.value.violations[0].field == "filter"


def test_order_and_pages():
    page, token, total = query.select(RECORDS, "", "create_time desc", 2, "")
    assert [r.id for r in page] == ["a", "b"] and total == 3 and token
    rest, token2, _ = query.select(RECORDS, "", "create_time desc", 2, token)
    assert [r.id for r in rest] == ["c"] and token2 == ""
    with pytest.raises(InvalidArgument, match="different query"):
        query.select(RECORDS, "provider = AWS", "create_time desc", 2, token)
    with pytest.raises(InvalidArgument):
        query.select(RECORDS, "", "name sideways", 2, "")


def test_scoring_caps_each_reason_and_sets_the_status():
    assert health.assess([])[:2] == (HealthStatus.HEALTHY, 100)
    low = [health.Finding("NodeUnschedulable", "cordoned")]
    assert health.assess(low)[:2] == (HealthStatus.HEALTHY, 98)
    crashes = [health.Finding("CrashLoopBackOff", f"pod {i}") for i in range(20)]
    status, score, issues = health.assess(crashes)
    assert score == 75 and status == HealthStatus.WARNING
    assert sum(i.score_impact for i in issues) == 25 and issues[-1].score_impact == 0
    status, score, _ = health.assess([health.Finding("ApiServerNotLive", "down")])
    assert status == HealthStatus.ERROR and score == 40
    status, score, _ = health.assess([health.Finding("NodeNotReady", str(i)) for i in range(4)])
    assert score == 55 and status == HealthStatus.WARNING


def test_readyz_checks_and_findings():
    text = "[+]ping ok\n[-]etcd failed: reason withheld\n[+]log ok\nreadyz check failed\n"
    assert health.parse_checks(text) == {"ping": True, "etcd": False, "log": True}
    nodes = [{"metadata": {"name": "n1"}, "spec": {"unschedulable": True},
              "status": {"conditions": [{"type": "Ready", "status": "Unknown"},
                                        {"type": "DiskPressure", "status": "True"}]}}]
    out, findings = health.node_findings("c", nodes)
    assert not out[0].ready and not out[0].schedulable
    assert [f.reason for f in findings] == ["NodeNotReady", "NodePressure", "NodeUnschedulable"]
    daemonset = {"kind": "DaemonSet", "metadata": {"name": "d", "namespace": "ns"},
                 "status": {"desiredNumberScheduled": 3, "numberReady": 2}}
    assert health.workload_findings("c", "daemonsets.apps", [daemonset])[0].message == "DaemonSet ns/d: 2/3 ready"


def test_usage_sums_quantities_of_active_pods():
    nodes = [{"status": {"capacity": {"cpu": "4", "memory": "8Gi"}, "allocatable": {"cpu": "3500m", "memory": "7Gi"}}}]
    pods = [
        {"status": {"phase": "Running"}, "spec": {"containers": [
            {"resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "1"}}},
            {"resources": {"requests": {"cpu": "0.25"}}}]}},
        {"status": {"phase": "Succeeded"}, "spec": {"containers": [{"resources": {"requests": {"cpu": "2"}}}]}},
    ]
    usage = metrics.usage_summary(nodes, pods, [{"usage": {"cpu": "700000000n", "memory": "1Gi"}}])
    cpu, memory = usage["cpu"], usage["memory"]
    assert (cpu.capacity, cpu.allocatable, cpu.requests, cpu.limits) == (4, 3.5, 0.5, 1)
    assert cpu.usage == pytest.approx(0.7) and cpu.usage_percent == 20.0
    assert memory.requests == 512 * 2 ** 20 and memory.allocatable == 7 * 2 ** 30
    assert metrics.usage_summary(nodes, pods, None)["cpu"].usage is None
