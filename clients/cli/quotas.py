"""`kubecommit quotas ...`: quotas with usage bars (Rancher's view), one quota in detail with its
trend and advice, setting hard limits (a commit, with a dry run first if asked), and the quota's
history of changes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from google.protobuf import field_mask_pb2

from clients.cli import versions
from clients.cli.clusters import when
from clients.cli.connection import cluster_of, namespace_of, remote
from clients.cli.diffs import print_diff
from clients.cli.errors import given
from clients.cli.printers import table
from clients.cli.resources import CLUSTER, NAMESPACE, no_resources, read_manifest
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


def _namespace(ctx: typer.Context, cluster: Optional[str], namespace: Optional[str]) -> str:
    return f"{cluster_of(ctx, cluster)}/namespaces/{namespace_of(ctx, namespace)}"


def _pairs(items: list[str], option: str) -> dict[str, str]:
    """`cpu=500m` pairs of an option; anything else is a usage error naming the option."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise typer.BadParameter(f"{item!r} is not RESOURCE=QUANTITY", param_hint=option)
        out[key] = value
    return out


DRY_RUN = typer.Option(False, "--dry-run", help="Show the diff and the cluster's verdict only.")
MESSAGE = typer.Option("", "--message", "-m", help="Commit message.")


@quotas_app.command("delete")
def quotas_delete(ctx: typer.Context, name: str = QUOTA, cluster: Optional[str] = CLUSTER,
                  namespace: Optional[str] = NAMESPACE, dry_run: bool = DRY_RUN, message: str = MESSAGE) -> None:
    """Deletes the quota in the cluster, recorded as a commit."""
    _delete(ctx, f"{_namespace(ctx, cluster, namespace)}/resourcequotas/{name}", "DeleteResourceQuota", dry_run, message)


def _delete(ctx: typer.Context, full: str, method: str, dry_run: bool, message: str) -> None:
    """DeleteResourceQuota / DeleteLimitRange: one commit (or, on a dry run, the cluster's verdict)."""
    rpc = remote(ctx)
    gone = rpc.call(getattr(rpc.quotas, method), getattr(quotas_pb2, f"{method}Request")(
        name=full, validate_only=dry_run, message=message))
    typer.echo(f"{full}: {'dry run, nothing deleted' if dry_run else 'deleted, commit ' + gone.commit[:12]}")


@quotas_app.command("check")
def quotas_check(ctx: typer.Context, file: Path = typer.Option(..., "--filename", "-f", help="YAML file, or - for stdin."),
                 cluster: Optional[str] = CLUSTER, namespace: Optional[str] = NAMESPACE) -> None:
    """Would this manifest fit the namespace's quotas and LimitRanges? Exit 1 when not."""
    manifest = read_manifest(file)
    rpc = remote(ctx)
    found = rpc.call(rpc.quotas.CheckManifestQuotas, quotas_pb2.CheckManifestQuotasRequest(
        parent=_namespace(ctx, cluster, namespace), manifest=manifest))
    if not found.breaches:
        typer.echo("fits every quota and LimitRange")
        return
    table(["RESOURCE", "LIMITED BY", "FOR", "REQUESTED", "USED", "HARD", "EXCESS"],
          [[b.resource, b.limited_by, b.resource_name, b.requested, b.used, b.hard, b.excess] for b in found.breaches])
    for b in found.breaches:
        sys.stderr.write(f"{b.message}\n")
    raise typer.Exit(1)


alert_policy_app = typer.Typer(help="When quota usage in a namespace raises alerts.", no_args_is_help=True)
quotas_app.add_typer(alert_policy_app, name="alert-policy")


def _print_policy(p: quotas_pb2.QuotaAlertPolicy) -> None:
    typer.echo(f"{p.name}: {'enabled' if p.enabled else 'disabled'}, warning at {p.warning_percent:g}%, "
               f"critical at {p.critical_percent:g}%")
    for o in p.overrides:
        typer.echo(f"  {o.resource}: warning at {o.warning_percent:g}%, critical at {o.critical_percent:g}%")
    if p.notification_targets:
        typer.echo(f"  notify: {', '.join(p.notification_targets)}")
    if p.updated_by:
        typer.echo(f"  updated by {p.updated_by} at {when(p.update_time)}")


