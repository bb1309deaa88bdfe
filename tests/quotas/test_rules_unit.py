"""Pure logic of the quotas domain: spec checks, LimitRanger admission replayed, the quota
evaluators' charges, the linear fit and projection, tidy suggestions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from server.errors import InvalidArgument
from server.quotas import rules
from server.quotas.check import object_charge, pod_charge
from server.quotas.model import LimitItem, ScopeRequirement
from server.quotas.usage import demand, fit, project, tidy


@pytest.mark.parametrize("resource", ["requests.cpu", "count/deployments.apps", "pods", "hugepages-2Mi",
                                      "gold.storageclass.storage.k8s.io/requests.storage",
                                      "requests.nvidia.com/gpu", "limits.ephemeral-storage"])
def test_known_resources(resource: str) -> None:
    assert rules.check_hard({resource: "1"}) == {resource: "1"}


@pytest.mark.parametrize(("hard", "message"), [
    ({"cpus": "1"}, "not a resource"), ({"pods": "1.5"}, "whole number"), ({"requests.cpu": "2GG"}, "2GG"),
])
def test_bad_hard(hard: dict, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        rules.check_hard(hard)


def test_scopes() -> None:
    rules.check_scopes({"pods": "3"}, ["BestEffort"], [])
    rules.check_scopes({"requests.cpu": "1"}, ["NotBestEffort", "NotTerminating"], [])
    rules.check_scopes({"pods": "1"}, [], [ScopeRequirement("PriorityClass", "In", ["high"])])
    cases = [
        (["BestEffort", "NotBestEffort"], [], "do not combine"),
        (["Terminating"], [ScopeRequirement("NotTerminating", "Exists")], "do not combine"),
        (["Sometimes"], [], "not a quota scope"),
        ([], [ScopeRequirement("PriorityClass", "In", [])], "at least one value"),
        ([], [ScopeRequirement("Terminating", "In", ["x"])], "only EXISTS"),
        ([], [ScopeRequirement("PriorityClass", "Exists", ["x"])], "takes no values"),
    ]
    for scopes, selector, message in cases:
        with pytest.raises(InvalidArgument, match=message):
            rules.check_scopes({"pods": "1"}, scopes, selector)
    with pytest.raises(InvalidArgument, match="cannot be limited"):
        rules.check_scopes({"services": "1"}, ["NotTerminating"], [])


def test_limit_checks() -> None:
    rules.check_limits([LimitItem("Container", {"min": {"cpu": "100m"}, "defaultRequest": {"cpu": "200m"},
                                                "default": {"cpu": "500m"}, "max": {"cpu": "1"}})])
    bad = [
        (LimitItem("Container", {"defaultRequest": {"cpu": "1"}, "default": {"cpu": "500m"}}),
         "defaultRequest 1 is above default 500m"),
        (LimitItem("Pod", {"default": {"cpu": "1"}}), "take no defaults"),
        (LimitItem("PersistentVolumeClaim", {"max": {"cpu": "1"}}), "storage"),
        (LimitItem("Container", {"maxLimitRequestRatio": {"cpu": "500m"}}), "below 1"),
        (LimitItem("Node", {}), "one of CONTAINER"),
    ]
    for item, message in bad:
        with pytest.raises(InvalidArgument, match=message):
            rules.check_limits([item])


def _pod(requests: dict, limits: dict | None = None) -> dict:
    return {"spec": {"containers": [{"name": "app", "resources": {"requests": requests, "limits": limits or {}}}]}}


def test_limit_ranger_replay() -> None:
    item = LimitItem("Container", {"min": {"memory": "64Mi"}, "max": {"cpu": "1"},
                                   "maxLimitRequestRatio": {"cpu": "2"}})
    found = rules.refusals([item], "pods/p", _pod({"cpu": "100m", "memory": "32Mi"}, {"cpu": "2"}))
    messages = {r.message for r in found}
    assert messages == {"minimum memory usage per Container is 64Mi, but request is 32Mi",
                        "maximum cpu usage per Container is 1, but limit is 2",
                        "cpu max limit to request ratio per Container is 2, but provided ratio is 20.000000"}
    defaults = LimitItem("Container", {"default": {"cpu": "500m"}, "max": {"cpu": "1"}})
    assert rules.refusals([defaults], "pods/p", _pod({})) == []  # the default fills the limit
    pod_level = LimitItem("Pod", {"max": {"memory": "100Mi"}})
    two = {"spec": {"containers": [{"name": a, "resources": {"limits": {"memory": "60Mi"}}} for a in "ab"]}}
    assert [r.message for r in rules.refusals([pod_level], "pods/p", two)] == [
        "maximum memory usage per Pod is 100Mi, but limit is 120Mi"]


def test_charges() -> None:
    charge = pod_charge(_pod({"cpu": "250m"}, {"memory": "1Gi", "cpu": "500m"}))
    assert charge["requests.cpu"] == charge["cpu"] == Decimal("0.25")
    assert charge["requests.memory"] == 2**30 and charge["limits.memory"] == 2**30 and charge["pods"] == 1
    assert object_charge("services", "", {"spec": {"type": "LoadBalancer"}}) == {
        "count/services": 1, "services": 1, "services.nodeports": 1, "services.loadbalancers": 1}
    assert object_charge("deployments", "apps", {})["count/deployments.apps"] == 1
    assert demand([_pod({"cpu": "1"}), {**_pod({"cpu": "1"}), "status": {"phase": "Succeeded"}}]) == {
        "pods": 1, "requests.cpu": 1}


def test_fit_and_projection() -> None:
    assert fit([(0, 1), (1, 3), (2, 5)]) == (2.0, 1.0, 1.0)
    slope, _, r2 = fit([(0, 1), (1, 2), (2, 1), (3, 2)])
    assert 0 < r2 < 1 and slope > 0
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    hours = [(now - timedelta(hours=3 - i), float(i)) for i in range(4)]  # 0,1,2,3 over 3 h: 1/h
    trend = project(hours, hard=10, used=3, now=now)
    assert trend.projection == "growing" and trend.exhaustion == now + timedelta(hours=7)
    assert trend.rate_per_hour == pytest.approx(1) and trend.confidence == 1
    assert project(list(reversed([(t, v) for t, v in hours])), 10, 3, now).projection == "growing"
    flat = [(t, 2.0) for t, _ in hours]
    assert project(flat, 10, 2, now).projection == "not growing"
    assert project(hours, 3, 3, now).projection == "exhausted"
    assert project(hours[:2], 10, 1, now).projection == "too few samples"


def test_tidy() -> None:
    assert tidy(Decimal("3.75"), False) == "3800m" and tidy(Decimal("3.75"), False, whole=True) == "4"
    assert tidy(Decimal(1500 * 2**20), True) == "1500Mi" and tidy(Decimal("1234567"), False) == "1300k"
