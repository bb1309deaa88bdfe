"""kubectl-shaped verbs on live resources: `get`, `describe`, `delete`, `apply`, `api-resources`.

Types are resolved through the server's discovery (GetClusterResourceStats lists what each
cluster serves, with the cluster's own short names: `deploy`, a CRD's `wg`), so a typo
(`deploymnets`) is an error with a suggestion instead of an empty list, and a CRD's short name
works as soon as the cluster serves it. No table of names lives in the CLI.
"""

from __future__ import annotations

import difflib
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import typer
import yaml

from clients.cli import completion
from clients.cli.connection import cluster_of, namespace_of, remote, target
from clients.cli.errors import CliError
from clients.cli.printers import age, dump_yaml, line, parse_time, print_objects, table
from kubecommit.v1 import clusters_pb2, crd_pb2, crd_pb2_grpc, yaml_versions_pb2

CRD_COLLECTION = "customresourcedefinitions.apiextensions.k8s.io"
CLUSTER = typer.Option(None, "--cluster", help="Cluster id; the context's default, else all clusters for get.",
                       autocompletion=completion.clusters)
NAMESPACE = typer.Option(None, "--namespace", "-n", help="The context's namespace, else default.",
                         autocompletion=completion.namespaces)


@dataclass(frozen=True)
class ResourceType:
    type: str  # `deployments.apps`, the segment of resource names
    kind: str
    short_names: tuple[str, ...] = ()  # from the cluster's discovery

    @property
    def plural(self) -> str:
        return self.type.split(".", 1)[0]

    def matches(self, query: str) -> bool:
        q = query.lower()
        kind = self.kind.lower()
        group = self.type.partition(".")[2]
        return q in (self.type, self.plural, kind, *self.short_names) or (bool(group) and q == f"{kind}.{group}")


def served_types(ctx: typer.Context, cluster: str) -> list[ResourceType]:
    """What the cluster (or, for `clusters/-`, every reachable cluster) serves; fetched once."""
    cache = target(ctx).discovered
    if cluster not in cache:
        rpc = remote(ctx)
        names = [cluster] if cluster != "clusters/-" else [
            c.name for c in rpc.pages(rpc.clusters.ListClusters,
                                      lambda t: clusters_pb2.ListClustersRequest(page_token=t), "clusters")]
        found: dict[str, ResourceType] = {}
        for name in names:
            try:
                stats = rpc.call(rpc.clusters.GetClusterResourceStats,
                                 clusters_pb2.GetClusterResourceStatsRequest(name=f"{name}/resourceStats"))
            except CliError:
                if cluster != "clusters/-":
                    raise
                continue  # an unreachable cluster among many: the others still answer
            found.update({t.resource: ResourceType(t.resource, t.kind, tuple(t.short_names)) for t in stats.types})
        cache[cluster] = sorted(found.values(), key=lambda t: t.type)
    return cache[cluster]


def resolve_type(ctx: typer.Context, cluster: str, query: str) -> ResourceType:
    types = served_types(ctx, cluster)
    matches = [t for t in types if t.matches(query)]
    if matches:
        return matches[0]
    words = [w for t in types for w in (t.plural, t.type, t.kind.lower(), *t.short_names)]
    close = difflib.get_close_matches(query.lower(), words, n=1)
    suggestion = f"did you mean {close[0]!r}? " if close else ""
    raise CliError(f"the server doesn't have a resource type {query!r}",
                   f"{suggestion}`kubecommit api-resources` lists the types")


def split_ref(ref: str, name: Optional[str]) -> tuple[str, Optional[str]]:
    """`deploy/frontend` -> (`deploy`, `frontend`); `pods x` -> (`pods`, `x`)."""
    if "/" in ref and not ref.startswith("clusters/"):
        kind, _, ref_name = ref.partition("/")
        if name:
            raise CliError(f"there is a name in {ref!r} already; drop {name!r}", usage=True)
        return kind, ref_name
    return ref, name


