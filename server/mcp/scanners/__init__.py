"""The scan rules: pure functions from a snapshot of a cluster's objects to findings.

Each rule has an id, a category and a default severity, and turns what it sees into findings
that name the resource, the evidence (facts read from the cluster, never a Secret value) and a
remediation: text plus, where one patch fixes it, a strategic-merge patch of the object that
owns the problem (the Deployment, not its pods). Rules learn from K8sGPT's analyzers, Polaris's
checks and Popeye's sanitizers; they read plain dicts as the Kubernetes API returns them.
"""

from __future__ import annotations

from server.mcp.scanners import configuration, health, security, usage  # noqa: F401 (they register their rules)
from server.mcp.scanners.base import (RULES, Category, Finding, Prices, Severity, Snapshot, resource_name, run,
                                      scores)

__all__ = ["RULES", "Category", "Finding", "Prices", "Severity", "Snapshot", "resource_name", "run", "scores"]
