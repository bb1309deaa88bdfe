"""`kubecommit affinity ...`: the affinity graph as a picture, where a workload could run, and the
nodes' side of scheduling: cordon, uncordon, taints (kubectl's syntax), drain."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import typer
import yaml
from google.protobuf import json_format

from clients.cli import completion
from clients.cli.connection import cluster_of, remote
from clients.cli.diffs import print_diff
from clients.cli.errors import CliError
from clients.cli.printers import table
from clients.cli.resources import read_manifest
from kubecommit.v1 import affinity_pb2, common_pb2

affinity_app = typer.Typer(help="Where pods may run: the affinity graph and scheduling checks.", no_args_is_help=True)
CLUSTER = typer.Option(None, "--cluster", help="Cluster id; the context's default.", autocompletion=completion.clusters)
FORMATS = ("svg", "dot")


@affinity_app.command("graph")
def graph(
    ctx: typer.Context,
    output: Path = typer.Option(..., "--output", "-o", help="File to write: .svg (laid out by Graphviz) or .dot."),
    cluster: Optional[str] = CLUSTER,
    namespace: list[str] = typer.Option([], "--namespace", "-n", help="Only workloads of these namespaces."),
    placements: bool = typer.Option(False, "--placements", help="Also draw where pods run now."),
) -> None:
    """Write the affinity graph: workloads, nodes and zones; affinity, anti-affinity, tolerations
    and the taints that block."""
    fmt = output.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise typer.BadParameter(f"{output.name!r}: the file name must end in .svg or .dot", param_hint="--output")
    rpc = remote(ctx)
    got = rpc.call(rpc.affinity.GetAffinityGraph, affinity_pb2.GetAffinityGraphRequest(
        name=f"{cluster_of(ctx, cluster)}/affinityGraph", namespaces=namespace, include_placements=placements, include_svg=fmt == "svg"))
    try:
        output.write_text(got.svg if fmt == "svg" else got.dot)
    except OSError as error:
        raise CliError(f"cannot write {output}: {error.strerror}") from None
    typer.echo(f"{output}: {len(got.nodes)} vertices, {len(got.edges)} edges", err=True)


@affinity_app.command("check")
def check(
    ctx: typer.Context,
    workload: str = typer.Argument(..., help="A workload's resource name, e.g. "
                                             "clusters/demo/namespaces/ml/pods/inference."),
) -> None:
    """Each node's verdict for a workload's pods, in the scheduler's words."""
    rpc = remote(ctx)
    got = rpc.call(rpc.affinity.ValidateScheduling, affinity_pb2.ValidateSchedulingRequest(
        parent="/".join(workload.split("/")[:2]), workload=workload))
    table(["NODE", "FITS", "SCORE", "WHY NOT"],
          [[n.node.rpartition("/")[2], "yes" if n.schedulable else "no", str(n.preference_score) if n.schedulable else "",
            "; ".join(f"{f.message} ({f.detail})" for f in n.failures)] for n in got.nodes])
    if got.summary:
        typer.echo(got.summary)


@affinity_app.command("drain")
def drain(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="Node name."),
    cluster: Optional[str] = CLUSTER,
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would move and what a budget blocks."),
    timeout: int = typer.Option(0, "--timeout", help="Seconds to keep retrying evictions a budget refuses."),
    ignore_daemonsets: bool = typer.Option(False, "--ignore-daemonsets", help="Leave DaemonSet pods in place."),
) -> None:
    """Cordon a node and evict its pods, honouring PodDisruptionBudgets (`kubectl drain`); one
    line per pod as it happens. Exit 1 when a budget stopped it."""
    rpc = remote(ctx)
    request = affinity_pb2.DrainNodeRequest(name=f"{cluster_of(ctx, cluster)}/nodes/{node}", validate_only=dry_run,
                                            timeout_seconds=timeout, ignore_daemonsets=ignore_daemonsets)
    complete = False
    for event in rpc.stream(rpc.affinity.DrainNode, request):
        action = affinity_pb2.DrainNodeResponse.Action.Name(event.action).removeprefix("ACTION_").lower()
        subject = event.pod.rpartition("/")[2] if "/pods/" not in event.pod else \
            "/".join(event.pod.split("/")[3:6:2])
        typer.echo(f"{action.replace('_', ' ')}: {subject} {event.message}".rstrip() if subject
                   else f"{action.replace('_', ' ')}: {event.message}")
        complete = event.complete if event.done else complete
    raise typer.Exit(0 if complete else 1)