def list_objects(ctx: typer.Context, cluster: str, rt: ResourceType, namespace: str, *,
                 selector: str = "", field_selector: str = "",
                 clusters: Sequence[str] = ()) -> list[clusters_pb2.KubernetesObject]:
    """Every matching live object; unreachable clusters are warned about on stderr."""
    rpc = remote(ctx)
    unreachable: dict[str, str] = {}
    found: list[clusters_pb2.KubernetesObject] = []
    token = ""
    while True:
        page = rpc.call(rpc.clusters.ListResources, clusters_pb2.ListResourcesRequest(
            parent=cluster, resource_type=rt.type, namespace=namespace, label_selector=selector,
            field_selector=field_selector, page_token=token, clusters=clusters))
        found.extend(page.resources)
        unreachable.update(page.unreachable)
        token = page.next_page_token
        if not token:
            break
    for name, reason in sorted(unreachable.items()):
        sys.stderr.write(f"warning: {name} is unreachable: {reason}\n")
    return found


def find_one(ctx: typer.Context, cluster: str, rt: ResourceType, namespace: str,
             name: str) -> clusters_pb2.KubernetesObject:
    found = list_objects(ctx, cluster, rt, namespace, field_selector=f"metadata.name={name}")
    if not found:
        raise not_found(rt, namespace, name)
    return found[0]


def not_found(rt: ResourceType, namespace: str, name: str) -> CliError:
    """kubectl's NotFound, with where it looked."""
    where = f" in namespace {namespace}" if namespace not in ("", "-") else ""
    return CliError(f'{rt.type} "{name}" not found{where}', f"kubecommit get {rt.plural} lists them")


def resource_name(ctx: typer.Context, ref: str, cluster: Optional[str], namespace: Optional[str]) -> str:
    """`deploy/frontend` -> `clusters/C/namespaces/N/deployments.apps/frontend`, looked up live; a
    resource gone from the cluster (deleted, history still there) is named from its type."""
    if ref.startswith("clusters/"):
        return ref
    kind, name = split_ref(ref, None)
    if not name:
        raise CliError(f"{ref!r} is neither TYPE/NAME nor a resource name (clusters/...)", usage=True)
    cluster_name, ns = cluster_of(ctx, cluster), namespace_of(ctx, namespace)
    rt = resolve_type(ctx, cluster_name, kind)
    found = list_objects(ctx, cluster_name, rt, ns, field_selector=f"metadata.name={name}")
    return found[0].name if found else f"{cluster_name}/namespaces/{ns}/{rt.type}/{name}"


def read_manifest(file: Path) -> str:
    """The YAML given with -f (`-`: stdin); an unreadable file is one error line, not a traceback."""
    try:
        return sys.stdin.read() if str(file) == "-" else file.read_text()
    except OSError as error:
        raise CliError(f"cannot read {file}: {error.strerror}", "check the path given to -f") from None


def manifest_of(obj: clusters_pb2.KubernetesObject) -> dict[str, Any]:
    return yaml.load(obj.yaml, Loader=yaml.CSafeLoader) or {}


# -- columns per kind (kubectl's defaults; `-o wide` adds the rest) -----------------------------

def _pod(o: dict[str, Any], wide: bool) -> list[str]:
    spec, status = o.get("spec") or {}, o.get("status") or {}
    statuses = status.get("containerStatuses") or []
    ready = sum(1 for c in statuses if c.get("ready"))
    reason = status.get("reason") or status.get("phase") or "Unknown"
    for c in statuses:
        waiting = (c.get("state") or {}).get("waiting") or {}
        terminated = (c.get("state") or {}).get("terminated") or {}
        reason = waiting.get("reason") or terminated.get("reason") or reason
    if (o.get("metadata") or {}).get("deletionTimestamp"):
        reason = "Terminating"
    row = [f"{ready}/{len(spec.get('containers') or [])}", reason,
           str(sum(int(c.get("restartCount") or 0) for c in statuses)), _age(o)]
    if wide:
        row += [status.get("podIP") or "<none>", spec.get("nodeName") or "<none>",
                status.get("nominatedNodeName") or "<none>", "<none>"]
    return row


