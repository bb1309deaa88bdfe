"""`kubecommit labels get|set|select|check`: LabelsService from a terminal, in kubectl's idiom
(`key=value` sets, `key-` removes, `-l` selects), every change a commit by the caller.

    kubecommit labels get deploy/cart -n shop
    kubecommit labels set deploy/cart -n shop team=shop tier-
    kubecommit labels set -l app=cart --type deployments --all-clusters team=shop --dry-run
    kubecommit labels select 'app in (cart,checkout)' --type deployments,services --all-clusters
    kubecommit labels check --cluster demo --fix --dry-run
"""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from clients.cli.clusters import enum_name
from clients.cli.connection import cluster_of, remote
from clients.cli.errors import CliError
from clients.cli.printers import table
from clients.cli.resources import CLUSTER, NAMESPACE, resource_name
from kubecommit.v1 import common_pb2, labels_pb2 as pb

labels_app = typer.Typer(help="Labels across kinds and clusters: get, set, select, check policies.",
                         no_args_is_help=True)
ALL_CLUSTERS = typer.Option(False, "--all-clusters", "-A", help="Every cluster (clusters/-).")
TYPES = typer.Option("", "--type", "-t", help="Resource types, comma-separated (deployments,services); "
                                              "every labelled kind when empty.")
_SIGN = {common_pb2.CHANGE_TYPE_ADDED: "+", common_pb2.CHANGE_TYPE_MODIFIED: "~", common_pb2.CHANGE_TYPE_DELETED: "-"}


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _parent(ctx: typer.Context, cluster: Optional[str], all_clusters: bool) -> str:
    return "clusters/-" if all_clusters else cluster_of(ctx, cluster)


def parse_changes(args: list[str]) -> pb.LabelPatch:
    """`key=value` sets, `key-` removes (kubectl label's syntax)."""
    patch = pb.LabelPatch()
    for arg in args:
        key, sep, value = arg.partition("=")
        if sep:
            patch.set_labels[key] = value
        elif arg.endswith("-") and len(arg) > 1:
            patch.remove_labels.append(arg[:-1])
        else:
            raise CliError(f"{arg!r} is neither key=value nor key-", usage=True)
    if not patch.set_labels and not patch.remove_labels:
        raise CliError("no change given", "key=value to set a label, key- to remove one", usage=True)
    return patch


def _changes(changes: list[pb.LabelKeyChange]) -> str:
    return " ".join(f"{_SIGN[c.change_type]}{c.key}" + (f"={c.new_value}" if c.new_value else "") for c in changes)


@labels_app.command("get")
def get(ctx: typer.Context, name: str = typer.Argument(..., help="TYPE/NAME or a resource name (clusters/...)."),
        cluster: Optional[str] = CLUSTER, namespace: Optional[str] = NAMESPACE,
        annotations: bool = typer.Option(False, "--annotations", help="Show annotations too.")) -> None:
    """One object's labels, key=value a line (annotations after a blank line with --annotations)."""
    rpc = remote(ctx)
    got = rpc.call(rpc.labels.GetLabels, pb.GetLabelsRequest(
        name=f"{resource_name(ctx, name, cluster, namespace)}/labels"))
    sys.stdout.write("".join(f"{k}={v}\n" for k, v in sorted(got.labels.items())))
    if annotations and got.annotations:
        sys.stdout.write("\n" + "".join(f"{k}={v}\n" for k, v in sorted(got.annotations.items())))


