"""`kubecommit crds ...`: the CRDs of one or every cluster, their schemas as `kubectl explain`
shows them, and custom objects checked against their CRD before anything is applied."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Optional

import typer
from google.protobuf import json_format

from clients.cli import completion
from clients.cli.connection import cluster_of, remote
from clients.cli.errors import CliError
from clients.cli.printers import age, exact, parse_time, table
from clients.cli.resources import CRD_COLLECTION, read_manifest
from kubecommit.v1 import common_pb2, crd_pb2, crd_pb2_grpc

crds_app = typer.Typer(help="Custom resource definitions: where they are, what they allow, what they accept.",
                       no_args_is_help=True)
COLLECTION = CRD_COLLECTION
CLUSTER = typer.Option(None, "--cluster", help="Cluster id (- for every cluster); the context's default.",
                       autocompletion=completion.clusters)


def _stub(channel: object) -> crd_pb2_grpc.CrdServiceStub:
    return crd_pb2_grpc.CrdServiceStub(channel)


def _value(value: object) -> str:
    return str(exact(json_format.MessageToDict(value)))  # type: ignore[arg-type]


@crds_app.command("list")
def crds_list(ctx: typer.Context, cluster: Optional[str] = CLUSTER,
              group: str = typer.Option("", help="Only CRDs of this API group."),
              count: bool = typer.Option(False, "--count", help="Count the objects of each CRD.")) -> None:
    """CRDs with their versions and state; with --cluster - , of every cluster."""
    rpc = remote(ctx)
    stub = _stub(rpc.channel)
    parent = cluster_of(ctx, cluster, required=False)
    unreachable: dict[str, str] = {}
    rows, token = [], ""
    while True:
        reply = rpc.call(stub.ListCustomResourceDefinitions, crd_pb2.ListCustomResourceDefinitionsRequest(
            parent=parent, group=group, count_objects=count, page_token=token))
        unreachable.update(reply.unreachable)
        for crd in reply.custom_resource_definitions:
            _, cluster_id, _, name = crd.name.split("/")
            objects = str(max((v.object_count for v in crd.versions if v.HasField("object_count")), default=0))
            created = parse_time(crd.create_time.ToJsonString()) if crd.HasField("create_time") else None
            rows.append([cluster_id, name, crd.names.kind,
                         "Namespaced" if crd.scope == crd_pb2.CUSTOM_RESOURCE_SCOPE_NAMESPACED else "Cluster",
                         ",".join(v.name for v in crd.versions if v.served), crd.storage_version,
                         str(crd.established), *([objects] if count else []), age(created)])
        token = reply.next_page_token
        if not token:
            break
    headers = ["CLUSTER", "NAME", "KIND", "SCOPE", "SERVED", "STORAGE", "ESTABLISHED", *(["OBJECTS"] if count else []),
               "AGE"]
    table(headers, rows)
    for where, why in unreachable.items():
        sys.stderr.write(f"warning: {where} unreachable: {why}\n")


@crds_app.command("explain")
def crds_explain(ctx: typer.Context, crd: str = typer.Argument(..., help="CRD name, e.g. widgets.example.com."),
                 field_path: str = typer.Argument("", help="e.g. spec.size; the whole schema when omitted."),
                 cluster: Optional[str] = CLUSTER,
                 api_version: str = typer.Option("", "--api-version", help="CRD version; the storage version.")) -> None:
    """A field of a CRD's schema and the fields under it, as kubectl explain shows them."""
    rpc = remote(ctx)
    parent = cluster_of(ctx, cluster)
    schema = rpc.call(_stub(rpc.channel).GetCustomResourceSchema, crd_pb2.GetCustomResourceSchemaRequest(
        name=f"{parent}/{COLLECTION}/{crd}/schema", version=api_version, field_path=field_path))
    out = [f"CRD:        {crd}", f"VERSION:    {schema.version}", ""]
    fields = list(schema.fields)
    if schema.field_path and fields:
        top = fields.pop(0)
        out += [f"FIELD: {top.path} <{top.type or 'any'}>{'  -required-' if top.required else ''}", "",
                "DESCRIPTION:", *_wrap(top.description or "<empty>", 4), *_constraints(top, 4), ""]
    out.append("FIELDS:")
    for f in fields:  # fields directly below the explained one have depth 1
        indent = 2 * f.depth
        name = f.path.rsplit(".", 1)[-1]
        out.append(" " * indent + f"{name}\t<{f.type or 'any'}>{'  -required-' if f.required else ''}")
        out += _wrap(f.description, indent + 2) + _constraints(f, indent + 2)
    sys.stdout.write("\n".join(out) + "\n")


