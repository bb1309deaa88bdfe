"""Dynamic shell completion through the server: cluster names, resource types, namespaces,
object and pod names. During completion the root callback has not run, so the connection is
built from the root's parsed options; any failure completes nothing rather than printing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import typer

from clients.cli.connection import Target
from kubecommit.v1 import clusters_pb2


def _target(ctx: typer.Context) -> Target:
    root = ctx.find_root()
    if isinstance(root.obj, Target):
        return root.obj
    params = root.params
    return Target(params.get("server"), params.get("token"), params.get("context"),
                  Path(params.get("data_dir") or ".data"), params.get("ca"))


def _quiet(produce: Callable[[typer.Context], list[str]]) -> Callable[[typer.Context, str], list[str]]:
    def complete(ctx: typer.Context, incomplete: str) -> list[str]:
        try:
            return sorted({c for c in produce(ctx) if c.startswith(incomplete)})
        except Exception:  # completion must never break the shell: no candidates instead
            return []

    complete.__name__ = produce.__name__
    return complete


def _cluster(ctx: typer.Context) -> str:
    chosen = ctx.params.get("cluster")
    if isinstance(chosen, list):  # `get --cluster a --cluster b`: one cluster, or all of them
        chosen = chosen[0] if len(chosen) == 1 else "-" if chosen else None
    name = chosen or _target(ctx).default("cluster") or "-"
    return name if name.startswith("clusters/") else f"clusters/{name}"


def _names(ctx: typer.Context, resource_type: str, namespace: str) -> list[str]:
    rpc = _target(ctx).remote()
    reply = rpc.call(rpc.clusters.ListResources, clusters_pb2.ListResourcesRequest(
        parent=_cluster(ctx), resource_type=resource_type, namespace=namespace, page_size=500))
    return [o.object_name for o in reply.resources]


def _namespace(ctx: typer.Context) -> str:
    return ctx.params.get("namespace") or _target(ctx).default("namespace") or "default"


@_quiet
def clusters(ctx: typer.Context) -> list[str]:
    rpc = _target(ctx).remote()
    reply = rpc.call(rpc.clusters.ListClusters, clusters_pb2.ListClustersRequest(page_size=500))
    return [c.name.removeprefix("clusters/") for c in reply.clusters]


@_quiet
def namespaces(ctx: typer.Context) -> list[str]:
    return _names(ctx, "namespaces", "")


@_quiet
def resource_types(ctx: typer.Context) -> list[str]:
    rpc = _target(ctx).remote()
    cluster = _cluster(ctx)
    if cluster == "clusters/-":
        first = rpc.call(rpc.clusters.ListClusters, clusters_pb2.ListClustersRequest(page_size=1)).clusters
        cluster = first[0].name if first else cluster
    stats = rpc.call(rpc.clusters.GetClusterResourceStats,
                     clusters_pb2.GetClusterResourceStatsRequest(name=f"{cluster}/resourceStats"))
    return [t.resource for t in stats.types] + [t.resource.split(".")[0] for t in stats.types]


@_quiet
def object_names(ctx: typer.Context) -> list[str]:
    return _names(ctx, ctx.params.get("resource_type") or "pods", _namespace(ctx))


@_quiet
def pods(ctx: typer.Context) -> list[str]:
    return _names(ctx, "pods", _namespace(ctx))
