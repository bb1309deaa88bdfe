"""CLI commands that talk to a running kubecommit server over gRPC: what people watch gets
tables, diffs and progress bars (rich); errors show the status code and the fields at fault.

Where to connect: --server / KUBECOMMIT_SERVER (127.0.0.1:50051); who to be: --token /
KUBECOMMIT_TOKEN, else the admin token of the local data directory (KUBECOMMIT_DATA_DIR, .data).
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, NoReturn, Optional, TypeVar

import grpc
import typer
from google.protobuf import json_format
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from kubecommit.v1 import (clusters_pb2, clusters_pb2_grpc, common_pb2, containers_pb2,
                           containers_pb2_grpc, yaml_versions_pb2, yaml_versions_pb2_grpc)

console = Console()
T = TypeVar("T")

clusters_app = typer.Typer(help="Register clusters and see how they are doing.", no_args_is_help=True)


@dataclass
class Remote:
    channel: grpc.Channel
    metadata: tuple[tuple[str, str], ...]

    def call(self, method: Callable[..., T], request: Any, **kwargs: Any) -> T:
        """Calls an RPC; on failure prints the status and its field violations and exits 1."""
        try:
            return method(request, metadata=self.metadata, **kwargs)
        except grpc.RpcError as error:
            fail(error)

    def stream(self, method: Callable[..., Iterator[T]], request: Any) -> Iterator[T]:
        try:
            yield from method(request, metadata=self.metadata)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.CANCELLED:
                fail(error)


def fail(error: grpc.RpcError) -> NoReturn:
    console.print(f"[red]error[/red] {error.code().name}: {error.details()}", highlight=False)
    status = rpc_status.from_call(error)
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            for violation in bad.field_violations:
                console.print(f"  {violation.field}: {violation.description}", highlight=False)
    raise typer.Exit(1)


@dataclass
class Target:
    """Where and as whom to connect; the channel is made on first use, so local commands
    (serve, token, audit) never open one."""

    server: str
    token: Optional[str]
    data_dir: Path
    ca: Optional[Path]
    _remote: Optional[Remote] = None

    def remote(self) -> Remote:
        if self._remote is None:
            token = self.token
            if token is None:
                token_file = self.data_dir / "admin.token"
                token = token_file.read_text().strip() if token_file.exists() else ""
            channel = (grpc.secure_channel(self.server, grpc.ssl_channel_credentials(self.ca.read_bytes()))
                       if self.ca else grpc.insecure_channel(self.server))
            self._remote = Remote(channel, (("authorization", f"Bearer {token}"),) if token else ())
        return self._remote


def remote(ctx: typer.Context) -> Remote:
    return ctx.find_root().obj.remote()


def _row(table: Table, *cells: str) -> None:
    """Cells are data, never rich markup (`containers[name=web]` must print as is)."""
    table.add_row(*(Text(cell) for cell in cells))


def _when(ts: Any) -> str:
    return ts.ToDatetime().strftime("%Y-%m-%d %H:%M:%S") if ts.seconds else ""


def _enum_value(enum: Any, prefix: str, value: str, option: str) -> int:
    """`--provider aws` -> PROVIDER_AWS; an unknown name is a usage error listing the known ones,
    not a traceback."""
    try:
        return enum.Value(f"{prefix}{value.upper()}")
    except ValueError:
        known = ", ".join(n.removeprefix(prefix).lower() for n in enum.keys() if not n.endswith("UNSPECIFIED"))
        raise typer.BadParameter(f"{value!r} is not one of {known}", param_hint=option) from None


def _cluster(name: str) -> str:
    return name if name.startswith("clusters/") else f"clusters/{name}"


# -- clusters --------------------------------------------------------------------------------

@clusters_app.command("list")
def clusters_list(ctx: typer.Context, filter: str = typer.Option("", help="e.g. 'provider = AWS AND tags.env = prod'")) -> None:
    """Registered clusters the caller may see."""
    stub = clusters_pb2_grpc.ClustersServiceStub(remote(ctx).channel)
    table = Table("NAME", "PROVIDER", "REGION", "STATE", "VERSION", "NODES", "RESOURCES", "LAST SYNC")
    token = ""
    while True:
        page = remote(ctx).call(stub.ListClusters, clusters_pb2.ListClustersRequest(filter=filter, page_token=token))
        for c in page.clusters:
            _row(table, c.name.removeprefix("clusters/"), clusters_pb2.Provider.Name(c.provider).removeprefix("PROVIDER_"),
                          c.region, clusters_pb2.ClusterState.Name(c.state).removeprefix("CLUSTER_STATE_"),
                          c.server_version, str(c.node_count), str(c.resource_count), _when(c.last_sync_time))
        token = page.next_page_token
        if not token:
            break
    console.print(table)


@clusters_app.command("add")
def clusters_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Cluster id (a DNS label)."),
    kubeconfig: Path = typer.Option(..., exists=True, readable=True, help="Kubeconfig file."),
    context: str = typer.Option("", help="Context to use; the kubeconfig's current one when empty."),
    provider: str = typer.Option("other", help="aws, aliyun, huawei, tencent or other."),
    region: str = typer.Option(""),
    allow_disconnected: bool = typer.Option(False, help="Keep it even when it cannot be reached now."),
) -> None:
    """Register a cluster from a kubeconfig (the connection is tested first)."""
    stub = clusters_pb2_grpc.ClustersServiceStub(remote(ctx).channel)
    cluster = remote(ctx).call(stub.CreateCluster, clusters_pb2.CreateClusterRequest(
        cluster_id=name, allow_disconnected=allow_disconnected, cluster=clusters_pb2.Cluster(
            kubeconfig=kubeconfig.read_text(), context=context, region=region,
            provider=_enum_value(clusters_pb2.Provider, "PROVIDER_", provider, "--provider"))))
    console.print(f"registered {cluster.name} ({cluster.server}, {cluster.server_version}, "
                  f"{cluster.node_count} nodes, {clusters_pb2.ClusterState.Name(cluster.state)})", highlight=False)


@clusters_app.command("sync")
def clusters_sync(ctx: typer.Context, name: str = typer.Argument(...), message: str = typer.Option("")) -> None:
    """Snapshot every resource of a cluster into the store as one commit, with progress."""
    stub = clusters_pb2_grpc.ClustersServiceStub(remote(ctx).channel)
    result = None
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("discovering", total=None)
        for event in remote(ctx).stream(stub.SyncCluster, clusters_pb2.SyncClusterRequest(name=_cluster(name), message=message)):
            if event.HasField("progress"):
                p = event.progress
                progress.update(task, description=f"{p.stage} {p.message}".strip(), completed=p.done,
                                total=p.total or None)
            else:
                result = event.result
    if result is None:
        raise typer.Exit(1)
    console.print(f"read {result.objects_read} objects of {result.resources_discovered} types; "
                  f"{'commit ' + result.commit[:12] if result.commit else 'no change, no commit'}", highlight=False)
    for kind, reason in sorted(result.errors.items()):
        console.print(f"  [yellow]skipped[/yellow] {kind}: {reason}", highlight=False)


@clusters_app.command("health")
def clusters_health(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    """Health status, score and the issues that lowered it."""
    stub = clusters_pb2_grpc.ClustersServiceStub(remote(ctx).channel)
    health = remote(ctx).call(stub.GetClusterHealth, clusters_pb2.GetClusterHealthRequest(name=f"{_cluster(name)}/health"))
    status = common_pb2.HealthStatus.Name(health.status).removeprefix("HEALTH_STATUS_")
    console.print(f"{name}: {status}, score {health.score}", highlight=False)
    table = Table("SEVERITY", "REASON", "RESOURCE", "MESSAGE")
    for issue in health.issues:
        _row(table, common_pb2.Severity.Name(issue.severity).removeprefix("SEVERITY_"),
                      issue.reason, issue.resource, issue.message)
    if health.issues:
        console.print(table)


# -- resources and versions ------------------------------------------------------------------

def get(
    ctx: typer.Context,
    resource_type: str = typer.Argument(..., help="deployments.apps, Deployment, deploy, pods..."),
    cluster: str = typer.Option("-", "--cluster", "-c", help="A cluster id, or - for all."),
    namespace: str = typer.Option("-", "--namespace", "-n"),
    selector: str = typer.Option("", "--selector", "-l"),
) -> None:
    """List live resources across clusters."""
    stub = clusters_pb2_grpc.ClustersServiceStub(remote(ctx).channel)
    table = Table("NAME", "KIND", "ETAG")
    unreachable: dict[str, str] = {}  # each page reports the clusters it could not read
    token = ""
    while True:
        page = remote(ctx).call(stub.ListResources, clusters_pb2.ListResourcesRequest(
            parent=_cluster(cluster), resource_type=resource_type, namespace=namespace,
            label_selector=selector, page_token=token))
        for obj in page.resources:
            _row(table, obj.name, obj.kind, obj.etag)
        unreachable.update(page.unreachable)
        token = page.next_page_token
        if not token:
            break
    console.print(table)
    for name, reason in sorted(unreachable.items()):
        console.print(f"[yellow]unreachable[/yellow] {name}: {reason}", highlight=False)


def apply(
    ctx: typer.Context,
    file: Path = typer.Option(..., "--filename", "-f", help="YAML with one or many documents; - for stdin."),
    cluster: str = typer.Option(..., "--cluster", "-c"),
    message: str = typer.Option("", "--message", "-m", help="Commit message."),
    branch: str = typer.Option("", help="A draft branch; main (applied to the cluster) when empty."),
    namespace: str = typer.Option("", "--namespace", "-n", help="Default namespace for documents without one."),
    dry_run: bool = typer.Option(False, help="Ask the cluster, show the diff, commit nothing."),
) -> None:
    """Apply a manifest: one commit for the whole file."""
    manifest = sys.stdin.read() if str(file) == "-" else file.read_text()
    stub = yaml_versions_pb2_grpc.YamlVersionsServiceStub(remote(ctx).channel)
    reply = remote(ctx).call(stub.ApplyManifest, yaml_versions_pb2.ApplyManifestRequest(
        cluster=_cluster(cluster), manifest=manifest, message=message, branch=branch,
        namespace=namespace, dry_run=dry_run))
    for resource in reply.resources:
        version = f" (version {resource.version})" if resource.version else ""
        console.print(f"{resource.name} {resource.action}{version}", highlight=False)
        if dry_run and resource.diff.unified_diff:
            console.print(Syntax(resource.diff.unified_diff, "diff"))
    console.print(f"commit {reply.commit[:12]}" if reply.commit else "no commit", highlight=False)


def history(ctx: typer.Context, name: str = typer.Argument(..., help="A resource name."),
            branch: str = typer.Option("")) -> None:
    """Versions of one resource, newest first."""
    stub = yaml_versions_pb2_grpc.YamlVersionsServiceStub(remote(ctx).channel)
    table = Table("VERSION", "COMMIT", "AUTHOR", "TIME", "OPERATION", "TAGS", "MESSAGE")
    token = ""
    while True:
        page = remote(ctx).call(stub.ListVersions, yaml_versions_pb2.ListVersionsRequest(
            parent=name, branch=branch, page_token=token))
        for v in page.versions:
            marker = "*" if v.current else ""
            _row(table, f"{v.version}{marker}", v.commit[:12], v.author_name, _when(v.commit_time),
                          yaml_versions_pb2.Operation.Name(v.operation).removeprefix("OPERATION_").lower(),
                          ",".join(v.tags), v.message.splitlines()[0] if v.message else "")
        token = page.next_page_token
        if not token:
            break
    console.print(table)


def diff(ctx: typer.Context, name: str = typer.Argument(...),
         from_: str = typer.Argument(..., metavar="FROM", help="Version, commit, tag, branches/X or live."),
         to: str = typer.Argument("", help="Same forms; the current version when empty.")) -> None:
    """Unified and field-level differences between two revisions of a resource."""
    stub = yaml_versions_pb2_grpc.YamlVersionsServiceStub(remote(ctx).channel)
    reply = remote(ctx).call(stub.DiffVersions, yaml_versions_pb2.DiffVersionsRequest(name=name, to=to, **{"from": from_}))
    if reply.diff.unified_diff:
        console.print(Syntax(reply.diff.unified_diff, "diff"))
    table = Table("FIELD", "CHANGE", "OLD", "NEW")
    for change in reply.diff.changes:
        kind = change.change_type
        _row(table, change.path, common_pb2.ChangeType.Name(kind).removeprefix("CHANGE_TYPE_").lower(),
                      "(secret)" if change.redacted else _value(change, "old_value"),
                      "(secret)" if change.redacted else _value(change, "new_value"))
    console.print(table)


def _value(change: Any, field: str) -> str:
    return json_format.MessageToJson(getattr(change, field), indent=None) if change.HasField(field) else ""


def rollback(ctx: typer.Context, name: str = typer.Argument(...),
             target: str = typer.Argument(..., help="Version number, commit id or tag."),
             reason: str = typer.Option("", help="Why; recorded in the commit message."),
             dry_run: bool = typer.Option(False)) -> None:
    """Restore an earlier version as a new commit."""
    stub = yaml_versions_pb2_grpc.YamlVersionsServiceStub(remote(ctx).channel)
    reply = remote(ctx).call(stub.RollbackResource, yaml_versions_pb2.RollbackResourceRequest(
        name=name, target=target, reason=reason, dry_run=dry_run))
    if reply.diff.unified_diff:
        console.print(Syntax(reply.diff.unified_diff, "diff"))
    if reply.dry_run_error:
        console.print(f"[red]the cluster would refuse it:[/red] {reply.dry_run_error}", highlight=False)
    elif reply.commit:
        console.print(f"rolled back to {target}: version {reply.version}, commit {reply.commit[:12]}", highlight=False)


# -- containers -----------------------------------------------------------------------------

def logs(
    ctx: typer.Context,
    pod: str = typer.Argument("", help="A pod; or use --selector."),
    cluster: str = typer.Option(..., "--cluster", "-c"),
    namespace: str = typer.Option("default", "--namespace", "-n"),
    container: str = typer.Option("", "--container"),
    selector: str = typer.Option("", "--selector", "-l"),
    tail: int = typer.Option(100, help="Last N lines per container."),
    grep: str = typer.Option("", help="Regular expression lines must match."),
    level: list[str] = typer.Option([], help="debug, info, warn, error (repeatable)."),
    follow: bool = typer.Option(False, "--follow", "-f"),
) -> None:
    """Logs of one pod or of every pod matching a selector, merged."""
    query = containers_pb2.LogQuery(
        parent=f"{_cluster(cluster)}/namespaces/{namespace}", pod=pod, container=container,
        label_selector=selector, tail_lines=tail,
        view=containers_pb2.LOG_VIEW_BASIC,  # only `raw` is printed: skip the parsed fields
        filter=containers_pb2.LogFilter(pattern=grep, levels=[
            _enum_value(containers_pb2.LogLevel, "LOG_LEVEL_", name, "--level") for name in level]))
    stub = containers_pb2_grpc.ContainersServiceStub(remote(ctx).channel)
    if not follow:
        token = ""
        while True:
            page = remote(ctx).call(stub.ListLogEntries, containers_pb2.ListLogEntriesRequest(
                query=query, page_size=1000, page_token=token))
            _print_entries(page.entries)
            token = page.next_page_token
            if not token:
                return
    interrupted = threading.Event()

    def requests() -> Iterator[containers_pb2.StreamLogsRequest]:
        yield containers_pb2.StreamLogsRequest(query=query)
        interrupted.wait()  # keep the request side open: the server ends a follow at half-close

    try:
        for batch in remote(ctx).stream(lambda r, metadata: stub.StreamLogs(r, metadata=metadata), requests()):
            _print_entries(batch.entries)
    except KeyboardInterrupt:
        pass
    finally:
        interrupted.set()


def _print_entries(entries: Any) -> None:
    """Plain lines, one per entry, so the output pipes into grep like `kubectl logs`."""
    for entry in entries:
        sys.stdout.write(f"{entry.pod}/{entry.container} {entry.raw}\n")
    sys.stdout.flush()


def exec_command(
    ctx: typer.Context,
    pod: str = typer.Argument(...),
    command: list[str] = typer.Argument(..., help="The command and its arguments (after --)."),
    cluster: str = typer.Option(..., "--cluster", "-c"),
    namespace: str = typer.Option("default", "--namespace", "-n"),
    container: str = typer.Option(..., "--container"),
    workdir: str = typer.Option("", help="Run in this directory (needs a shell in the container)."),
) -> None:
    """Run one command in a container; exits with its exit code."""
    stub = containers_pb2_grpc.ContainersServiceStub(remote(ctx).channel)
    reply = remote(ctx).call(stub.Exec, containers_pb2.ExecRequest(
        container=f"{_cluster(cluster)}/namespaces/{namespace}/pods/{pod}/containers/{container}",
        command=command, working_dir=workdir))
    sys.stdout.buffer.write(reply.stdout)
    sys.stderr.buffer.write(reply.stderr)
    raise typer.Exit(reply.exit_code)
