"""Every RPC of the contract is reachable from the CLI: the services' methods are read from the
descriptors (server.contract.SERVICES), each must map to a `kubecommit` command that exists in the
command tree, and that command must be driven by some test under tests/ (its words, in order, as
arguments of a test's command line). A new RPC without a command fails here.

GAPS would name RPCs still without a command (none are): an RPC may not be in both tables, and an
entry gone from the contract fails too. Every command of the CLI (not only those an RPC maps to)
must also be driven by some test.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from typing import Any

import typer

from clients.cli.main import app
from server.contract import SERVICES

TESTS = Path(__file__).resolve().parents[1]

# Service.Method -> the command (words of its path, then any option that selects the RPC).
COMMANDS: dict[str, str] = {
    "AdminService.CreateToken": "token create",
    "AdminService.ListTokens": "token list",
    "AdminService.DeleteToken": "token revoke",
    "AdminService.ListAuditEntries": "audit",
    "AdminService.TerminateExecSession": "sessions --terminate",
    "AffinityService.DrainNode": "affinity drain",
    "AffinityService.CordonNode": "affinity cordon",
    "AffinityService.UncordonNode": "affinity uncordon",
    "AffinityService.AddNodeTaints": "affinity taint",
    "AffinityService.RemoveNodeTaints": "affinity taint",
    "AffinityService.ListNodeTaints": "affinity taints",
    "AffinityService.GetNodeAffinity": "affinity node-affinity get",
    "AffinityService.SetNodeAffinity": "affinity node-affinity set",
    "AffinityService.GetPodAffinity": "affinity pod-affinity get",
    "AffinityService.SetPodAffinity": "affinity pod-affinity set",
    "AffinityService.GetTolerations": "affinity tolerations get",
    "AffinityService.SetTolerations": "affinity tolerations set",
    "AffinityService.SuggestPlacement": "affinity suggest",
    "AffinityService.SuggestNodeSelectors": "affinity node-selectors",
    "AffinityService.ListTopologyDomains": "affinity topology",
    "AffinityService.ValidateScheduling": "affinity check",
    "AffinityService.GetAffinityGraph": "affinity graph",
    "ClustersService.CreateCluster": "clusters add",
    "ClustersService.GetCluster": "clusters get",
    "ClustersService.CheckClustersHealth": "clusters health",
    "ClustersService.ListClusters": "clusters list",
    "ClustersService.UpdateCluster": "clusters update",
    "ClustersService.DeleteCluster": "clusters remove",
    "ClustersService.TestCluster": "clusters test",
    "ClustersService.SyncCluster": "clusters sync",
    "ClustersService.GetClusterHealth": "clusters health",
    "ClustersService.GetClusterMetrics": "clusters metrics",
    "ClustersService.GetClusterResourceStats": "api-resources",
    "ClustersService.SummarizeClusters": "clusters summary",
    "ClustersService.ListResources": "get",
    "ClustersService.WatchResources": "get --watch",
    "ClustersService.GetResource": "describe",
    "ClustersService.CompareResources": "compare",
    "ContainersService.ListContainers": "logs",
    "ContainersService.ListLogEntries": "logs",
    "ContainersService.StreamLogs": "logs --follow",
    "ContainersService.ExportLogs": "logs --export",
    "ContainersService.ListLogExports": "log-exports",
    "ContainersService.Exec": "exec --timeout",
    "ContainersService.ExecStream": "exec",
    "ContainersService.ListExecSessions": "sessions",
    "ContainersService.GetExecSession": "sessions",
    "ContainersService.GetExecPolicy": "exec-policy get",
    "ContainersService.UpdateExecPolicy": "exec-policy set",
    "ContainersService.ListFiles": "ls",
    "ContainersService.DownloadFile": "cp",
    "ContainersService.UploadFile": "cp",
    "ContainersService.DeleteFile": "rm",
    "CrdService.ListCustomResourceDefinitions": "crds list",
    "CrdService.GetCustomResourceSchema": "crds explain",
    "CrdService.ValidateCustomObject": "crds validate",
    "CrdService.GetCustomResourceDefinition": "crds get",
    "CrdService.CompareCustomResourceDefinitions": "crds compare",
    "CrdService.ListCustomObjectRows": "crds rows",
    "CrdService.CheckCustomResourceDefinitionUpdate": "crds check-update",
    "LabelsService.GetLabels": "labels get",
    "LabelsService.UpdateLabels": "labels set",
    "LabelsService.BatchUpdateLabels": "labels set --selector",
    "LabelsService.SelectResources": "labels select",
    "LabelsService.CheckLabelCompliance": "labels check",
    "LabelsService.FixLabelCompliance": "labels check --fix",
    "LabelsService.ListLabelKeys": "labels keys",
    "LabelsService.ListLabelHistory": "labels history",
    "LabelsService.CreateLabelPolicy": "labels policy create",
    "LabelsService.GetLabelPolicy": "labels policy get",
    "LabelsService.ListLabelPolicies": "labels policy list",
    "LabelsService.UpdateLabelPolicy": "labels policy update",
    "LabelsService.DeleteLabelPolicy": "labels policy delete",
    "McpService.ListTools": "mcp",
    "McpService.CallTool": "mcp",
    "McpService.ScanCluster": "scan run",
    "McpService.ListScans": "scan list",
    "McpService.GetScan": "scan get",
    "McpService.CompareScans": "scan compare",
    "McpService.ApplyRecommendations": "scan apply",
    "OperationsService.ListJobs": "jobs list",
    "OperationsService.ListTimeSeries": "metrics list",
    "OperationsService.QueryTimeSeries": "metrics query",
    "OperationsService.GetJob": "jobs get",
    "OperationsService.RunJob": "jobs run",
    "OperationsService.PauseJob": "jobs pause",
    "OperationsService.ResumeJob": "jobs resume",
    "OperationsService.ListAlerts": "alerts list",
    "OperationsService.GetAlert": "alerts get",
    "OperationsService.AcknowledgeAlert": "alerts ack",
    "OperationsService.ResolveAlert": "alerts resolve",
    "OperationsService.SilenceAlert": "alerts silence",
    "OperationsService.WatchAlerts": "alerts watch",
    "OperationsService.CreateNotificationChannel": "channels create",
    "OperationsService.GetNotificationChannel": "channels get",
    "OperationsService.ListNotificationChannels": "channels list",
    "OperationsService.UpdateNotificationChannel": "channels update",
    "OperationsService.DeleteNotificationChannel": "channels delete",
    "OperationsService.ListNotificationDeliveries": "channels deliveries",
    "OperationsService.TestNotificationChannel": "channels test",
    "OperationsService.ListAlertRules": "alerts rules list",
    "OperationsService.GetAlertRule": "alerts rules get",
    "OperationsService.CreateAlertRule": "alerts rules create",
    "OperationsService.UpdateAlertRule": "alerts rules update",
    "OperationsService.DeleteAlertRule": "alerts rules delete",
    "QuotasService.CreateResourceQuota": "quotas set",
    "QuotasService.GetResourceQuota": "quotas describe",
    "QuotasService.ListResourceQuotas": "quotas list",
    "QuotasService.UpdateResourceQuota": "quotas set",
    "QuotasService.GetQuotaUsage": "quotas describe",
    "QuotasService.DeleteResourceQuota": "quotas delete",
    "QuotasService.CheckManifestQuotas": "quotas check",
    "QuotasService.CreateLimitRange": "quotas limits set",
    "QuotasService.UpdateLimitRange": "quotas limits set",
    "QuotasService.GetLimitRange": "quotas limits get",
    "QuotasService.ListLimitRanges": "quotas limits list",
    "QuotasService.DeleteLimitRange": "quotas limits delete",
    "QuotasService.GetQuotaAlertPolicy": "quotas alert-policy get",
    "QuotasService.UpdateQuotaAlertPolicy": "quotas alert-policy set",
    "YamlVersionsService.ApplyManifest": "apply",
    "YamlVersionsService.DeleteResource": "delete",
    "YamlVersionsService.ListVersions": "history",
    "YamlVersionsService.GetVersion": "show",
    "YamlVersionsService.DiffVersions": "diff",
    "YamlVersionsService.RollbackResource": "rollback",
    "YamlVersionsService.CreateTag": "tag create",
    "YamlVersionsService.ListTags": "tag list",
    "YamlVersionsService.DeleteTag": "tag delete",
    "YamlVersionsService.CreateBranch": "branch create",
    "YamlVersionsService.ListBranches": "branch list",
    "YamlVersionsService.DeleteBranch": "branch delete",
    "YamlVersionsService.MergeBranch": "merge",
    "YamlVersionsService.DetectDrift": "drift detect",
    "YamlVersionsService.ImportDrift": "drift import",
    "YamlVersionsService.ListCommits": "commits",
    "YamlVersionsService.CreateBackup": "backup create",
    "YamlVersionsService.ListBackups": "backup list",
    "YamlVersionsService.VerifyBackup": "backup verify",
    "YamlVersionsService.RestoreBackup": "backup restore",
    "YamlVersionsService.DeleteBackup": "backup delete",
    "YamlVersionsService.StreamBackupOperation": "backup verify",
}

# RPCs without a command yet, named so a gap is visible; empty now, and a new RPC belongs in
# COMMANDS with its command and a test, not here.
GAPS: set[str] = set()


def _rpcs() -> set[str]:
    return {f"{service.name}.{method.name}" for service in SERVICES.values() for method in service.methods}


def _command(words: list[str]) -> Any:
    """The (click) command at `words` in kubecommit's tree; a missing one fails with its path."""
    command = typer.main.get_command(app)
    for word in words:
        assert hasattr(command, "commands"), f"{' '.join(words)}: {command.name} has no sub-commands"
        found = command.commands.get(word)
        assert found is not None, f"kubecommit has no command {' '.join(words)!r}"
        command = found
    return command