# -- nodes: cordon, taints (kubectl's syntax) --------------------------------------------------

EFFECTS = {"NoSchedule": common_pb2.TAINT_EFFECT_NO_SCHEDULE, "PreferNoSchedule": common_pb2.TAINT_EFFECT_PREFER_NO_SCHEDULE,
           "NoExecute": common_pb2.TAINT_EFFECT_NO_EXECUTE}
EFFECT_NAMES = {number: name for name, number in EFFECTS.items()}
DRY_RUN = typer.Option(False, "--dry-run", help="Only check; nothing changes, nothing is committed.")
MESSAGE = typer.Option("", "--message", "-m", help="The commit message.")


def _node(ctx: typer.Context, cluster: Optional[str], node: str) -> str:
    return f"{cluster_of(ctx, cluster)}/nodes/{node}"


def _cordon(ctx: typer.Context, node: str, cluster: Optional[str], dry_run: bool, message: str, verb: str) -> None:
    """CordonNode / UncordonNode (`verb`): the node's spec.unschedulable, as a commit."""
    rpc = remote(ctx)
    method = "CordonNode" if verb == "cordoned" else "UncordonNode"
    got = rpc.call(getattr(rpc.affinity, method), getattr(affinity_pb2, f"{method}Request")(
        name=_node(ctx, cluster, node), validate_only=dry_run, message=message))
    typer.echo(f"node/{node} {verb}" + (" (dry run)" if got.validate_only else
                                        f" (commit {got.commit[:12]})" if got.commit else " (already)"))


@affinity_app.command("cordon")
def cordon(ctx: typer.Context, node: str = typer.Argument(..., help="Node name."), cluster: Optional[str] = CLUSTER,
           dry_run: bool = DRY_RUN, message: str = MESSAGE) -> None:
    """Mark the node unschedulable (`kubectl cordon`), as a commit."""
    _cordon(ctx, node, cluster, dry_run, message, "cordoned")


@affinity_app.command("uncordon")
def uncordon(ctx: typer.Context, node: str = typer.Argument(..., help="Node name."), cluster: Optional[str] = CLUSTER,
             dry_run: bool = DRY_RUN, message: str = MESSAGE) -> None:
    """Mark the node schedulable again (`kubectl uncordon`), as a commit."""
    _cordon(ctx, node, cluster, dry_run, message, "uncordoned")


def _taint_text(t: affinity_pb2.NodeTaint) -> str:
    return f"{t.key}{'=' + t.value if t.value else ''}:{EFFECT_NAMES.get(t.effect, '')}"


def parse_taint(spec: str) -> tuple[affinity_pb2.NodeTaint, bool]:
    """kubectl's `key=value:Effect` (add) or `key:Effect-` / `key-` (remove) -> (taint, remove)."""
    remove = spec.endswith("-")
    body = spec.removesuffix("-")
    head, sep, effect = body.rpartition(":") if ":" in body else (body, "", "")
    key, _, value = head.partition("=")
    if not key or (effect and effect not in EFFECTS) or (not remove and not effect):
        raise typer.BadParameter(f"{spec!r} is not KEY[=VALUE]:EFFECT or KEY[:EFFECT]- "
                                 f"(effects: {', '.join(EFFECTS)})", param_hint="TAINT")
    return affinity_pb2.NodeTaint(key=key, value=value, effect=EFFECTS.get(effect, 0)), remove


