"""PodDisruptionBudgets: the disruption controller's status arithmetic and the Eviction API's
decision (429 when a budget would be violated), as pure functions over plain objects."""

from __future__ import annotations

import math

from kubesim.errors import ApiError
from kubesim.selectors import label_selector_from_dict, labels_match


def is_ready(pod: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in (pod.get("status") or {}).get("conditions") or [])


def covered(pdb: dict, pods: list[dict]) -> list[dict]:
    """Pods of the budget's namespace its selector matches (an empty selector matches none in policy/v1
    only when null; `{}` matches all)."""
    selector = (pdb.get("spec") or {}).get("selector")
    if selector is None:
        return []
    reqs = label_selector_from_dict(selector)
    ns = pdb["metadata"].get("namespace")
    return [p for p in pods if p["metadata"].get("namespace") == ns and not p["metadata"].get("deletionTimestamp")
            and labels_match(reqs, p["metadata"].get("labels"))]


def _scaled(value: int | str, total: int) -> int:
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(int(value[:-1]) * total / 100)
    return int(value)


def budget_status(pdb: dict, pods: list[dict]) -> dict:
    """status of a PodDisruptionBudget given the namespace's pods."""
    mine = covered(pdb, pods)
    expected = len(mine)
    healthy = sum(1 for p in mine if is_ready(p))
    spec = pdb.get("spec") or {}
    if spec.get("maxUnavailable") is not None:
        desired = max(0, expected - _scaled(spec["maxUnavailable"], expected))
    else:
        desired = _scaled(spec.get("minAvailable", 1), expected)
    status = dict(pdb.get("status") or {})
    status.update(currentHealthy=healthy, desiredHealthy=desired, expectedPods=expected,
                  disruptionsAllowed=max(0, healthy - desired),
                  observedGeneration=pdb["metadata"].get("generation", 1))
    status.setdefault("disruptedPods", {})
    return status


def check_eviction(pod: dict, pdbs: list[dict], pods: list[dict]) -> None:
    """Raise what the eviction subresource answers when the pod may not go now."""
    matching = [b for b in pdbs if pod in covered(b, [pod])]
    if len(matching) > 1:
        raise ApiError(500, "InternalError",
                       "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")
    if not matching:
        return
    status = budget_status(matching[0], pods)
    if not is_ready(pod) and status["currentHealthy"] >= status["desiredHealthy"]:
        return  # an unhealthy pod may go while the budget holds (IfHealthyBudget)
    if status["disruptionsAllowed"] <= 0:
        name = matching[0]["metadata"]["name"]
        raise ApiError(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", {
            "causes": [{"reason": "DisruptionBudget",
                        "message": f"The disruption budget {name} needs {status['desiredHealthy']} healthy pods and "
                                   f"has {status['currentHealthy']} currently"}]})
