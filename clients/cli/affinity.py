"""`kubecommit affinity ...`: the affinity graph as a picture, and where a workload could run."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from clients.cli import completion
from clients.cli.connection import cluster_of, remote
from clients.cli.errors import CliError
from clients.cli.printers import table
from kubecommit.v1 import affinity_pb2

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