def _wrap(text: str, indent: int) -> list[str]:
    return textwrap.wrap(text, 100, initial_indent=" " * indent, subsequent_indent=" " * indent) if text else []


def _constraints(f: crd_pb2.SchemaField, indent: int) -> list[str]:
    pad = " " * indent
    found = []
    if f.enum_values:
        found.append("enum: " + ", ".join(_value(v) for v in f.enum_values))
    if f.HasField("default_value"):
        found.append(f"default: {_value(f.default_value)}")
    for label in ("minimum", "maximum", "min_length", "max_length", "min_items", "max_items"):
        if f.HasField(label):
            found.append(f"{label.replace('_', ' ')}: {exact(getattr(f, label))}")
    if f.pattern:
        found.append(f"pattern: {f.pattern}")
    found += [label for label, on in (("nullable", f.nullable), ("integer or string", f.int_or_string),
                                      ("keeps fields it does not declare", f.preserve_unknown_fields)) if on]
    found += [f"rule: {r.rule}" + (f" ({r.message})" if r.message else "") for r in f.validations]
    return [pad + c for c in found]


@crds_app.command("validate")
def crds_validate(ctx: typer.Context,
                  file: Path = typer.Option(..., "--filename", "-f", help="YAML with custom objects; - for stdin."),
                  cluster: Optional[str] = CLUSTER,
                  in_cluster: bool = typer.Option(False, "--in-cluster", help="Also ask the cluster (dry run).")) -> None:
    """Check the custom objects of a manifest against their CRDs' schemas; nothing is applied."""
    manifest = read_manifest(file)
    rpc = remote(ctx)
    reply = rpc.call(_stub(rpc.channel).ValidateCustomObject, crd_pb2.ValidateCustomObjectRequest(
        parent=cluster_of(ctx, cluster), manifest=manifest, validate_in_cluster=in_cluster))
    for result in reply.objects:
        verdict = "valid" + (" (cluster accepted)" if result.cluster_accepted else "") if result.valid else "invalid"
        sys.stdout.write(f"{result.name} ({result.document}, {result.custom_resource_definition}/{result.version}): "
                         f"{verdict}\n")
        for v in result.violations:
            where = " [cluster]" if v.from_cluster else ""
            sys.stdout.write(f"  {v.field}: {v.reason}: {v.message}{where}\n")
        for rule in result.checked_by_cluster:
            sys.stdout.write(f"  checked by the cluster: {rule}\n")
    if not reply.objects:
        sys.stderr.write("no custom objects in the manifest\n")
    invalid = [o for o in reply.objects if not o.valid]
    if invalid:
        raise CliError(f"{len(invalid)} of {len(reply.objects)} custom objects are invalid",
                       "fix the fields listed above, then kubecommit apply -f")


CRD = typer.Argument(..., help="CRD name, e.g. widgets.example.com.")


def _change(number: int) -> str:
    return common_pb2.ChangeType.Name(number).removeprefix("CHANGE_TYPE_").lower()


def _differences(differences: list[crd_pb2.SchemaDifference]) -> None:
    table(["VERSION", "FIELD", "CHANGE", "ATTRIBUTE", "BEFORE", "AFTER"],
          [[d.version, d.field, _change(d.change_type), d.attribute or "-",
            _value(d.reference_value) if d.HasField("reference_value") else "-",
            _value(d.value) if d.HasField("value") else "-"] for d in differences])


@crds_app.command("get")
def crds_get(ctx: typer.Context, crd: str = CRD, cluster: Optional[str] = CLUSTER,
             count: bool = typer.Option(False, "--count", help="Count the objects of each served version."),
             output: str = typer.Option("", "--output", "-o", help="yaml: the CRD as the cluster has it.")) -> None:
    """One CRD: names, scope, versions (served, storage, objects), conditions."""
    rpc = remote(ctx)
    got = rpc.call(_stub(rpc.channel).GetCustomResourceDefinition, crd_pb2.GetCustomResourceDefinitionRequest(
        name=f"{cluster_of(ctx, cluster)}/{COLLECTION}/{crd}", count_objects=count))
    if output == "yaml":
        sys.stdout.write(got.yaml)
        return
    names = got.names
    for label, value in (("name", got.name), ("kind", f"{names.kind} (list {names.list_kind})"),
                         ("names", f"{names.plural}, {names.singular}" + "".join(f", {s}" for s in names.short_names)),
                         ("scope", "Namespaced" if got.scope == crd_pb2.CUSTOM_RESOURCE_SCOPE_NAMESPACED else "Cluster"),
                         ("storage", got.storage_version), ("stored in", ",".join(got.stored_versions)),
                         ("conversion", got.conversion_strategy),
                         ("conditions", ",".join(f"{k}={v}" for k, v in sorted(got.conditions.items())))):
        typer.echo(f"{label + ':':<12}{value}")
    table(["VERSION", "SERVED", "STORAGE", *(["OBJECTS"] if count else [])],
          [[v.name, str(v.served), str(v.storage), *([str(v.object_count)] if count else [])] for v in got.versions])


