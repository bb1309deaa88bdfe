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
from google.protobuf import field_mask_pb2

from clients.cli.clusters import enum_name, enum_value, when
from clients.cli.connection import cluster_of, remote
from clients.cli.errors import CliError, given
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


@labels_app.command("keys")
def keys(ctx: typer.Context, types: str = TYPES, cluster: Optional[str] = CLUSTER,
         namespace: Optional[str] = typer.Option(None, "--namespace", "-n", help="Every namespace when omitted."),
         all_clusters: bool = ALL_CLUSTERS) -> None:
    """Label keys in use with how many objects carry each and their commonest values; keys that
    look like one key written differently are named on stderr."""
    rpc = remote(ctx)
    parent = _parent(ctx, cluster, all_clusters)
    rows, similar, unreachable = [], [], {}
    token = ""
    while True:
        page = rpc.call(rpc.labels.ListLabelKeys, pb.ListLabelKeysRequest(
            parent=parent, resource_types=_csv(types), namespaces=[namespace] if namespace else [],
            page_token=token, page_size=500))
        rows += [[k.key, str(k.count), ",".join(f"{v.value}({v.count})" for v in k.values[:5])] for k in page.keys]
        similar, token = list(page.similar), page.next_page_token
        unreachable.update(page.unreachable)
        if not token:
            break
    table(["KEY", "OBJECTS", "VALUES"], rows)
    for group in similar:
        sys.stderr.write(f"similar keys ({group.reason}): {', '.join(group.keys)}\n")
    for name, reason in sorted(unreachable.items()):
        sys.stderr.write(f"warning: {name} is unreachable: {reason}\n")


@labels_app.command("history")
def history(ctx: typer.Context, name: str = typer.Argument(..., help="TYPE/NAME or a resource name (clusters/...)."),
            cluster: Optional[str] = CLUSTER, namespace: Optional[str] = NAMESPACE,
            branch: str = typer.Option("", help="A draft branch; main when empty.")) -> None:
    """How an object's labels changed, version by version (+ added, ~ changed, - removed)."""
    rpc = remote(ctx)
    parent = resource_name(ctx, name, cluster, namespace)
    table(["VERSION", "COMMIT", "AUTHOR", "TIME (UTC)", "CHANGES", "MESSAGE"],
          [[str(e.version), e.commit[:12], e.author_name, when(e.commit_time), _changes(list(e.changes)),
            e.message.splitlines()[0] if e.message else ""]
           for e in rpc.pages(rpc.labels.ListLabelHistory, lambda token: pb.ListLabelHistoryRequest(
               parent=parent, branch=branch, page_token=token), "entries")])


policy_app = typer.Typer(help="Label policies: which keys are required, forbidden or constrained, where.",
                         no_args_is_help=True)
labels_app.add_typer(policy_app, name="policy")
POLICY = typer.Argument(..., help="A policy's id (team-required or labelPolicies/team-required).")


def _policy_name(name: str) -> str:
    return name if name.startswith("labelPolicies/") else f"labelPolicies/{name}"