@alert_policy_app.command("get")
def alert_policy_get(ctx: typer.Context, cluster: Optional[str] = CLUSTER, namespace: Optional[str] = NAMESPACE) -> None:
    """The namespace's thresholds, per-resource overrides and notification targets."""
    rpc = remote(ctx)
    _print_policy(rpc.call(rpc.quotas.GetQuotaAlertPolicy, quotas_pb2.GetQuotaAlertPolicyRequest(
        name=f"{_namespace(ctx, cluster, namespace)}/quotaAlertPolicy")))


@alert_policy_app.command("set")
def alert_policy_set(ctx: typer.Context, cluster: Optional[str] = CLUSTER, namespace: Optional[str] = NAMESPACE,
                     enabled: Optional[bool] = typer.Option(None, "--enable/--disable"),
                     warning: Optional[float] = typer.Option(None, "--warning", help="Percent of hard that warns."),
                     critical: Optional[float] = typer.Option(None, "--critical", help="Percent that is critical."),
                     target: Optional[list[str]] = typer.Option(None, "--notify", help="A notification target "
                                                                "(repeatable; replaces the list)."),
                     ) -> None:
    """Changes only the given settings."""
    fields = given({"enabled": enabled, "warning_percent": warning, "critical_percent": critical,
                    "notification_targets": target}, "--enable/--disable, --warning, --critical or --notify")
    rpc = remote(ctx)
    _print_policy(rpc.call(rpc.quotas.UpdateQuotaAlertPolicy, quotas_pb2.UpdateQuotaAlertPolicyRequest(
        quota_alert_policy=quotas_pb2.QuotaAlertPolicy(
            name=f"{_namespace(ctx, cluster, namespace)}/quotaAlertPolicy", **fields),
        update_mask=field_mask_pb2.FieldMask(paths=sorted(fields)))))


limits_app = typer.Typer(help="LimitRanges: default, minimum and maximum requests and limits.", no_args_is_help=True)
quotas_app.add_typer(limits_app, name="limits")
LIMIT_RANGE = typer.Argument(..., help="The LimitRange's name (metadata.name) in the chosen namespace.")
LIMIT_TYPES = {"container": quotas_pb2.LIMIT_TYPE_CONTAINER, "pod": quotas_pb2.LIMIT_TYPE_POD,
               "pvc": quotas_pb2.LIMIT_TYPE_PERSISTENT_VOLUME_CLAIM}
LIMIT_TYPE_NAMES = {number: name for name, number in LIMIT_TYPES.items()}


def _item_rows(ranges: list[quotas_pb2.LimitRange]) -> None:
    def pairs(m: object) -> str:
        return ",".join(f"{k}={v}" for k, v in sorted(m.items())) or "-"  # type: ignore[attr-defined]
    table(["NAME", "TYPE", "MIN", "MAX", "DEFAULT REQUEST", "DEFAULT LIMIT", "MAX RATIO"],
          [[r.name.rpartition("/")[2], LIMIT_TYPE_NAMES.get(i.type, "?"), pairs(i.min), pairs(i.max),
            pairs(i.default_request), pairs(i.default_limit), pairs(i.max_limit_request_ratio)]
           for r in ranges for i in r.limits])


@limits_app.command("list")
def limits_list(ctx: typer.Context, cluster: Optional[str] = CLUSTER, namespace: Optional[str] = NAMESPACE) -> None:
    """The namespace's LimitRanges, one row per bounded type."""
    rpc = remote(ctx)
    _item_rows(list(rpc.pages(rpc.quotas.ListLimitRanges, lambda t: quotas_pb2.ListLimitRangesRequest(
        parent=_namespace(ctx, cluster, namespace), page_token=t), "limit_ranges")))