@lru_cache(maxsize=1)
def _test_sources() -> str:
    return "\n".join(p.read_text() for p in TESTS.rglob("test_*.py") if p.resolve() != Path(__file__).resolve())


def _driven(words: list[str], option: tuple[str, ...] = ()) -> bool:
    """Some test passes these words, in order, as arguments of a command line (with one spelling
    of the option among that call's arguments when one selects the RPC)."""
    quoted = r",\s*".join(f"[\"']{re.escape(w)}[\"']" for w in words)
    for match in re.finditer(r"(?:\(|\[|,)\s*" + quoted + r"\s*[,)\]]", _test_sources()):
        if not option:
            return True
        call_end = _test_sources().find("\n\n", match.end())
        if any(re.search(f"[\"']{re.escape(o)}[\"'=]", _test_sources()[match.start():call_end]) for o in option):
            return True
    return False


def test_every_rpc_has_a_command_or_is_a_named_gap() -> None:
    rpcs = _rpcs()
    missing = sorted(rpcs - COMMANDS.keys() - GAPS)
    assert not missing, f"RPCs without a CLI command (add one, with a test): {missing}"
    assert not (COMMANDS.keys() & GAPS), f"listed as gaps but mapped: {sorted(COMMANDS.keys() & GAPS)}"
    assert not (COMMANDS.keys() | GAPS) - rpcs, f"not in the contract: {sorted((COMMANDS.keys() | GAPS) - rpcs)}"


