"""`kubecommit clusters ...`: register, list, sync, check and remove clusters."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable, Optional

import typer
from google.protobuf.message import Message
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from clients.cli import completion
from clients.cli.connection import remote
from clients.cli.errors import CliError
from clients.cli.printers import table
from kubecommit.v1 import clusters_pb2, common_pb2

clusters_app = typer.Typer(help="Register clusters and see how they are doing.", no_args_is_help=True)
NAME = typer.Argument(..., help="Cluster id.", autocompletion=completion.clusters)
PROGRESS = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), MofNCompleteColumn(),
            TimeElapsedColumn())


def enum_value(enum: object, prefix: str, value: str, option: str) -> int:
    """`--provider aws` -> PROVIDER_AWS; an unknown name is a usage error listing the known ones."""
    try:
        return enum.Value(f"{prefix}{value.upper()}")  # type: ignore[attr-defined]
    except ValueError:
        known = ", ".join(n.removeprefix(prefix).lower() for n in enum.keys()  # type: ignore[attr-defined]
                          if not n.endswith("UNSPECIFIED"))
        raise typer.BadParameter(f"{value!r} is not one of {known}", param_hint=option) from None


def enum_name(enum: object, prefix: str, number: int) -> str:
    return enum.Name(number).removeprefix(prefix)  # type: ignore[attr-defined]


def when(ts: object) -> str:
    return ts.ToDatetime().strftime("%Y-%m-%d %H:%M:%S") if ts.seconds else ""  # type: ignore[attr-defined]


def progress() -> Progress:
    """Progress on stderr, so stdout stays the result."""
    console = Console(stderr=True)
    return Progress(*PROGRESS, console=console, transient=True, disable=not console.is_terminal)


def follow_progress(events: Iterable[Message], description: str) -> Optional[Message]:
    """A stream of `Progress` events then one answer (SyncCluster, StreamBackupOperation): a bar
    of the server's own counts (stage, done of total) while it runs, then the answer."""
    answer = None
    with progress() as bar:
        task = bar.add_task(description, total=None)
        for event in events:
            if event.WhichOneof("event") == "progress":
                p = event.progress  # type: ignore[attr-defined]
                bar.update(task, description=f"{p.stage} {p.message}".strip(), completed=p.done, total=p.total or None)
            else:
                answer = event
    return answer


def full(name: str) -> str:
    return name if name.startswith("clusters/") else f"clusters/{name}"


def parse_tags(tags: list[str]) -> dict[str, str]:
    out = {}
    for tag in tags:
        key, sep, value = tag.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{tag!r} is not KEY=VALUE", param_hint="--tag")
        out[key] = value
    return out


@clusters_app.command("list")
def clusters_list(ctx: typer.Context, filter: str = typer.Option("", help="e.g. 'provider = AWS AND tags.env = prod'")) -> None:
    """Registered clusters the caller may see."""
    rpc = remote(ctx)
    rows = [[c.name.removeprefix("clusters/"), enum_name(clusters_pb2.Provider, "PROVIDER_", c.provider), c.region,
             enum_name(clusters_pb2.ClusterState, "CLUSTER_STATE_", c.state), c.server_version, str(c.node_count),
             str(c.resource_count), when(c.last_sync_time), ",".join(f"{k}={v}" for k, v in sorted(c.tags.items()))]
            for c in rpc.pages(rpc.clusters.ListClusters,
                               lambda t: clusters_pb2.ListClustersRequest(filter=filter, page_token=t), "clusters")]
    table(["NAME", "PROVIDER", "REGION", "STATE", "VERSION", "NODES", "RESOURCES", "LAST SYNC", "TAGS"], rows)


@clusters_app.command("add")
def clusters_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Cluster id (a DNS label)."),
    kubeconfig: Path = typer.Option(..., exists=True, readable=True, help="Kubeconfig file."),
    context: str = typer.Option("", help="Context to use; the kubeconfig's current one when empty."),
    provider: str = typer.Option("other", help="aws, aliyun, huawei, tencent or other."),
    region: str = typer.Option(""),
    tag: list[str] = typer.Option([], "--tag", help="KEY=VALUE (repeatable)."),
    allow_disconnected: bool = typer.Option(False, help="Keep it even when it cannot be reached now."),
) -> None:
    """Register a cluster from a kubeconfig (the connection is tested first)."""
    rpc = remote(ctx)
    cluster = rpc.call(rpc.clusters.CreateCluster, clusters_pb2.CreateClusterRequest(
        cluster_id=name, allow_disconnected=allow_disconnected, cluster=clusters_pb2.Cluster(
            kubeconfig=kubeconfig.read_text(), context=context, region=region, tags=parse_tags(tag),
            provider=enum_value(clusters_pb2.Provider, "PROVIDER_", provider, "--provider"))))
    typer.echo(f"registered {cluster.name} ({cluster.server}, {cluster.server_version}, {cluster.node_count} nodes, "
               f"{enum_name(clusters_pb2.ClusterState, 'CLUSTER_STATE_', cluster.state).lower()})")