def _deployment(o: dict[str, Any], wide: bool) -> list[str]:
    spec, status = o.get("spec") or {}, o.get("status") or {}
    row = [f"{status.get('readyReplicas') or 0}/{spec.get('replicas', 1)}", str(status.get("updatedReplicas") or 0),
           str(status.get("availableReplicas") or 0), _age(o)]
    if wide:
        containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
        labels = (spec.get("selector") or {}).get("matchLabels") or {}
        row += [",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers),
                ",".join(f"{k}={v}" for k, v in labels.items()) or "<none>"]
    return row


def _service(o: dict[str, Any], wide: bool) -> list[str]:
    spec, status = o.get("spec") or {}, o.get("status") or {}
    kind = spec.get("type") or "ClusterIP"
    ingress = [i.get("ip") or i.get("hostname") for i in (status.get("loadBalancer") or {}).get("ingress") or []]
    external = ",".join(filter(None, ingress + (spec.get("externalIPs") or [])))
    external = external or ("<pending>" if kind == "LoadBalancer" else "<none>")
    ports = ",".join(f"{p.get('port')}{':' + str(p['nodePort']) if p.get('nodePort') else ''}/{p.get('protocol', 'TCP')}"
                     for p in spec.get("ports") or []) or "<none>"
    row = [kind, spec.get("clusterIP") or "<none>", external, ports, _age(o)]
    if wide:
        row.append(",".join(f"{k}={v}" for k, v in (spec.get("selector") or {}).items()) or "<none>")
    return row


