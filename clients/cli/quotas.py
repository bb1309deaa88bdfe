"""`kubecommit quotas ...`: quotas with usage bars (Rancher's view), one quota in detail with its
trend and advice, setting hard limits (a commit, with a dry run first if asked), and the quota's
history of changes."""

from __future__ import annotations

from typing import Optional

import typer
from google.protobuf import field_mask_pb2

from clients.cli import versions
from clients.cli.clusters import when
from clients.cli.connection import cluster_of, namespace_of, remote
from clients.cli.diffs import print_diff
from clients.cli.printers import table
from clients.cli.resources import CLUSTER, NAMESPACE, no_resources
from kubecommit.v1 import common_pb2, quotas_pb2

quotas_app = typer.Typer(help="ResourceQuotas: usage, trends, advice and hard limits.", no_args_is_help=True)
QUOTA = typer.Argument(..., help="The quota's name (metadata.name) in the chosen namespace.")
BAR_WIDTH = 20


def bar(percent: float, width: int = BAR_WIDTH) -> str:
    """`[########------------]  40%`: a usage bar that reads in any terminal and in a pipe."""
    filled = min(width, round(width * percent / 100))
    return f"[{'#' * filled}{'-' * (width - filled)}] {percent:3.0f}%"


def _severity(value: int) -> str:
    return common_pb2.Severity.Name(value).removeprefix("SEVERITY_")


@quotas_app.command("list")
def quotas_list(ctx: typer.Context, cluster: Optional[str] = CLUSTER, namespace: Optional[str] = NAMESPACE,
                all_namespaces: bool = typer.Option(False, "--all-namespaces", "-A", help="Every namespace.")) -> None:
    """Every quota resource with a usage bar, closest to its limit first across namespaces."""
    ns = "-" if all_namespaces else namespace_of(ctx, namespace)
    cluster_name = cluster_of(ctx, cluster, required=False)
    rpc = remote(ctx)
    usage = rpc.call(rpc.quotas.GetQuotaUsage, quotas_pb2.GetQuotaUsageRequest(
        name=f"{cluster_name}/namespaces/{ns}/quotaUsage", omit_trends=True))
    rows = []
    for r in usage.resources:
        parts = r.resource_quota.split("/")
        rows.append([parts[1], parts[3], parts[5], r.resource, r.used, r.hard, bar(r.percent)])
    if rows:
        table(["CLUSTER", "NAMESPACE", "QUOTA", "RESOURCE", "USED", "HARD", "USAGE"], rows)
    else:
        no_resources(ctx, cluster_name, ns)
    for cluster_error in usage.unreachable_clusters:
        typer.echo(f"warning: {cluster_error}", err=True)


@quotas_app.command("describe")
def quotas_describe(ctx: typer.Context, name: str = QUOTA, cluster: Optional[str] = CLUSTER,
                    namespace: Optional[str] = NAMESPACE,
                    window: int = typer.Option(24, help="Hours of history for the trend.")) -> None:
    """One quota: limits, usage, alerts, the trend's projection and a suggested hard limit."""
    full = f"{cluster_of(ctx, cluster)}/namespaces/{namespace_of(ctx, namespace)}/resourcequotas/{name}"
    rpc = remote(ctx)
    quota = rpc.call(rpc.quotas.GetResourceQuota, quotas_pb2.GetResourceQuotaRequest(name=full))
    request = quotas_pb2.GetQuotaUsageRequest(name=f"{full}/usage")
    request.trend_window.FromSeconds(window * 3600)
    usage = rpc.call(rpc.quotas.GetQuotaUsage, request)
    typer.echo(f"Name:      {quota.name}")
    typer.echo(f"Created:   {when(quota.create_time)}")
    if quota.scopes:
        typer.echo(f"Scopes:    {', '.join(quota.scopes)}")
    trends = {t.resource: t for t in usage.trends}
    rows = []
    for r in usage.resources:
        t = trends.get(r.resource)
        projection = t.projection if t else ""
        if t and t.projection == "growing":
            projection = f"full at {when(t.exhaustion_time)} (r²={t.confidence:.2f})"
        rows.append([r.resource, r.used, r.hard, bar(r.percent), r.peak, r.suggested_hard, projection])
    typer.echo("")
    table(["RESOURCE", "USED", "HARD", "USAGE", "PEAK", "SUGGESTED", "PROJECTION"], rows)
    if usage.alerts:
        typer.echo("")
        table(["SEVERITY", "RESOURCE", "MESSAGE"], [[_severity(a.severity), a.resource, a.message]
                                                   for a in usage.alerts])


@quotas_app.command("set")
def quotas_set(ctx: typer.Context, name: str = QUOTA,
               limits: list[str] = typer.Argument(..., help="RESOURCE=QUANTITY, e.g. requests.cpu=4 pods=20"),
               cluster: Optional[str] = CLUSTER, namespace: Optional[str] = NAMESPACE,
               message: str = typer.Option("", "--message", "-m", help="Commit message."),
               dry_run: bool = typer.Option(False, "--dry-run", help="Show the diff and the cluster's verdict only.")
               ) -> None:
    """Sets hard limits (creating the quota when it does not exist); one commit by you."""
    hard = {}
    for item in limits:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise typer.BadParameter(f"{item!r} is not RESOURCE=QUANTITY", param_hint="LIMITS")
        hard[key] = value
    parent = f"{cluster_of(ctx, cluster)}/namespaces/{namespace_of(ctx, namespace)}"
    full = f"{parent}/resourcequotas/{name}"
    rpc = remote(ctx)
    found = rpc.call(rpc.quotas.ListResourceQuotas, quotas_pb2.ListResourceQuotasRequest(
        parent=parent, page_size=1000))
    current = next((q for q in found.resource_quotas if q.name == full), None)
    if current is None:
        result = rpc.call(rpc.quotas.CreateResourceQuota, quotas_pb2.CreateResourceQuotaRequest(
            parent=parent, resource_quota_id=name, resource_quota=quotas_pb2.ResourceQuota(hard=hard),
            validate_only=dry_run, message=message))
    else:
        result = rpc.call(rpc.quotas.UpdateResourceQuota, quotas_pb2.UpdateResourceQuotaRequest(
            resource_quota=quotas_pb2.ResourceQuota(name=full, hard={**current.hard, **hard}, etag=current.etag),
            update_mask=field_mask_pb2.FieldMask(paths=["hard"]), validate_only=dry_run, message=message))
    print_diff(result.diff)
    typer.echo(f"{full}: {'dry run, nothing committed' if dry_run else 'commit ' + result.commit[:12]}")


@quotas_app.command("history")
def quotas_history(ctx: typer.Context, name: str = QUOTA, cluster: Optional[str] = CLUSTER,
                   namespace: Optional[str] = NAMESPACE) -> None:
    """The quota's versions in git, newest first (roll back with `kubecommit rollback`)."""
    full = f"{cluster_of(ctx, cluster)}/namespaces/{namespace_of(ctx, namespace)}/resourcequotas/{name}"
    versions.history(ctx, full, cluster, namespace, "")
