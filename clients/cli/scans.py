"""`kubecommit scan ...`: McpService's cluster scans from a terminal — run one (a bar of the
server's progress, then the report), list and show kept scans, compare two, and turn their
remediation patches into a draft branch a person reviews and merges (`kubecommit merge`)."""

from __future__ import annotations

from typing import Optional

import typer

from clients.cli import completion
from clients.cli.clusters import enum_name, enum_value, follow_progress, when
from clients.cli.connection import Remote, cluster_of, remote
from clients.cli.errors import CliError
from clients.cli.printers import table
from kubecommit.v1 import common_pb2, mcp_pb2, mcp_pb2_grpc

scan_app = typer.Typer(help="Cluster scans: issues, recommendations and a score; fixes as a draft branch.",
                       no_args_is_help=True)
SCAN = typer.Argument(..., help="A scan's name as `scan list` shows it (scans/ID or ID).")


def _stub(rpc: Remote) -> mcp_pb2_grpc.McpServiceStub:
    return mcp_pb2_grpc.McpServiceStub(rpc.channel)


def _name(scan: str) -> str:
    return scan if scan.startswith("scans/") else f"scans/{scan}"


def _severity(number: int) -> str:
    return enum_name(common_pb2.Severity, "SEVERITY_", number).lower()


def _findings(findings: list[mcp_pb2.Finding]) -> None:
    table(["SEVERITY", "RULE", "RESOURCE", "STATE", "ID", "MESSAGE"],
          [[_severity(f.severity), f.rule, f.resource, enum_name(mcp_pb2.FindingState, "FINDING_STATE_", f.state).lower(),
            f.id, f.message] for f in findings])


def _report(scan: mcp_pb2.Scan) -> None:
    r = scan.report
    typer.echo(f"{scan.name} of {scan.cluster}: {enum_name(mcp_pb2.ScanState, 'SCAN_STATE_', scan.state).lower()}, "
               f"score {r.score} ({enum_name(common_pb2.HealthStatus, 'HEALTH_STATUS_', r.status).lower()}), "
               f"{len(r.findings)} findings over {r.resources_scanned} resources")
    if r.findings:
        _findings(list(r.findings))
    for warning in r.warnings:
        typer.echo(f"warning: {warning}", err=True)


@scan_app.command("run")
def scan_run(ctx: typer.Context, cluster: Optional[str] = typer.Option(None, "--cluster", autocompletion=completion.clusters,
                                                                      help="Cluster id; the context's default."),
             namespace: list[str] = typer.Option([], "--namespace", "-n", help="Only these namespaces (repeatable)."),
             category: list[str] = typer.Option([], "--category", help="health, configuration, security, resources "
                                                                       "or cost (repeatable); all when none."),
             min_severity: str = typer.Option("", "--min-severity", help="Leave out findings below it.")) -> None:
    """Scan a cluster now (a bar of the server's progress on a terminal), then its report; the
    scan is kept for `scan get`, `compare` and `apply`."""
    rpc = remote(ctx)
    answer = follow_progress(rpc.stream(_stub(rpc).ScanCluster, mcp_pb2.ScanClusterRequest(
        name=cluster_of(ctx, cluster), namespaces=namespace, categories=category,
        min_severity=enum_value(common_pb2.Severity, "SEVERITY_", min_severity, "--min-severity") if min_severity else 0)),
        "scanning")
    if answer is None:
        raise CliError("the scan ended without a report", "check the server's log")
    _report(answer.scan)  # type: ignore[attr-defined]


@scan_app.command("list")
def scan_list(ctx: typer.Context, filter_: str = typer.Option("", "--filter", help='e.g. cluster = "clusters/prod"')) -> None:
    """Kept scans, newest first."""
    rpc = remote(ctx)
    table(["NAME", "CLUSTER", "STATE", "SCORE", "FINDINGS", "CREATED (UTC)", "BY"],
          [[s.name, s.cluster, enum_name(mcp_pb2.ScanState, "SCAN_STATE_", s.state).lower(), str(s.report.score),
            str(sum(s.report.counts_by_severity.values())), when(s.create_time), s.created_by]
           for s in rpc.pages(_stub(rpc).ListScans, lambda t: mcp_pb2.ListScansRequest(filter=filter_, page_token=t),
                              "scans")])


@scan_app.command("get")
def scan_get(ctx: typer.Context, scan: str = SCAN) -> None:
    """One scan with its findings."""
    rpc = remote(ctx)
    _report(rpc.call(_stub(rpc).GetScan, mcp_pb2.GetScanRequest(name=_name(scan))))


@scan_app.command("compare")
def scan_compare(ctx: typer.Context, scan: str = SCAN,
                 other: str = typer.Option("", "--other", help="The earlier scan; the one before SCAN when empty.")) -> None:
    """Findings opened, fixed and still open between two scans of a cluster."""
    rpc = remote(ctx)
    got = rpc.call(_stub(rpc).CompareScans, mcp_pb2.CompareScansRequest(name=_name(scan),
                                                                       other=_name(other) if other else ""))
    table(["CHANGE", "SEVERITY", "RULE", "RESOURCE", "MESSAGE"],
          [[change, _severity(f.severity), f.rule, f.resource, f.message]
           for change, found in (("opened", got.opened), ("fixed", got.fixed), ("still open", got.still_open))
           for f in found])


@scan_app.command("apply")
def scan_apply(ctx: typer.Context, scan: str = SCAN,
               finding: list[str] = typer.Option([], "--finding", help="A finding id (repeatable); every finding "
                                                                        "with a patch when none."),
               branch: str = typer.Option("", "--branch", help="The new draft branch; made up when empty."),
               message: str = typer.Option("", "--message", "-m"),
               dry_run: bool = typer.Option(False, "--dry-run", help="The verdict and diff only; no branch.")) -> None:
    """The findings' patches as ONE commit on a new draft branch (nothing reaches a cluster);
    review it with `kubecommit diff`, apply it with `kubecommit merge BRANCH`."""
    rpc = remote(ctx)
    got = rpc.call(_stub(rpc).ApplyRecommendations, mcp_pb2.ApplyRecommendationsRequest(
        name=_name(scan), findings=finding, branch=f"branches/{branch.removeprefix('branches/')}" if branch else "",
        message=message, validate_only=dry_run))
    table(["RESOURCE", "ACTION"], [[r.resource, r.action] for r in got.resources])
    typer.echo(f"{len(got.findings)} findings fixed " + (
        "(dry run, no branch)" if dry_run else f"on {got.branch}, commit {got.commit[:12]}"))
