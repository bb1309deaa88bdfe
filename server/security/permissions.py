"""The one table saying what every kubecommit RPC needs.

Each RPC of the eight services maps to a Permission and a Reach (how far beyond the names in its
request it may go). The table is checked against the generated service descriptors at import:
an RPC added to the contract without an entry here stops the server from starting, so nothing
new can slip through unprotected.

`python -m server.security` prints it as Markdown for docs/security.md.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from server import contract


class Permission(enum.StrEnum):
    CLUSTERS_READ = "clusters.read"
    CLUSTERS_WRITE = "clusters.write"
    RESOURCES_READ = "resources.read"
    RESOURCES_APPLY = "resources.apply"
    RESOURCES_ROLLBACK = "resources.rollback"
    VERSIONS_WRITE = "versions.write"
    LOGS_READ = "logs.read"
    EXEC_RUN = "exec.run"
    POLICIES_READ = "policies.read"
    POLICIES_WRITE = "policies.write"
    BACKUPS_ADMIN = "backups.admin"
    ADMIN_MANAGE = "admin.manage"
    JOBS_ADMIN = "jobs.admin"
    ALERTS_MANAGE = "alerts.manage"

    @property
    def mutates(self) -> bool:
        """Changes something (a cluster, the store, a container): audited, and a caller scoped to
        namespaces may not use it on cluster-level objects."""
        return self not in _READS

    @property
    def store_wide(self) -> bool:
        """Acts on the whole store at once, so a token scoped to clusters or namespaces can never
        hold it (a scoped admin must not back up or restore other clusters' history)."""
        return self in (Permission.BACKUPS_ADMIN, Permission.ADMIN_MANAGE, Permission.JOBS_ADMIN)


_READS = frozenset({Permission.CLUSTERS_READ, Permission.RESOURCES_READ, Permission.LOGS_READ,
                    Permission.POLICIES_READ})

DESCRIPTIONS: dict[Permission, str] = {
    Permission.CLUSTERS_READ: "see clusters, their health, metrics and inventory",
    Permission.CLUSTERS_WRITE: "register, change, sync and delete clusters",
    Permission.RESOURCES_READ: "read resources, their versions, history, diffs and drift",
    Permission.RESOURCES_APPLY: "apply, change and delete resources; merge drafts into main",
    Permission.RESOURCES_ROLLBACK: "roll a resource back to an earlier version",
    Permission.VERSIONS_WRITE: "create and delete tags and branches",
    Permission.LOGS_READ: "read, stream and export container logs; see exec sessions",
    Permission.EXEC_RUN: "run commands in containers, read and write their files",
    Permission.POLICIES_READ: "read exec, label and quota-alert policies",
    Permission.POLICIES_WRITE: "change exec, label and quota-alert policies",
    Permission.BACKUPS_ADMIN: "create, verify, restore and delete backups (unscoped only)",
    Permission.ADMIN_MANAGE: "create, list and revoke tokens, read the audit log, end exec sessions "
                             "(unscoped only)",
    Permission.JOBS_ADMIN: "see, run and pause jobs; change notification channels and alert rules (unscoped only)",
    Permission.ALERTS_MANAGE: "acknowledge, resolve and silence alerts in scope",
}


class Reach(enum.StrEnum):
    # The request names everything it touches; the interceptor checks every name, and a scoped
    # caller must name something inside its scope (no `-` wildcards).
    NAMED = "named"
    # May touch more than it names (`clusters/-`, manifests, merged branches, tool calls): the
    # interceptor checks what is named; the service narrows reads with `visible()` and checks
    # every object it changes with `authorize()`. Kept to the RPCs whose services do so.
    SPANS = "spans"
    # Touches nothing inside a cluster (tags, branches, label policies, tools).
    GLOBAL = "global"


@dataclass(frozen=True)
class Rule:
    permission: Permission
    reach: Reach = Reach.NAMED
    # Recorded in the audit log when it completes; by default exactly the mutating RPCs.
    audit: bool | None = None

    @property
    def audited(self) -> bool:
        return self.permission.mutates if self.audit is None else self.audit


P, R = Permission, Reach

# Keyed by `Service/Method` within kubecommit.v1; expanded to full method names below.
_TABLE: dict[str, Rule] = {
    "ClustersService/CreateCluster": Rule(P.CLUSTERS_WRITE),
    "ClustersService/GetCluster": Rule(P.CLUSTERS_READ),
    "ClustersService/ListClusters": Rule(P.CLUSTERS_READ, R.SPANS),
    "ClustersService/UpdateCluster": Rule(P.CLUSTERS_WRITE),
    "ClustersService/DeleteCluster": Rule(P.CLUSTERS_WRITE),
    "ClustersService/TestCluster": Rule(P.CLUSTERS_READ),
    "ClustersService/SyncCluster": Rule(P.CLUSTERS_WRITE),
    "ClustersService/GetClusterHealth": Rule(P.CLUSTERS_READ),
    "ClustersService/GetClusterMetrics": Rule(P.CLUSTERS_READ),
    "ClustersService/GetClusterResourceStats": Rule(P.CLUSTERS_READ),
    "ClustersService/SummarizeClusters": Rule(P.CLUSTERS_READ, R.SPANS),
    "ClustersService/CheckClustersHealth": Rule(P.CLUSTERS_READ, R.SPANS),
    "ClustersService/ListResources": Rule(P.RESOURCES_READ, R.SPANS),
    "ClustersService/WatchResources": Rule(P.RESOURCES_READ, R.SPANS),
    "ClustersService/GetResource": Rule(P.RESOURCES_READ),
    "ClustersService/CompareResources": Rule(P.RESOURCES_READ),
    "YamlVersionsService/ApplyManifest": Rule(P.RESOURCES_APPLY, R.SPANS),
    "YamlVersionsService/DeleteResource": Rule(P.RESOURCES_APPLY),
    "YamlVersionsService/ListVersions": Rule(P.RESOURCES_READ),
    "YamlVersionsService/GetVersion": Rule(P.RESOURCES_READ),
    "YamlVersionsService/DiffVersions": Rule(P.RESOURCES_READ),
    "YamlVersionsService/RollbackResource": Rule(P.RESOURCES_ROLLBACK),
    "YamlVersionsService/CreateTag": Rule(P.VERSIONS_WRITE, R.GLOBAL),
    "YamlVersionsService/ListTags": Rule(P.RESOURCES_READ, R.GLOBAL),
    "YamlVersionsService/DeleteTag": Rule(P.VERSIONS_WRITE, R.GLOBAL),
    "YamlVersionsService/CreateBranch": Rule(P.VERSIONS_WRITE, R.GLOBAL),
    "YamlVersionsService/ListBranches": Rule(P.RESOURCES_READ, R.GLOBAL),
    "YamlVersionsService/DeleteBranch": Rule(P.VERSIONS_WRITE, R.GLOBAL),
    "YamlVersionsService/MergeBranch": Rule(P.RESOURCES_APPLY, R.SPANS),
    "YamlVersionsService/DetectDrift": Rule(P.RESOURCES_READ),
    "YamlVersionsService/ImportDrift": Rule(P.RESOURCES_APPLY),
    "YamlVersionsService/ListCommits": Rule(P.RESOURCES_READ),
    "YamlVersionsService/CreateBackup": Rule(P.BACKUPS_ADMIN, R.GLOBAL),
    "YamlVersionsService/ListBackups": Rule(P.BACKUPS_ADMIN, R.GLOBAL),
    "YamlVersionsService/VerifyBackup": Rule(P.BACKUPS_ADMIN, R.GLOBAL),
    "YamlVersionsService/RestoreBackup": Rule(P.BACKUPS_ADMIN, R.GLOBAL),
    "YamlVersionsService/DeleteBackup": Rule(P.BACKUPS_ADMIN, R.GLOBAL),
    "YamlVersionsService/StreamBackupOperation": Rule(P.BACKUPS_ADMIN, R.GLOBAL),
    "ContainersService/ListContainers": Rule(P.RESOURCES_READ),
    "ContainersService/ListLogEntries": Rule(P.LOGS_READ),
    "ContainersService/StreamLogs": Rule(P.LOGS_READ),
    "ContainersService/ExportLogs": Rule(P.LOGS_READ, audit=True),
    "ContainersService/ListLogExports": Rule(P.LOGS_READ),
    "ContainersService/Exec": Rule(P.EXEC_RUN),
    "ContainersService/ExecStream": Rule(P.EXEC_RUN),
    "ContainersService/ListExecSessions": Rule(P.LOGS_READ),
    "ContainersService/GetExecSession": Rule(P.LOGS_READ),
    "ContainersService/GetExecPolicy": Rule(P.POLICIES_READ),
    "ContainersService/UpdateExecPolicy": Rule(P.POLICIES_WRITE),
    "ContainersService/ListFiles": Rule(P.EXEC_RUN),
    "ContainersService/DownloadFile": Rule(P.EXEC_RUN),
    "ContainersService/UploadFile": Rule(P.EXEC_RUN),
    "ContainersService/DeleteFile": Rule(P.EXEC_RUN),
    "QuotasService/CreateResourceQuota": Rule(P.RESOURCES_APPLY),
    "QuotasService/GetResourceQuota": Rule(P.RESOURCES_READ),
    "QuotasService/ListResourceQuotas": Rule(P.RESOURCES_READ, R.SPANS),
    "QuotasService/UpdateResourceQuota": Rule(P.RESOURCES_APPLY),
    "QuotasService/DeleteResourceQuota": Rule(P.RESOURCES_APPLY),
    "QuotasService/CreateLimitRange": Rule(P.RESOURCES_APPLY),
    "QuotasService/GetLimitRange": Rule(P.RESOURCES_READ),
    "QuotasService/ListLimitRanges": Rule(P.RESOURCES_READ, R.SPANS),
    "QuotasService/UpdateLimitRange": Rule(P.RESOURCES_APPLY),
    "QuotasService/DeleteLimitRange": Rule(P.RESOURCES_APPLY),
    "QuotasService/GetQuotaUsage": Rule(P.RESOURCES_READ, R.SPANS),
    "QuotasService/CheckManifestQuotas": Rule(P.RESOURCES_READ),
    "QuotasService/GetQuotaAlertPolicy": Rule(P.POLICIES_READ),
    "QuotasService/UpdateQuotaAlertPolicy": Rule(P.POLICIES_WRITE),
    "LabelsService/GetLabels": Rule(P.RESOURCES_READ),
    "LabelsService/UpdateLabels": Rule(P.RESOURCES_APPLY),
    "LabelsService/BatchUpdateLabels": Rule(P.RESOURCES_APPLY, R.SPANS),
    "LabelsService/SelectResources": Rule(P.RESOURCES_READ, R.SPANS),
    "LabelsService/CreateLabelPolicy": Rule(P.POLICIES_WRITE, R.GLOBAL),
    "LabelsService/GetLabelPolicy": Rule(P.POLICIES_READ, R.GLOBAL),
    "LabelsService/ListLabelPolicies": Rule(P.POLICIES_READ, R.GLOBAL),
    "LabelsService/UpdateLabelPolicy": Rule(P.POLICIES_WRITE, R.GLOBAL),
    "LabelsService/DeleteLabelPolicy": Rule(P.POLICIES_WRITE, R.GLOBAL),
    "LabelsService/CheckLabelCompliance": Rule(P.RESOURCES_READ, R.SPANS),
    "LabelsService/FixLabelCompliance": Rule(P.RESOURCES_APPLY, R.SPANS),
    "LabelsService/ListLabelKeys": Rule(P.RESOURCES_READ, R.SPANS),
    "LabelsService/ListLabelHistory": Rule(P.RESOURCES_READ),
    "AffinityService/GetNodeAffinity": Rule(P.RESOURCES_READ),
    "AffinityService/SetNodeAffinity": Rule(P.RESOURCES_APPLY),
    "AffinityService/GetPodAffinity": Rule(P.RESOURCES_READ),
    "AffinityService/SetPodAffinity": Rule(P.RESOURCES_APPLY),
    "AffinityService/GetTolerations": Rule(P.RESOURCES_READ),
    "AffinityService/SetTolerations": Rule(P.RESOURCES_APPLY),
    "AffinityService/ListNodeTaints": Rule(P.RESOURCES_READ, R.SPANS),
    "AffinityService/AddNodeTaints": Rule(P.RESOURCES_APPLY),
    "AffinityService/RemoveNodeTaints": Rule(P.RESOURCES_APPLY),
    "AffinityService/CordonNode": Rule(P.RESOURCES_APPLY),
    "AffinityService/UncordonNode": Rule(P.RESOURCES_APPLY),
    "AffinityService/DrainNode": Rule(P.RESOURCES_APPLY),
    "AffinityService/SuggestPlacement": Rule(P.RESOURCES_READ),
    "AffinityService/SuggestNodeSelectors": Rule(P.RESOURCES_READ),
    "AffinityService/ListTopologyDomains": Rule(P.RESOURCES_READ),
    "AffinityService/ValidateScheduling": Rule(P.RESOURCES_READ),
    "AffinityService/GetAffinityGraph": Rule(P.RESOURCES_READ),
    "CrdService/ListCustomResourceDefinitions": Rule(P.RESOURCES_READ, R.SPANS),
    "CrdService/GetCustomResourceDefinition": Rule(P.RESOURCES_READ),
    "CrdService/GetCustomResourceSchema": Rule(P.RESOURCES_READ),
    "CrdService/CompareCustomResourceDefinitions": Rule(P.RESOURCES_READ, R.SPANS),
    "CrdService/ListCustomObjectRows": Rule(P.RESOURCES_READ),
    "CrdService/ValidateCustomObject": Rule(P.RESOURCES_READ, R.SPANS),
    "CrdService/CheckCustomResourceDefinitionUpdate": Rule(P.RESOURCES_READ),
    "OperationsService/ListJobs": Rule(P.JOBS_ADMIN, R.GLOBAL, audit=False),
    "OperationsService/GetJob": Rule(P.JOBS_ADMIN, R.GLOBAL, audit=False),
    "OperationsService/RunJob": Rule(P.JOBS_ADMIN, R.GLOBAL),
    "OperationsService/PauseJob": Rule(P.JOBS_ADMIN, R.GLOBAL),
    "OperationsService/ResumeJob": Rule(P.JOBS_ADMIN, R.GLOBAL),
    # Series and alerts are about clusters: reads are narrowed to the caller's scope by the service.
    "OperationsService/ListTimeSeries": Rule(P.CLUSTERS_READ, R.SPANS),
    "OperationsService/QueryTimeSeries": Rule(P.CLUSTERS_READ),
    "OperationsService/ListAlerts": Rule(P.CLUSTERS_READ, R.SPANS),
    "OperationsService/GetAlert": Rule(P.CLUSTERS_READ, R.SPANS),
    "OperationsService/AcknowledgeAlert": Rule(P.ALERTS_MANAGE, R.SPANS),
    "OperationsService/ResolveAlert": Rule(P.ALERTS_MANAGE, R.SPANS),
    "OperationsService/SilenceAlert": Rule(P.ALERTS_MANAGE, R.SPANS),
    "OperationsService/WatchAlerts": Rule(P.CLUSTERS_READ, R.SPANS),
    # Channel URLs can hold credentials (Slack webhooks): admins only, reads included.
    "OperationsService/CreateNotificationChannel": Rule(P.JOBS_ADMIN, R.GLOBAL),
    "OperationsService/GetNotificationChannel": Rule(P.JOBS_ADMIN, R.GLOBAL, audit=False),
    "OperationsService/ListNotificationChannels": Rule(P.JOBS_ADMIN, R.GLOBAL, audit=False),
    "OperationsService/UpdateNotificationChannel": Rule(P.JOBS_ADMIN, R.GLOBAL),
    "OperationsService/DeleteNotificationChannel": Rule(P.JOBS_ADMIN, R.GLOBAL),
    "OperationsService/ListNotificationDeliveries": Rule(P.JOBS_ADMIN, R.GLOBAL, audit=False),
    "OperationsService/TestNotificationChannel": Rule(P.JOBS_ADMIN, R.GLOBAL),
    "OperationsService/ListAlertRules": Rule(P.POLICIES_READ, R.GLOBAL),
    "OperationsService/GetAlertRule": Rule(P.POLICIES_READ, R.GLOBAL),
    "OperationsService/CreateAlertRule": Rule(P.JOBS_ADMIN, R.GLOBAL),
    "OperationsService/UpdateAlertRule": Rule(P.JOBS_ADMIN, R.GLOBAL),
    "OperationsService/DeleteAlertRule": Rule(P.JOBS_ADMIN, R.GLOBAL),
    # Tools run with the caller's rights: the MCP service authorizes each tool's own permission.
    "McpService/ListTools": Rule(P.RESOURCES_READ, R.GLOBAL),
    "McpService/CallTool": Rule(P.RESOURCES_READ, R.SPANS, audit=True),
    # Scans are narrowed to the clusters and namespaces in the caller's scope by the service.
    "McpService/ScanCluster": Rule(P.RESOURCES_READ, R.SPANS),
    "McpService/ListScans": Rule(P.RESOURCES_READ, R.SPANS),
    "McpService/GetScan": Rule(P.RESOURCES_READ, R.SPANS),
    "McpService/CompareScans": Rule(P.RESOURCES_READ, R.SPANS),
    # A draft branch of the scan's patches: the service checks apply on every object it changes.
    "McpService/ApplyRecommendations": Rule(P.RESOURCES_APPLY, R.SPANS),
    # Administration: every call audited, reads included (who looked at the audit log is audit).
    "AdminService/CreateToken": Rule(P.ADMIN_MANAGE, R.GLOBAL, audit=True),
    "AdminService/ListTokens": Rule(P.ADMIN_MANAGE, R.GLOBAL, audit=True),
    "AdminService/DeleteToken": Rule(P.ADMIN_MANAGE, R.GLOBAL, audit=True),
    "AdminService/ListAuditEntries": Rule(P.ADMIN_MANAGE, R.GLOBAL, audit=True),
    "AdminService/TerminateExecSession": Rule(P.ADMIN_MANAGE, R.GLOBAL, audit=True),
}

def _expand(table: dict[str, Rule]) -> dict[str, Rule]:
    rules = {f"/kubecommit.v1.{key}": rule for key, rule in table.items()}
    methods = contract.methods()
    missing = sorted(set(methods) - set(rules))
    stale = sorted(set(rules) - set(methods))
    if missing or stale:
        raise RuntimeError(
            "server/security/permissions.py is out of step with the contract: "
            f"RPCs without a permission {missing}; entries for no RPC {stale}"
        )
    return {method: rules[method] for method in methods}


RULES: dict[str, Rule] = _expand(_TABLE)


def markdown() -> str:
    """The table as docs/security.md shows it (a test keeps the two in step)."""
    lines = ["| RPC | permission | reach | audited |", "| --- | --- | --- | --- |"]
    for method, rule in RULES.items():
        short = method.removeprefix("/kubecommit.v1.")
        lines.append(f"| `{short}` | `{rule.permission}` | {rule.reach} | "
                     f"{'yes' if rule.audited else ''} |")
    return "\n".join(lines) + "\n"