def test_each_mapped_command_exists_and_a_test_drives_it() -> None:
    undriven = []
    for rpc, spelled in sorted(COMMANDS.items()):
        words = [w for w in spelled.split() if not w.startswith("-")]
        options = [w for w in spelled.split() if w.startswith("-")]
        command = _command(words)
        spellings = {o: tuple(p.opts) for p in command.params for o in (*p.opts, *p.secondary_opts)}
        for option in options:
            assert option in spellings, f"{rpc}: `kubecommit {' '.join(words)}` has no option {option}"
        if not _driven(words, spellings[options[0]] if options else ()):
            undriven.append(f"{rpc}: kubecommit {spelled}")
    assert not undriven, f"commands no test drives: {undriven}"


def test_the_check_fails_for_a_command_no_test_drives() -> None:
    """The detector itself: a made-up command is never found driven, a real one is."""
    assert not _driven(["backup", "no-such-verb"])
    assert not _driven(["jobs", "pause"], ("--no-such-option",))
    assert _driven(["jobs", "pause"])


def _leaves(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if not hasattr(command, "commands"):
        return [path]
    return [leaf for name, sub in sorted(command.commands.items()) for leaf in _leaves(sub, (*path, name))]


def test_every_command_of_the_cli_is_driven_by_a_test() -> None:
    """Every verb, not only those that map to an RPC (config, login, serve, ...)."""
    undriven = [" ".join(leaf) for leaf in _leaves(typer.main.get_command(app)) if not _driven(list(leaf))]
    assert not undriven, f"commands no test drives: {undriven}"