@clusters_app.command("remove")
def clusters_remove(ctx: typer.Context, name: str = NAME,
                    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask.")) -> None:
    """Unregister a cluster (its history stays in the store; the cluster itself is untouched)."""
    if not yes:
        if not sys.stdin.isatty():
            raise CliError(f"refusing to remove {full(name)} without confirmation", "pass --yes")
        typer.confirm(f"Remove {full(name)}?", abort=True)
    rpc = remote(ctx)
    rpc.call(rpc.clusters.DeleteCluster, clusters_pb2.DeleteClusterRequest(name=full(name)))
    typer.echo(f"removed {full(name)}")


@clusters_app.command("sync")
def clusters_sync(ctx: typer.Context, name: str = NAME, message: str = typer.Option("")) -> None:
    """Snapshot every resource of a cluster into the store as one commit, with progress."""
    rpc = remote(ctx)
    answer = follow_progress(rpc.stream(rpc.clusters.SyncCluster, clusters_pb2.SyncClusterRequest(
        name=full(name), message=message)), "discovering")
    if answer is None:
        raise CliError("the sync ended without a result", "check the server's log")
    result = answer.result  # type: ignore[attr-defined]
    typer.echo(f"read {result.objects_read} objects of {result.resources_discovered} types; "
               f"{'commit ' + result.commit[:12] if result.commit else 'no change, no commit'}")
    for kind, reason in sorted(result.errors.items()):
        sys.stderr.write(f"warning: skipped {kind}: {reason}\n")


@clusters_app.command("health")
def clusters_health(ctx: typer.Context,
                    names: list[str] = typer.Argument(None, help="Cluster ids; every cluster when none.",
                                                      autocompletion=completion.clusters)) -> None:
    """Health status, score and the issues that lowered it; several clusters (or all) checked at once."""
    rpc = remote(ctx)
    if len(names or []) != 1:
        checked = rpc.call(rpc.clusters.CheckClustersHealth, clusters_pb2.CheckClustersHealthRequest(
            names=[full(n) for n in names or []]))
        table(["CLUSTER", "STATUS", "SCORE", "ISSUES"],
              [[h.name.removeprefix("clusters/").removesuffix("/health"),
                enum_name(common_pb2.HealthStatus, "HEALTH_STATUS_", h.status), str(h.score),
                "; ".join(i.message for i in h.issues)] for h in checked.results])
        return
    name = names[0]
    health = rpc.call(rpc.clusters.GetClusterHealth, clusters_pb2.GetClusterHealthRequest(name=f"{full(name)}/health"))
    typer.echo(f"{name}: {enum_name(common_pb2.HealthStatus, 'HEALTH_STATUS_', health.status)}, score {health.score}")
    if health.issues:
        table(["SEVERITY", "REASON", "RESOURCE", "MESSAGE"],
              [[enum_name(common_pb2.Severity, "SEVERITY_", i.severity), i.reason, i.resource, i.message]
               for i in health.issues])


@clusters_app.command("get")
def clusters_get(ctx: typer.Context, name: str = NAME) -> None:
    """One registration: where it points, its state and counts (never its kubeconfig)."""
    rpc = remote(ctx)
    c = rpc.call(rpc.clusters.GetCluster, clusters_pb2.GetClusterRequest(name=full(name)))
    for label, value in (("name", c.name), ("display name", c.display_name),
                         ("provider", enum_name(clusters_pb2.Provider, "PROVIDER_", c.provider)),
                         ("region", c.region), ("server", c.server), ("version", c.server_version),
                         ("state", enum_name(clusters_pb2.ClusterState, "CLUSTER_STATE_", c.state)
                          + (f" ({c.state_message})" if c.state_message else "")),
                         ("nodes", str(c.node_count)), ("resources", str(c.resource_count)),
                         ("tags", ",".join(f"{k}={v}" for k, v in sorted(c.tags.items()))),
                         ("created", f"{when(c.create_time)} by {c.created_by}"), ("last sync", when(c.last_sync_time)),
                         ("description", c.description)):
        if value:
            typer.echo(f"{label + ':':<14}{value}")


@clusters_app.command("test")
def clusters_test(ctx: typer.Context, name: str = NAME) -> None:
    """Reach a registered cluster now: latency, version, nodes (exit 1 when unreachable)."""
    rpc = remote(ctx)
    reply = rpc.call(rpc.clusters.TestCluster, clusters_pb2.TestClusterRequest(name=full(name)))
    if not reply.connected:
        raise CliError(f"{full(name)} is unreachable: {reply.error}", "check the cluster's kubeconfig and network")
    typer.echo(f"{full(name)}: connected to {reply.server} ({reply.server_version}, {reply.node_count} nodes) "
               f"in {reply.latency.ToTimedelta().total_seconds() * 1000:.0f} ms")


@clusters_app.command("update")
def clusters_update(ctx: typer.Context, name: str = NAME,
                    tag: list[str] = typer.Option([], "--tag", help="KEY=VALUE; replaces every tag (repeatable)."),
                    region: Optional[str] = typer.Option(None), description: Optional[str] = typer.Option(None),
                    kubeconfig: Optional[Path] = typer.Option(None, exists=True, readable=True)) -> None:
    """Change a cluster's tags, region, description or kubeconfig (only what is given)."""
    cluster = clusters_pb2.Cluster(name=full(name), tags=parse_tags(tag), region=region or "",
                                   description=description or "",
                                   kubeconfig=kubeconfig.read_text() if kubeconfig else "")
    paths = [p for p, given in (("tags", tag), ("region", region is not None),
                                ("description", description is not None), ("kubeconfig", kubeconfig)) if given]
    if not paths:
        raise CliError("nothing to change", "pass --tag, --region, --description or --kubeconfig", usage=True)
    rpc = remote(ctx)
    updated = rpc.call(rpc.clusters.UpdateCluster, clusters_pb2.UpdateClusterRequest(
        cluster=cluster, update_mask={"paths": paths}))
    typer.echo(f"updated {updated.name} ({', '.join(paths)})")


def _cores(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _gibibytes(value: float) -> str:
    return f"{value / 2**30:.1f}Gi"


@clusters_app.command("metrics")
def clusters_metrics(ctx: typer.Context, name: str = NAME) -> None:
    """CPU and memory capacity, requests, limits and usage; object counts."""
    rpc = remote(ctx)
    m = rpc.call(rpc.clusters.GetClusterMetrics, clusters_pb2.GetClusterMetricsRequest(name=f"{full(name)}/metrics"))
    rows = [[label, show(u.capacity), show(u.allocatable), f"{show(u.requests)} ({u.requests_percent:.0f}%)",
             show(u.limits), f"{show(u.usage)} ({u.usage_percent:.0f}%)" if u.HasField("usage") else "<unknown>"]
            for label, u, show in (("cpu", m.cpu, _cores), ("memory", m.memory, _gibibytes))]
    table(["RESOURCE", "CAPACITY", "ALLOCATABLE", "REQUESTS", "LIMITS", "USAGE"], rows)
    typer.echo(f"nodes {m.node_count}, namespaces {m.namespace_count}, pods {m.pod_count}, "
               f"deployments {m.deployment_count}, services {m.service_count}")
    if not m.metrics_available:
        sys.stderr.write(f"warning: no usage figures: {m.metrics_message}\n")


@clusters_app.command("summary")
def clusters_summary(ctx: typer.Context) -> None:
    """Every cluster's health at a glance."""
    rpc = remote(ctx)
    s = rpc.call(rpc.clusters.SummarizeClusters, clusters_pb2.SummarizeClustersRequest())
    table(["NAME", "HEALTH", "SCORE", "NODES READY"],
          [[h.name.removeprefix("clusters/").removesuffix("/health"), enum_name(common_pb2.HealthStatus, "HEALTH_STATUS_", h.status),
            str(h.score), f"{sum(n.ready for n in h.nodes)}/{len(h.nodes)}"] for h in s.clusters])
    typer.echo(f"{s.cluster_count} clusters, {s.node_count} nodes, {s.pod_count} pods, "
               f"average score {s.average_score:.0f}")