def _node(o: dict[str, Any], wide: bool) -> list[str]:
    status, labels = o.get("status") or {}, (o.get("metadata") or {}).get("labels") or {}
    ready = next((c.get("status") for c in status.get("conditions") or [] if c.get("type") == "Ready"), "Unknown")
    state = "Ready" if ready == "True" else "NotReady"
    if (o.get("spec") or {}).get("unschedulable"):
        state += ",SchedulingDisabled"
    roles = sorted(k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/"))
    info = status.get("nodeInfo") or {}
    row = [state, ",".join(roles) or "<none>", _age(o), info.get("kubeletVersion", "")]
    if wide:
        addresses = {a.get("type"): a.get("address") for a in status.get("addresses") or []}
        row += [addresses.get("InternalIP") or "<none>", addresses.get("ExternalIP") or "<none>",
                info.get("osImage", ""), info.get("kernelVersion", ""), info.get("containerRuntimeVersion", "")]
    return row


def _namespace(o: dict[str, Any], wide: bool) -> list[str]:
    return [(o.get("status") or {}).get("phase") or "Active", _age(o)]


def _default(o: dict[str, Any], wide: bool) -> list[str]:
    return [_age(o)]


def _age(o: dict[str, Any]) -> str:
    return age(parse_time((o.get("metadata") or {}).get("creationTimestamp", "")))


COLUMNS: dict[str, tuple[list[str], list[str], Callable[[dict[str, Any], bool], list[str]]]] = {
    "pods": (["READY", "STATUS", "RESTARTS", "AGE"], ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"], _pod),
    "deployments.apps": (["READY", "UP-TO-DATE", "AVAILABLE", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"], _deployment),
    "services": (["TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], ["SELECTOR"], _service),
    "nodes": (["STATUS", "ROLES", "AGE", "VERSION"],
              ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"], _node),
    "namespaces": (["STATUS", "AGE"], [], _namespace),
}


def table_layout(rt: ResourceType, wide: bool, with_namespace: bool,
                 with_cluster: bool) -> tuple[list[str], Callable[[clusters_pb2.KubernetesObject], list[str]]]:
    """kubectl's headers for the type and the row of one object."""
    headers, extra, columns = COLUMNS.get(rt.type, (["AGE"], [], _default))
    prefix = (["CLUSTER"] if with_cluster else []) + (["NAMESPACE"] if with_namespace else [])

    def row(obj: clusters_pb2.KubernetesObject) -> list[str]:
        cells = ([obj.cluster.removeprefix("clusters/")] if with_cluster else []) + \
                ([obj.namespace] if with_namespace else [])
        return cells + [obj.object_name] + columns(manifest_of(obj), wide)
    return prefix + ["NAME"] + headers + (extra if wide else []), row


def print_table(objects: list[clusters_pb2.KubernetesObject], rt: ResourceType, wide: bool,
                with_namespace: bool, with_cluster: bool) -> None:
    headers, row = table_layout(rt, wide, with_namespace, with_cluster)
    table(headers, [row(obj) for obj in objects])


def watch_objects(ctx: typer.Context, cluster: str, rt: ResourceType, namespace: str, name: Optional[str], *,
                  selector: str, field_selector: str, output: str, all_namespaces: bool,
                  clusters: Sequence[str] = ()) -> None:
    """`get -w`: the header, then one row (or document) per object as WatchResources reports it —
    the current ones first, then each change — until Ctrl-C, which ends it with exit 0. Across
    clusters (`clusters/-`) rows carry a CLUSTER column and a cluster that cannot be watched is
    named on stderr while the others go on."""
    headers, row = table_layout(rt, output == "wide", all_namespaces, cluster == "clusters/-")
    widths = [len(h) for h in headers]
    rpc = remote(ctx)
    request = clusters_pb2.WatchResourcesRequest(parent=cluster, resource_type=rt.type, namespace=namespace,
                                                 label_selector=selector, field_selector=field_selector,
                                                 name=name or "", clusters=clusters)
    shown = 0
    try:
        for event in rpc.stream(rpc.clusters.WatchResources, request):
            for lost, reason in sorted(event.unreachable.items()):
                sys.stderr.write(f"warning: {lost} is unreachable: {reason}\n")
            if not event.HasField("resource"):
                continue
            if output in ("", "wide"):
                cells = row(event.resource)
                widths = [max(w, len(c)) for w, c in zip(widths, cells)]  # columns only ever widen
                sys.stdout.write(("" if shown else line(widths, headers)) + line(widths, cells))
                sys.stdout.flush()
            else:
                print_objects([manifest_of(event.resource)], output, lambda o: f"{rt.plural}/{o['metadata']['name']}")
            shown += 1
    except KeyboardInterrupt:
        sys.stdout.flush()


# -- verbs ----------------------------------------------------------------------------------

def get(
    ctx: typer.Context,
    resource_type: str = typer.Argument(..., help="pods, po, deploy, deployments.apps, Deployment, or TYPE/NAME.",
                                        autocompletion=completion.resource_types),
    name: Optional[str] = typer.Argument(None, help="One object by name.", autocompletion=completion.object_names),
    cluster: list[str] = typer.Option([], "--cluster", help="Cluster id; repeat (or a,b) for several; the context's "
                                      "default, else every cluster.", autocompletion=completion.clusters),
    namespace: Optional[str] = NAMESPACE,
    all_namespaces: bool = typer.Option(False, "--all-namespaces", "-A", help="Every namespace."),
    selector: str = typer.Option("", "--selector", "-l", help="Label selector, e.g. app=web,tier!=db."),
    field_selector: str = typer.Option("", "--field-selector", help="e.g. status.phase=Running."),
    output: str = typer.Option("", "--output", "-o", help="yaml, json, wide, name or jsonpath=TEMPLATE."),
    watch: bool = typer.Option(False, "--watch", "-w", help="Then a row for each change, until Ctrl-C."),
) -> None:
    """Live resources, printed as kubectl prints them."""
    kind, name = split_ref(resource_type, name)
    chosen = [c for given in cluster for c in given.split(",") if c]
    # Several clusters: every cluster (`clusters/-`) narrowed to them.
    cluster_name = cluster_of(ctx, chosen[0] if len(chosen) == 1 else None, required=False) \
        if len(chosen) < 2 else "clusters/-"
    several = [f"clusters/{c.removeprefix('clusters/')}" for c in chosen] if len(chosen) > 1 else []
    rt = resolve_type(ctx, cluster_name, kind)
    ns = "-" if all_namespaces else namespace_of(ctx, namespace)
    if watch:
        watch_objects(ctx, cluster_name, rt, ns, name, selector=selector, field_selector=field_selector,
                      output=output, all_namespaces=all_namespaces, clusters=several)
        return
    if name:
        objects = list_objects(ctx, cluster_name, rt, ns, field_selector=f"metadata.name={name}", clusters=several)
        if not objects:
            raise not_found(rt, ns, name)
    else:
        objects = list_objects(ctx, cluster_name, rt, ns, selector=selector, field_selector=field_selector,
                               clusters=several)
    if not objects:
        no_resources(ctx, cluster_name, ns)
        return
    # A CRD always has a group (`{plural}.{group}`): only such types without columns of ours may be one.
    if output in ("", "wide") and rt.type not in COLUMNS and "." in rt.type and cluster_name != "clusters/-" and \
            custom_rows(ctx, cluster_name, rt, ns, selector, f"metadata.name={name}" if name else field_selector):
        return
    if output in ("", "wide"):
        print_table(objects, rt, output == "wide", all_namespaces, cluster_name == "clusters/-")
    else:
        print_objects([manifest_of(o) for o in objects], output,
                      lambda o: f"{rt.kind.lower()}{'.' + rt.type.partition('.')[2] if '.' in rt.type else ''}/"
                                f"{o['metadata']['name']}")


def custom_rows(ctx: typer.Context, cluster: str, rt: ResourceType, namespace: str, selector: str,
                field_selector: str) -> bool:
    """A custom resource printed with its CRD's own columns (additionalPrinterColumns, evaluated by
    the server: ListCustomObjectRows), as kubectl prints it; False when the type is no CRD."""
    rpc = remote(ctx)
    stub = crd_pb2_grpc.CrdServiceStub(rpc.channel)

    def page(token: str) -> crd_pb2.ListCustomObjectRowsResponse:
        return rpc.call(stub.ListCustomObjectRows, crd_pb2.ListCustomObjectRowsRequest(
            parent=f"{cluster}/{CRD_COLLECTION}/{rt.type}", namespace=namespace, label_selector=selector,
            field_selector=field_selector, page_token=token))
    try:
        first = page("")
    except CliError as error:
        if error.reason == "CRD_NOT_FOUND":
            return False
        raise
    rows, token = list(first.rows), first.next_page_token
    while token:
        following = page(token)
        rows, token = rows + list(following.rows), following.next_page_token
    every = namespace in ("", "-")
    table((["NAMESPACE"] if every else []) + [c.name.upper() for c in first.columns],
          [([r.namespace] if every else []) + list(r.cells) for r in rows])
    return True


def no_resources(ctx: typer.Context, cluster: str, namespace: str) -> None:
    """kubectl's message (exit 0); a namespace that does not exist is an error instead."""
    if namespace != "-" and cluster != "clusters/-":
        rpc = remote(ctx)
        rpc.call(rpc.clusters.GetResource, clusters_pb2.GetResourceRequest(name=f"{cluster}/namespaces/{namespace}"))
    where = "any namespace" if namespace == "-" else f"namespace {namespace}"
    sys.stderr.write(f"No resources found in {where}.\n")


def describe(
    ctx: typer.Context,
    resource_type: str = typer.Argument(..., autocompletion=completion.resource_types),
    name: Optional[str] = typer.Argument(None, autocompletion=completion.object_names),
    cluster: Optional[str] = CLUSTER,
    namespace: Optional[str] = NAMESPACE,
) -> None:
    """One object in detail: identity, labels, annotations, then its spec and status."""
    kind, name = split_ref(resource_type, name)
    if not name:
        raise CliError("describe needs a name", "kubecommit describe TYPE NAME or TYPE/NAME", usage=True)
    cluster_name = cluster_of(ctx, cluster)
    obj = find_one(ctx, cluster_name, resolve_type(ctx, cluster_name, kind), namespace_of(ctx, namespace), name)
    manifest = manifest_of(obj)
    metadata = manifest.get("metadata") or {}
    out = [f"Name:         {obj.object_name}", f"Namespace:    {obj.namespace or '<none>'}",
           f"Cluster:      {obj.cluster.removeprefix('clusters/')}", f"Kind:         {obj.kind}",
           f"API Version:  {obj.api_version}", f"Resource:     {obj.name}",
           f"Created:      {metadata.get('creationTimestamp', '<unknown>')}"]
    for title, values in (("Labels", metadata.get("labels")), ("Annotations", metadata.get("annotations"))):
        pairs = [f"{k}={v}" for k, v in (values or {}).items()] or ["<none>"]
        out.append(f"{title + ':':<14}{pairs[0]}")
        out += [" " * 14 + p for p in pairs[1:]]
    for section in ("spec", "status", "data"):
        if manifest.get(section):
            out.append(f"{section.capitalize()}:")
            out += ["  " + line for line in dump_yaml(manifest[section]).splitlines()]
    sys.stdout.write("\n".join(out) + "\n")
    if obj.namespace:
        _events(ctx, cluster_name, obj, metadata.get("uid", ""))


def _events(ctx: typer.Context, cluster: str, obj: clusters_pb2.KubernetesObject, uid: str) -> None:
    """kubectl's Events table: what controllers and the scheduler said about this object."""
    try:  # resource stats leave events out, so they are asked for by name
        found = list_objects(ctx, cluster, ResourceType("events", "Event"), obj.namespace,
                             field_selector=f"involvedObject.name={obj.object_name}")
    except CliError:
        return  # a cluster that serves no events
    events = [manifest_of(e) for e in found]
    events = sorted((e for e in events if (e.get("involvedObject") or {}).get("uid") in ("", uid)),
                    key=lambda e: e.get("lastTimestamp") or "")
    if not events:
        sys.stdout.write("Events:       <none>\n")
        return
    sys.stdout.write("Events:\n")
    buffer = io.StringIO()
    table(["Type", "Reason", "Age", "From", "Message"],
          [[e.get("type", ""), e.get("reason", ""), age(parse_time(e.get("lastTimestamp") or "")),
            (e.get("source") or {}).get("component", ""), e.get("message", "")] for e in events], buffer)
    sys.stdout.write("".join("  " + line + "\n" for line in buffer.getvalue().splitlines()))


def delete(
    ctx: typer.Context,
    resource_type: str = typer.Argument(..., autocompletion=completion.resource_types),
    name: Optional[str] = typer.Argument(None, autocompletion=completion.object_names),
    cluster: Optional[str] = CLUSTER,
    namespace: Optional[str] = NAMESPACE,
    message: str = typer.Option("", "--message", "-m", help="Commit message."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Ask the cluster; delete and commit nothing."),
    branch: str = typer.Option("", help="Delete on a draft branch only (nothing leaves the store)."),
) -> None:
    """Delete a resource from its cluster and record the deletion as a commit."""
    kind, name = split_ref(resource_type, name)
    full = resource_name(ctx, f"{kind}/{name}" if name else kind, cluster, namespace)
    rpc = remote(ctx)
    reply = rpc.call(rpc.versions.DeleteResource, yaml_versions_pb2.DeleteResourceRequest(
        name=full, message=message, dry_run=dry_run, branch=branch))
    suffix = " (dry run)" if dry_run else f" (commit {reply.commit[:12]})" if reply.commit else ""
    sys.stdout.write(f"{full} deleted{suffix}\n")


def apply(
    ctx: typer.Context,
    file: Path = typer.Option(..., "--filename", "-f", help="YAML with one or many documents; - for stdin."),
    cluster: Optional[str] = CLUSTER,
    message: str = typer.Option("", "--message", "-m", help="Commit message."),
    branch: str = typer.Option("", help="A draft branch (kubecommit branch create); main when empty."),
    namespace: str = typer.Option("", "--namespace", "-n", help="Namespace for documents without one."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Ask the cluster, show the diff, commit nothing."),
) -> None:
    """Apply a manifest: one commit for the whole file."""
    from clients.cli.diffs import print_unified

    manifest = read_manifest(file)
    rpc = remote(ctx)
    reply = rpc.call(rpc.versions.ApplyManifest, yaml_versions_pb2.ApplyManifestRequest(
        cluster=cluster_of(ctx, cluster), manifest=manifest, message=message, branch=branch,
        namespace=namespace or target(ctx).default("namespace"), dry_run=dry_run))
    failed = [r for r in reply.resources if r.error]
    for resource in reply.resources:
        version = f" (version {resource.version})" if resource.version else ""
        sys.stdout.write(f"{resource.name} {resource.action}{version}\n")
        if dry_run and resource.diff.unified_diff:
            print_unified(resource.diff.unified_diff)
    sys.stdout.write(f"commit {reply.commit[:12]}\n" if reply.commit else "no commit\n")
    if failed:
        raise CliError("; ".join(f"{r.name}: {r.error}" for r in failed),
                       f"{len(failed)} of {len(reply.resources)} resources were not applied")


def api_resources(ctx: typer.Context, cluster: Optional[str] = CLUSTER) -> None:
    """The resource types the cluster serves, with the short names its discovery gives."""
    table(["NAME", "SHORTNAMES", "KIND"], [[t.type, ",".join(t.short_names), t.kind]
                                          for t in served_types(ctx, cluster_of(ctx, cluster, required=False))])


def compare(
    ctx: typer.Context,
    resource_type: str = typer.Argument(..., help="TYPE or TYPE/NAME.", autocompletion=completion.resource_types),
    name: Optional[str] = typer.Argument(None, autocompletion=completion.object_names),
    clusters: list[str] = typer.Option(..., "--cluster", help="Two or more clusters (repeat the flag).",
                                       autocompletion=completion.clusters),
    namespace: Optional[str] = NAMESPACE,
) -> None:
    """The same object across clusters: how each differs from the first (exit 1 when any does)."""
    from clients.cli.diffs import change_rows

    kind, name = split_ref(resource_type, name)
    if not name or len(clusters) < 2:
        raise CliError("compare needs TYPE NAME and at least two --cluster", usage=True)
    ns = namespace_of(ctx, namespace)
    names = [resource_name(ctx, f"{kind}/{name}", c, ns) for c in clusters]
    rpc = remote(ctx)
    reply = rpc.call(rpc.clusters.CompareResources, clusters_pb2.CompareResourcesRequest(names=names))
    sys.stdout.write(f"reference: {reply.reference}\n")
    for comparison in reply.comparisons:
        if not comparison.found:
            sys.stdout.write(f"{comparison.name}: not found\n")
        elif comparison.changes:
            sys.stdout.write(f"{comparison.name}:\n")
            table(["FIELD", "CHANGE", "REFERENCE", "HERE"], change_rows(comparison.changes))
        else:
            sys.stdout.write(f"{comparison.name}: identical\n")
    if not reply.identical:
        raise typer.Exit(1)