@crds_app.command("compare")
def crds_compare(ctx: typer.Context, crd: str = CRD,
                 cluster: list[str] = typer.Option([], "--cluster", help="Only these clusters (repeatable); all when none.",
                                                   autocompletion=completion.clusters)) -> None:
    """The CRD across clusters: versions, storage version and schema differences from the first
    cluster that has it. Exit 1 when they are skewed."""
    rpc = remote(ctx)
    got = rpc.call(_stub(rpc.channel).CompareCustomResourceDefinitions, crd_pb2.CompareCustomResourceDefinitionsRequest(
        name=f"clusters/-/{COLLECTION}/{crd}", clusters=cluster))
    table(["CLUSTER", "FOUND", "SERVED", "STORAGE", "DIFFERENCES"],
          [[c.cluster.removeprefix("clusters/"), str(c.found), ",".join(c.served_versions) or "-",
            c.storage_version or "-", str(len(c.differences))] for c in got.clusters])
    for c in got.clusters:
        if c.differences:
            typer.echo(f"\n{c.cluster} against {got.reference_cluster}:")
            _differences(list(c.differences))
    for where, why in sorted(got.unreachable.items()):
        sys.stderr.write(f"warning: {where} unreachable: {why}\n")
    if got.skewed:
        sys.stderr.write(f"{crd} differs across clusters\n")
        raise typer.Exit(1)


@crds_app.command("rows")
def crds_rows(ctx: typer.Context, crd: str = CRD, cluster: Optional[str] = CLUSTER,
              namespace: Optional[str] = typer.Option(None, "--namespace", "-n", help="Every namespace when omitted."),
              selector: str = typer.Option("", "--selector", "-l", help="Label selector."),
              field_selector: str = typer.Option("", "--field-selector"),
              version: str = typer.Option("", "--api-version", help="Whose printer columns; the storage version by "
                                                                    "default.")) -> None:
    """The CRD's objects with its own printer columns (additionalPrinterColumns), as kubectl shows them."""
    rpc = remote(ctx)
    stub = _stub(rpc.channel)
    parent = f"{cluster_of(ctx, cluster)}/{COLLECTION}/{crd}"
    columns: list[str] = []
    rows: list[list[str]] = []
    token = ""
    while True:
        page = rpc.call(stub.ListCustomObjectRows, crd_pb2.ListCustomObjectRowsRequest(
            parent=parent, version=version, namespace=namespace or "", label_selector=selector,
            field_selector=field_selector, page_token=token))
        columns = [c.name.upper() for c in page.columns]
        rows += [([] if namespace else [r.namespace]) + list(r.cells) for r in page.rows]
        token = page.next_page_token
        if not token:
            break
    table(([] if namespace else ["NAMESPACE"]) + columns, rows)


@crds_app.command("check-update")
def crds_check_update(ctx: typer.Context,
                      file: Path = typer.Option(..., "--filename", "-f", help="The updated CRD as YAML; - for stdin."),
                      cluster: Optional[str] = CLUSTER) -> None:
    """What applying an updated CRD would change: schema differences per version and the existing
    objects it would make invalid. Exit 1 unless it is safe. Nothing is applied."""
    manifest = read_manifest(file)
    rpc = remote(ctx)
    got = rpc.call(_stub(rpc.channel).CheckCustomResourceDefinitionUpdate,
                   crd_pb2.CheckCustomResourceDefinitionUpdateRequest(parent=cluster_of(ctx, cluster), manifest=manifest))
    if got.new_definition:
        typer.echo(f"{got.custom_resource_definition}: a new CRD, nothing can break")
        return
    if got.differences:
        _differences(list(got.differences))
    for broken in got.broken_objects:
        for v in broken.violations:
            typer.echo(f"breaks {broken.name} ({broken.version}): {v.field}: {v.reason}: {v.message}")
    for stored in got.removed_stored_versions:
        typer.echo(f"stops serving {stored}, which objects are still stored in")
    sys.stderr.write(f"{got.checked_objects} objects checked; {'safe' if got.safe else 'NOT safe'}\n")
    if not got.safe:
        raise typer.Exit(1)