@affinity_app.command("taint")
def taint(ctx: typer.Context, node: str = typer.Argument(..., help="Node name, or - with --selector."),
          taints: list[str] = typer.Argument(..., help="key=value:NoSchedule to add, key:NoSchedule- to remove."),
          cluster: Optional[str] = CLUSTER,
          selector: str = typer.Option("", "--selector", "-l", help="With node -: the nodes' label selector."),
          overwrite: bool = typer.Option(False, "--overwrite", help="Replace the value of an existing taint."),
          dry_run: bool = DRY_RUN, message: str = MESSAGE) -> None:
    """Add and remove node taints (`kubectl taint`), one commit per change; pods a NoExecute taint
    evicts are listed."""
    parsed = [parse_taint(spec) for spec in taints]
    rpc = remote(ctx)
    name = _node(ctx, cluster, node)
    changed: list[affinity_pb2.NodeTaints] = []
    adds = [t for t, remove in parsed if not remove]
    removes = [t for t, remove in parsed if remove]
    if adds:
        added = rpc.call(rpc.affinity.AddNodeTaints, affinity_pb2.AddNodeTaintsRequest(
            name=name, taints=adds, overwrite=overwrite, validate_only=dry_run, message=message,
            node_selector=selector))
        changed += added.nodes
        for pod in added.evicted_pods:
            typer.echo(f"evicts {pod.pod}")
    if removes:
        changed += rpc.call(rpc.affinity.RemoveNodeTaints, affinity_pb2.RemoveNodeTaintsRequest(
            name=name, taints=removes, validate_only=dry_run, message=message, node_selector=selector)).nodes
    for result in changed:
        typer.echo(f"node/{result.node.rpartition('/')[2]} tainted: "
                   f"{', '.join(_taint_text(t) for t in result.taints) or '(none)'}" + (" (dry run)" if dry_run else ""))


@affinity_app.command("taints")
def taints_list(ctx: typer.Context, node: str = typer.Argument("-", help="Node name; every node when omitted."),
                cluster: Optional[str] = CLUSTER) -> None:
    """Taints of a node, or of every node of the cluster."""
    rpc = remote(ctx)
    rows = rpc.pages(rpc.affinity.ListNodeTaints, lambda t: affinity_pb2.ListNodeTaintsRequest(
        parent=_node(ctx, cluster, node), page_token=t), "taints")
    table(["NODE", "KEY", "VALUE", "EFFECT"],
          [[t.node.rpartition("/")[2], t.key, t.value, EFFECT_NAMES.get(t.effect, "")] for t in rows])


# -- a workload's scheduling rules: get as YAML, set from YAML -----------------------------------

@dataclass(frozen=True)
class Rules:
    """One kind of a workload's scheduling rules and the RPCs that read and write it."""
    command: str  # `node-affinity`
    segment: str  # `nodeAffinity`, the last segment of its resource name
    message: type  # the resource message (affinity_pb2.NodeAffinity)
    field: str  # the request's field holding it (`node_affinity`)
    get: str  # RPC names
    set: str


RULES = (Rules("node-affinity", "nodeAffinity", affinity_pb2.NodeAffinity, "node_affinity", "GetNodeAffinity",
               "SetNodeAffinity"),
         Rules("pod-affinity", "podAffinity", affinity_pb2.PodAffinity, "pod_affinity", "GetPodAffinity",
               "SetPodAffinity"),
         Rules("tolerations", "tolerations", affinity_pb2.Tolerations, "tolerations", "GetTolerations",
               "SetTolerations"))
WORKLOAD = typer.Argument(..., help="A workload's resource name, e.g. clusters/demo/namespaces/ml/deployments.apps/api.")


def _rules_commands(rules: Rules) -> typer.Typer:
    """`get` (the rules as YAML, in the API's field names) and `set -f FILE` (the same YAML, edited;
    one commit, with the diff; --dry-run asks the cluster only)."""
    group = typer.Typer(help=f"A workload's {rules.command}: get as YAML, set from YAML.", no_args_is_help=True)

    @group.command("get")
    def get(ctx: typer.Context, workload: str = WORKLOAD) -> None:
        """The rules as YAML (the API's field names), with the etag that guards a `set`."""
        rpc = remote(ctx)
        got = rpc.call(getattr(rpc.affinity, rules.get), getattr(affinity_pb2, f"{rules.get}Request")(
            name=f"{workload}/{rules.segment}"))
        sys.stdout.write(yaml.safe_dump(json_format.MessageToDict(got), sort_keys=False))

    @group.command("set")
    def set_(ctx: typer.Context, workload: str = WORKLOAD,
             file: Path = typer.Option(..., "--filename", "-f", help="YAML as `get` prints it; - for stdin."),
             dry_run: bool = DRY_RUN, message: str = MESSAGE) -> None:
        """Replaces the rules with the file's (as `get` prints them); one commit, with the diff."""
        try:
            body = yaml.safe_load(read_manifest(file)) or {}
            wanted = json_format.ParseDict(body, rules.message())
        except (yaml.YAMLError, json_format.ParseError) as error:
            raise CliError(f"{file}: not a {rules.message.DESCRIPTOR.name}: {error}",
                           f"start from `kubecommit affinity {rules.command} get`") from None
        wanted.name = f"{workload}/{rules.segment}"
        rpc = remote(ctx)
        got = rpc.call(getattr(rpc.affinity, rules.set), getattr(affinity_pb2, f"{rules.set}Request")(
            **{rules.field: wanted}, validate_only=dry_run, message=message))
        print_diff(got.diff)
        typer.echo(f"{got.workload}: " + ("dry run, nothing committed" if got.validate_only else
                                           f"commit {got.commit[:12]}" if got.commit else "no change"))
    return group