@labels_app.command("set")
def set_(
    ctx: typer.Context,
    args: List[str] = typer.Argument(..., help="[TYPE/NAME] key=value... key-... (without -l the first is the object)."),
    selector: Optional[str] = typer.Option(None, "--selector", "-l", help="Change every object this selects."),
    types: str = TYPES,
    cluster: Optional[str] = CLUSTER,
    namespace: Optional[str] = NAMESPACE,
    all_clusters: bool = ALL_CLUSTERS,
    overwrite: bool = typer.Option(False, "--overwrite", help="Allow changing an existing value."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; change nothing."),
    branch: str = typer.Option("", "--branch", help="Stage the changes as a draft branch (with -l)."),
    max_resources: int = typer.Option(0, "--max", help="Refuse when more objects than this are selected (500)."),
    message: str = typer.Option("", "--message", "-m", help="Commit message."),
) -> None:
    """Set and remove labels on one object, or with -l on every selected object (one commit per cluster)."""
    rpc = remote(ctx)
    if selector is None:
        if len(args) < 2:
            raise CliError("give TYPE/NAME and at least one change, or -l SELECTOR", usage=True)
        patch = parse_changes(args[1:])
        done = rpc.call(rpc.labels.UpdateLabels, pb.UpdateLabelsRequest(
            labels=pb.Labels(name=f"{resource_name(ctx, args[0], cluster, namespace)}/labels",
                             labels=patch.set_labels), remove_labels=patch.remove_labels, overwrite=overwrite,
            validate_only=dry_run, message=message))
        table(["NAME", "CHANGES", "COMMIT"], [[done.name.removesuffix("/labels"), _changes(done.changes) or "unchanged",
                                              done.commit[:12] or ("(dry run)" if dry_run else "")]])
        return
    reply = rpc.call(rpc.labels.BatchUpdateLabels, pb.BatchUpdateLabelsRequest(
        parent=_parent(ctx, cluster, all_clusters), label_selector=selector, resource_types=_csv(types),
        namespaces=[namespace] if namespace else [], patch=parse_changes(args), overwrite=overwrite,
        validate_only=dry_run, branch=f"branches/{branch}" if branch else "", max_resources=max_resources,
        message=message))
    _batch(reply)


def _batch(reply: pb.BatchUpdateLabelsResponse) -> None:
    table(["NAME", "STATUS", "CHANGES", "ERROR"],
          [[r.name, enum_name(pb.LabelUpdateStatus, "LABEL_UPDATE_STATUS_", r.status).lower(), _changes(r.changes),
            r.error.message] for r in reply.results])
    for cluster, commit in sorted(reply.commits.items()):
        sys.stderr.write(f"{cluster}: commit {commit[:12]}{' on ' + reply.branch if reply.branch else ''}\n")
    for cluster, reason in sorted(reply.unreachable.items()):
        sys.stderr.write(f"{cluster}: unreachable: {reason}\n")
    if reply.validate_only:
        sys.stderr.write(f"dry run: {reply.updated_count} would change\n")
    if reply.failed_count:
        raise CliError(f"{reply.failed_count} object(s) not changed", "see STATUS and ERROR above")


@labels_app.command("select")
def select(ctx: typer.Context, selector: str = typer.Argument("", help="A label selector; every object when empty."),
           types: str = TYPES, cluster: Optional[str] = CLUSTER,
           namespace: Optional[str] = typer.Option(None, "--namespace", "-n", help="Every namespace when omitted."),
           all_clusters: bool = ALL_CLUSTERS) -> None:
    """Objects of any kind matching a selector, across namespaces and clusters."""
    rpc = remote(ctx)
    rows = [[r.cluster.removeprefix("clusters/"), r.namespace, r.kind, r.object_name,
             ",".join(f"{k}={v}" for k, v in sorted(r.labels.items()))]
            for r in rpc.pages(rpc.labels.SelectResources, lambda token: pb.SelectResourcesRequest(
                parent=_parent(ctx, cluster, all_clusters), label_selector=selector, resource_types=_csv(types),
                namespaces=[namespace] if namespace else [], page_token=token, page_size=500), "resources")]
    table(["CLUSTER", "NAMESPACE", "KIND", "NAME", "LABELS"], rows)


@labels_app.command("check")
def check(ctx: typer.Context, cluster: Optional[str] = CLUSTER,
          namespace: Optional[str] = typer.Option(None, "--namespace", "-n", help="Every namespace when omitted."),
          all_clusters: bool = ALL_CLUSTERS, types: str = TYPES,
          policy: str = typer.Option("", "--policy", "-p", help="Policies, comma-separated; every one when empty."),
          fix: bool = typer.Option(False, "--fix", help="Apply the proposed fixes (one commit per cluster)."),
          dry_run: bool = typer.Option(False, "--dry-run", help="With --fix: show the fixes; change nothing."),
          message: str = typer.Option("", "--message", "-m", help="Commit message of the fixes.")) -> None:
    """Violations of the label policies with a proposed fix each; --fix applies them."""
    rpc = remote(ctx)
    policies = [p if p.startswith("labelPolicies/") else f"labelPolicies/{p}" for p in _csv(policy)]
    scope = dict(parent=_parent(ctx, cluster, all_clusters), policies=policies, resource_types=_csv(types),
                 namespaces=[namespace] if namespace else [])
    if fix:
        _batch(rpc.call(rpc.labels.FixLabelCompliance, pb.FixLabelComplianceRequest(
            **scope, validate_only=dry_run, message=message)))
        return
    report = rpc.call(rpc.labels.CheckLabelCompliance, pb.CheckLabelComplianceRequest(**scope))
    table(["RESOURCE", "POLICY", "KEY", "REASON", "VALUE", "FIX"],
          [[v.resource, v.policy.removeprefix("labelPolicies/"), v.key,
            enum_name(pb.LabelViolationReason, "LABEL_VIOLATION_REASON_", v.reason).lower(), v.value,
            " ".join([*(f"{k}={val}" for k, val in v.fix.set_labels.items()), *(f"{k}-" for k in v.fix.remove_labels)])]
           for v in report.violations])
    sys.stderr.write(f"{report.compliant_count}/{report.checked_count} compliant "
                     f"({report.compliance_percent:.0f}%){', more violations not shown' if report.violations_truncated else ''}\n")
    if report.violations:
        raise typer.Exit(1)
