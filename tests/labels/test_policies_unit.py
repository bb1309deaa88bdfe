"""Pure parts of the labels domain: patch planning, policy checks, near-duplicate keys."""

from __future__ import annotations

from collections import Counter

import pytest

from server.errors import InvalidArgument
from server.labels.changes import plan
from server.labels.inventory import similar, usage
from server.labels.model import Change, Patch
from server.labels.policies import BUILT_IN, Enforcement, Policy, Reason, check, covers, validate
from server.names import ResourceName

DEPLOY = ResourceName("east", "shop", "deployments.apps", "cart")


def test_plan_sets_removes_and_reports_conflicts() -> None:
    obj = {"metadata": {"labels": {"app": "cart", "tier": "be"}}}
    planned = plan(obj, Patch(set_labels={"team": "shop", "tier": "fe"}, remove_labels=("app", "gone")), False)
    assert planned.conflicts == ["tier"] and planned.absent == ["label:gone"]
    assert {(c.key, c.change) for c in planned.changes} == {("team", Change.ADDED), ("tier", Change.MODIFIED),
                                                             ("app", Change.REMOVED)}
    assert obj["metadata"]["labels"] == {"app": "cart", "tier": "be"}  # the input is not changed
    replaced = plan(obj, Patch(set_labels={"app": "cart"}, replace_labels=True), True)
    assert replaced.obj["metadata"]["labels"] == {"app": "cart"} and not replaced.conflicts


def test_policy_check_with_fixes() -> None:
    policy = Policy("p", required_keys=["team"], forbidden_keys=["legacy.example.com/*"],
                    value_patterns={"env": "prod|staging"}, allowed_values={"tier": ["fe", "be"]},
                    default_values={"team": "unowned", "env": "staging"})
    validate(policy)
    found = check(policy, str(DEPLOY), {"env": "dev", "tier": "db", "legacy.example.com/x": "1"})
    by = {(v.key, v.reason): v for v in found}
    assert by[("team", Reason.MISSING_REQUIRED_KEY)].fix == Patch(set_labels={"team": "unowned"})
    assert by[("env", Reason.VALUE_MISMATCH)].fix == Patch(set_labels={"env": "staging"})
    assert by[("tier", Reason.VALUE_MISMATCH)].fix is None and by[("tier", Reason.VALUE_MISMATCH)].value == "db"
    assert by[("legacy.example.com/x", Reason.FORBIDDEN_KEY)].fix == Patch(remove_labels=("legacy.example.com/x",))
    assert check(policy, str(DEPLOY), {"team": "a", "env": "prod", "tier": "fe"}) == []


def test_policy_coverage() -> None:
    policy = Policy("p", required_keys=["team"], kinds=["Deployment"], namespace_selector="env=prod",
                    exemptions=["clusters/*/namespaces/shop/deployments.apps/cart"])
    assert not covers(policy, DEPLOY, "Deployment", {"env": "prod"})  # exempt
    other = ResourceName("east", "shop", "deployments.apps", "checkout")
    assert covers(policy, other, "Deployment", {"env": "prod"})
    assert not covers(policy, other, "Deployment", {"env": "dev"})
    assert not covers(policy, ResourceName("east", "shop", "services", "x"), "Service", {"env": "prod"})
    assert not covers(BUILT_IN[0], other, "Deployment", {})  # disabled until switched on
    on = Policy(**{**BUILT_IN[0].__dict__, "enforcement": Enforcement.AUDIT})
    assert covers(on, other, "Deployment", {})


@pytest.mark.parametrize("policy,field", [
    (Policy("p", value_patterns={"env": "(unclosed"}), "label_policy.value_patterns[env]"),
    (Policy("p", value_patterns={"env": "(?<=x)y"}), "label_policy.value_patterns[env]"),
    (Policy("p", required_keys=["bad key"]), "label_policy.required_keys[0]"),
    (Policy("p", allowed_values={"tier": ["-x"]}), "label_policy.allowed_values[tier]"),
    (Policy("p", required_keys=["a"], namespace_selector="env in (a"), "label_policy.namespace_selector"),
    (Policy("p"), "label_policy.required_keys"),
    (Policy("Bad_Id", required_keys=["a"]), "label_policy_id"),
    (Policy("p", allowed_values={"t": ["a"]}, default_values={"t": "b"}), "label_policy.default_values[t]"),
])
def test_invalid_policies_name_the_field(policy: Policy, field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        validate(policy)
    assert caught.value.violations[0].field == field


def test_near_duplicate_keys() -> None:
    groups = {g.keys: g.reason for g in similar(["app", "App", "application", "app_name", "app-name", "team",
                                                 "teams", "region", "regoin", "zone", "tier"])}
    assert groups[("App", "app", "application")] == "synonym"
    assert groups[("app-name", "app_name")] == "case-or-separator"
    assert groups[("team", "teams")] == "synonym"
    assert groups[("region", "regoin")] == "edit-distance"
    assert not any("zone" in keys or "tier" in keys for keys in groups)


def test_usage_counts_values() -> None:
    used = usage(Counter(pair for labels in ({"app": "a"}, {"app": "a", "team": "x"}, {"app": "b"})
                         for pair in labels.items()))
    assert [(u.key, u.count, u.values) for u in used] == [("app", 3, [("a", 2), ("b", 1)]), ("team", 1, [("x", 1)])]