def _pairs(items: list[str], option: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{item!r} is not KEY=VALUE", param_hint=option)
        out[key] = value
    return out


def _policy_rows(policies: list[pb.LabelPolicy]) -> None:
    table(["NAME", "ENFORCEMENT", "REQUIRED", "FORBIDDEN", "KINDS", "NAMESPACES", "VERSION", "UPDATED BY"],
          [[p.name.removeprefix("labelPolicies/"),
            enum_name(pb.LabelPolicyEnforcement, "LABEL_POLICY_ENFORCEMENT_", p.enforcement or 1).lower(),
            ",".join(p.required_keys) or "-", ",".join(p.forbidden_keys) or "-", ",".join(p.kinds) or "all",
            ",".join(p.namespaces) or "all", "built-in" if p.built_in and not p.commit else str(p.version),
            p.updated_by or "-"] for p in policies])


def _policy_fields(required: Optional[list[str]], forbidden: Optional[list[str]], pattern: Optional[list[str]],
                   kind: Optional[list[str]], namespace: Optional[list[str]], enforcement: Optional[str],
                   default: Optional[list[str]], description: Optional[str]) -> dict[str, object]:
    """The options a person gave (None: not given), as LabelPolicy fields."""
    return {"required_keys": required, "forbidden_keys": forbidden, "kinds": kind, "namespaces": namespace,
             "description": description,
             "value_patterns": _pairs(pattern, "--pattern") if pattern is not None else None,
             "default_values": _pairs(default, "--default") if default is not None else None,
             "enforcement": enum_value(pb.LabelPolicyEnforcement, "LABEL_POLICY_ENFORCEMENT_", enforcement,
                                       "--enforcement") if enforcement is not None else None}


REQUIRE = typer.Option(None, "--require", help="A key every covered object must carry (repeatable).")
FORBID = typer.Option(None, "--forbid", help="A key no covered object may carry; `prefix/*` too (repeatable).")
PATTERN = typer.Option(None, "--pattern", help="KEY=RE2 its value must match (repeatable).")
KIND = typer.Option(None, "--kind", help="A kind covered (repeatable); every kind when none.")
IN_NAMESPACE = typer.Option(None, "--namespace", "-n", help="A namespace covered (repeatable); all when none.")
ENFORCEMENT = typer.Option(None, "--enforcement", help="audit (report), enforce (refuse writes) or disabled.")
DEFAULT = typer.Option(None, "--default", help="KEY=VALUE a fix sets when the key is missing (repeatable).")
POLICY_DRY_RUN = typer.Option(False, "--dry-run", help="Only check the policy; keep nothing.")


@policy_app.command("list")
def policy_list(ctx: typer.Context) -> None:
    """Every policy, stored and built-in."""
    rpc = remote(ctx)
    _policy_rows(list(rpc.pages(rpc.labels.ListLabelPolicies, lambda t: pb.ListLabelPoliciesRequest(page_token=t),
                                "label_policies")))


@policy_app.command("get")
def policy_get(ctx: typer.Context, name: str = POLICY) -> None:
    """One policy, with its value patterns and defaults."""
    rpc = remote(ctx)
    p = rpc.call(rpc.labels.GetLabelPolicy, pb.GetLabelPolicyRequest(name=_policy_name(name)))
    _policy_rows([p])
    for label, values in (("patterns", p.value_patterns), ("defaults", p.default_values)):
        if values:
            typer.echo(f"{label}: " + " ".join(f"{k}={v}" for k, v in sorted(values.items())))


@policy_app.command("create")
def policy_create(ctx: typer.Context, policy_id: str = typer.Argument(..., help="The new policy's id (a DNS label)."),
                  required: Optional[list[str]] = REQUIRE, forbidden: Optional[list[str]] = FORBID,
                  pattern: Optional[list[str]] = PATTERN, kind: Optional[list[str]] = KIND,
                  namespace: Optional[list[str]] = IN_NAMESPACE, enforcement: Optional[str] = ENFORCEMENT,
                  default: Optional[list[str]] = DEFAULT, description: Optional[str] = typer.Option(None),
                  dry_run: bool = POLICY_DRY_RUN) -> None:
    """A new policy, stored as a commit in your name (`labels check` reports against it)."""
    fields = given(_policy_fields(required, forbidden, pattern, kind, namespace, enforcement, default, description))
    rpc = remote(ctx)
    _policy_rows([rpc.call(rpc.labels.CreateLabelPolicy, pb.CreateLabelPolicyRequest(
        label_policy_id=policy_id, label_policy=pb.LabelPolicy(**fields), validate_only=dry_run))])


@policy_app.command("update")
def policy_update(ctx: typer.Context, name: str = POLICY,
                  required: Optional[list[str]] = REQUIRE, forbidden: Optional[list[str]] = FORBID,
                  pattern: Optional[list[str]] = PATTERN, kind: Optional[list[str]] = KIND,
                  namespace: Optional[list[str]] = IN_NAMESPACE, enforcement: Optional[str] = ENFORCEMENT,
                  default: Optional[list[str]] = DEFAULT, description: Optional[str] = typer.Option(None),
                  dry_run: bool = POLICY_DRY_RUN) -> None:
    """Replaces only the given fields (a repeated option replaces that whole list)."""
    fields = given(_policy_fields(required, forbidden, pattern, kind, namespace, enforcement, default, description),
                   "--require, --forbid, --pattern, --kind, --namespace, --enforcement, --default or --description")
    rpc = remote(ctx)
    _policy_rows([rpc.call(rpc.labels.UpdateLabelPolicy, pb.UpdateLabelPolicyRequest(
        label_policy=pb.LabelPolicy(name=_policy_name(name), **fields),
        update_mask=field_mask_pb2.FieldMask(paths=sorted(fields)), validate_only=dry_run))])


@policy_app.command("delete")
def policy_delete(ctx: typer.Context, name: str = POLICY) -> None:
    """Deletes a stored policy (a built-in one goes back to its default)."""
    rpc = remote(ctx)
    rpc.call(rpc.labels.DeleteLabelPolicy, pb.DeleteLabelPolicyRequest(name=_policy_name(name)))
    typer.echo(f"{_policy_name(name)} deleted")