@limits_app.command("get")
def limits_get(ctx: typer.Context, name: str = LIMIT_RANGE, cluster: Optional[str] = CLUSTER,
               namespace: Optional[str] = NAMESPACE) -> None:
    """One LimitRange."""
    rpc = remote(ctx)
    _item_rows([rpc.call(rpc.quotas.GetLimitRange, quotas_pb2.GetLimitRangeRequest(
        name=f"{_namespace(ctx, cluster, namespace)}/limitranges/{name}"))])


@limits_app.command("set")
def limits_set(ctx: typer.Context, name: str = LIMIT_RANGE, cluster: Optional[str] = CLUSTER,
               namespace: Optional[str] = NAMESPACE,
               kind: str = typer.Option("container", "--type", help="container, pod or pvc."),
               minimum: list[str] = typer.Option([], "--min", help="RESOURCE=QUANTITY (repeatable)."),
               maximum: list[str] = typer.Option([], "--max", help="RESOURCE=QUANTITY (repeatable)."),
               default_request: list[str] = typer.Option([], "--default-request", help="RESOURCE=QUANTITY."),
               default_limit: list[str] = typer.Option([], "--default", help="RESOURCE=QUANTITY (the default limit)."),
               ratio: list[str] = typer.Option([], "--max-ratio", help="RESOURCE=RATIO of limit to request."),
               dry_run: bool = DRY_RUN, message: str = MESSAGE) -> None:
    """Sets the bounds of one type (creating the LimitRange when new); shows the diff and what
    running pods and workloads these limits would refuse; one commit by you."""
    if kind not in LIMIT_TYPES:
        raise typer.BadParameter(f"{kind!r} is not one of {', '.join(LIMIT_TYPES)}", param_hint="--type")
    item = quotas_pb2.LimitRangeItem(type=LIMIT_TYPES[kind], min=_pairs(minimum, "--min"), max=_pairs(maximum, "--max"),
                                     default_request=_pairs(default_request, "--default-request"),
                                     default_limit=_pairs(default_limit, "--default"),
                                     max_limit_request_ratio=_pairs(ratio, "--max-ratio"))
    parent = _namespace(ctx, cluster, namespace)
    full = f"{parent}/limitranges/{name}"
    rpc = remote(ctx)
    current = next((r for r in rpc.pages(rpc.quotas.ListLimitRanges, lambda t: quotas_pb2.ListLimitRangesRequest(
        parent=parent, page_token=t), "limit_ranges") if r.name == full), None)
    if current is None:
        result = rpc.call(rpc.quotas.CreateLimitRange, quotas_pb2.CreateLimitRangeRequest(
            parent=parent, limit_range_id=name, limit_range=quotas_pb2.LimitRange(limits=[item]),
            validate_only=dry_run, message=message))
    else:
        limits = [i for i in current.limits if i.type != item.type] + [item]
        result = rpc.call(rpc.quotas.UpdateLimitRange, quotas_pb2.UpdateLimitRangeRequest(
            limit_range=quotas_pb2.LimitRange(name=full, limits=limits, etag=current.etag),
            update_mask=field_mask_pb2.FieldMask(paths=["limits"]), validate_only=dry_run, message=message))
    print_diff(result.diff)
    for refusal in result.refusals:
        sys.stderr.write(f"would refuse {refusal.resource}"
                         f"{' container ' + refusal.container if refusal.container else ''}: {refusal.message}\n")
    typer.echo(f"{full}: {'dry run, nothing committed' if dry_run else 'commit ' + result.commit[:12]}")


@limits_app.command("delete")
def limits_delete(ctx: typer.Context, name: str = LIMIT_RANGE, cluster: Optional[str] = CLUSTER,
                  namespace: Optional[str] = NAMESPACE, dry_run: bool = DRY_RUN, message: str = MESSAGE) -> None:
    """Deletes the LimitRange, recorded as a commit."""
    _delete(ctx, f"{_namespace(ctx, cluster, namespace)}/limitranges/{name}", "DeleteLimitRange", dry_run, message)