for _rules in RULES:
    affinity_app.add_typer(_rules_commands(_rules), name=_rules.command)


@affinity_app.command("suggest")
def suggest(ctx: typer.Context, workload: str = WORKLOAD,
            limit: int = typer.Option(10, "--limit", help="At most this many suggestions.")) -> None:
    """Changes that would let a workload's (or a Pending pod's) pods schedule, smallest first."""
    rpc = remote(ctx)
    got = rpc.call(rpc.affinity.SuggestPlacement, affinity_pb2.SuggestPlacementRequest(
        parent="/".join(workload.split("/")[:2]), workload=workload, max_suggestions=limit))
    if got.schedulable:
        typer.echo("it fits as it is")
    elif got.summary:
        typer.echo(got.summary)

    def detail(s: affinity_pb2.PlacementSuggestion) -> str:
        return (", ".join(f"{t.key}={t.value}:{EFFECT_NAMES.get(t.effect, '*')}" for t in s.tolerations)
                or ",".join(f"{k}={v}" for k, v in sorted(s.node_selector.items())) or s.rule)
    table(["CHANGE", "DETAIL", "NODES", "WHY"],
          [[affinity_pb2.PlacementChange.Name(s.change).removeprefix("PLACEMENT_CHANGE_").lower(), detail(s) or "-",
            ",".join(n.rpartition("/")[2] for n in s.nodes) or "-", s.reason] for s in got.suggestions])


@affinity_app.command("node-selectors")
def node_selectors(ctx: typer.Context, nodes: list[str] = typer.Argument(None, help="Candidate nodes."),
                   cluster: Optional[str] = CLUSTER,
                   selector: str = typer.Option("", "--selector", "-l", help="Candidates by node labels."),
                   unique: bool = typer.Option(False, "--unique", help="Also labels only one node carries.")) -> None:
    """Node labels a nodeSelector could use to pick the candidate nodes (exact ones first)."""
    rpc = remote(ctx)
    got = rpc.call(rpc.affinity.SuggestNodeSelectors, affinity_pb2.SuggestNodeSelectorsRequest(
        parent=cluster_of(ctx, cluster), nodes=nodes or [], node_label_selector=selector, include_unique_labels=unique))
    table(["LABEL", "CANDIDATES", "OTHERS", "EXACT"],
          [[f"{s.key}={s.value}", f"{s.candidate_count}/{got.candidate_count}", str(s.other_count),
            "yes" if s.exact else ""] for s in got.suggestions])


@affinity_app.command("topology")
def topology(ctx: typer.Context, cluster: Optional[str] = CLUSTER,
             key: list[str] = typer.Option([], "--key", help="Node label keys (repeatable); region, zone and "
                                                            "hostname when none."),
             workload: str = typer.Option("", "--workload", help="Count this workload's pods and its skew.")) -> None:
    """Topology domains (zones, regions, hosts) with their nodes and pods; with --workload, its spread."""
    rpc = remote(ctx)
    parent = "/".join(workload.split("/")[:2]) if workload else cluster_of(ctx, cluster)
    skews: list[affinity_pb2.TopologySkew] = []
    rows: list[list[str]] = []
    token = ""
    while True:
        page = rpc.call(rpc.affinity.ListTopologyDomains, affinity_pb2.ListTopologyDomainsRequest(
            parent=parent, topology_keys=key, workload=workload, page_token=token))
        rows += [[d.topology_key, d.value, f"{d.ready_node_count}/{len(d.nodes)}", str(d.pod_count)]
                 for d in page.topology_domains]
        skews = list(page.skews) or skews
        token = page.next_page_token
        if not token:
            break
    table(["KEY", "VALUE", "READY NODES", "PODS"], rows)
    for s in skews:
        typer.echo(f"{s.topology_key}: skew {s.skew}" + (f" (max {s.max_skew}, "
                                                        f"{'satisfied' if s.satisfied else 'NOT satisfied'})"
                                                        if s.max_skew else ""))
