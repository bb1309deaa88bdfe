"""Benchmark of CrdService validation: ``python -m bench.crds`` (``make bench-crds``).

A CRD whose schema has ``--fields`` (200) leaf fields in 20 groups (strings with patterns,
bounded integers, enums, booleans), ``--objects`` (1,000) custom objects, 1% of them invalid.

1. In process, the domain's validation of every object (all fields set) with the validator
   compiled once and cached, against the uncached baseline (the schema compiled for each object,
   what validation without a cache does), in the same run.
2. Through a real gRPC channel to a server with a kubesim cluster: one ValidateCustomObject
   request carrying the objects as one manifest (cold: the first request compiles; warm: cached).
   A manifest may hold at most 250,000 YAML nodes (docs/security.md), so in this request each
   object sets 40% of the fields; YAML parsing of the manifest is timed apart. The same objects
   are sent again as JSON documents (the manifest parser's JSON fast path), parsing timed apart.
Rewrites its own section of docs/benchmarks.md (other sections are kept).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import grpc
import jsonschema
import yaml

from bench.sections import replace_section
from kubecommit.v1 import clusters_pb2, clusters_pb2_grpc, crd_pb2 as pb, crd_pb2_grpc
from kubesim import Simulator
from server.config import Settings
from server.crds.validation import to_json_schema, compile_schema, validate
from server.embedded import EmbeddedServer
from server.runtime import ADMIN_TOKEN_FILE
from server.versions.manifests import parse_manifest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- BEGIN crds-bench -->", "<!-- END crds-bench -->"
GROUP, KIND, PLURAL = "bench.example.com", "Gauge", "gauges"
GROUPS = 20
# Fields each object of the gRPC request sets: 1,000 such objects stay under a manifest's
# 250,000-node limit (docs/security.md).
REQUEST_SHARE = 0.4


def _leaf(i: int) -> dict[str, Any]:
    return [{"type": "string", "pattern": "^[a-z0-9-]+$", "maxLength": 63},
            {"type": "integer", "minimum": 0, "maximum": 1000},
            {"type": "string", "enum": ["low", "mid", "high"]},
            {"type": "boolean"}][i % 4]


def _value(i: int, n: int) -> Any:
    return [f"value-{n}-{i}", (n + i) % 1000, ["low", "mid", "high"][(n + i) % 3], (n + i) % 2 == 0][i % 4]


def schema(fields: int) -> dict[str, Any]:
    per_group = fields // GROUPS
    groups = {f"group{g}": {"type": "object", "required": [f"field{g * per_group}"],
                            "properties": {f"field{g * per_group + i}": _leaf(i) for i in range(per_group)}}
              for g in range(GROUPS)}
    return {"type": "object", "properties": {"spec": {"type": "object", "properties": groups}}}


def crd(fields: int) -> dict[str, Any]:
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{PLURAL}.{GROUP}"},
            "spec": {"group": GROUP, "scope": "Namespaced",
                     "names": {"plural": PLURAL, "singular": "gauge", "kind": KIND},
                     "versions": [{"name": "v1", "served": True, "storage": True,
                                   "schema": {"openAPIV3Schema": schema(fields)}}]}}


def objects(count: int, fields: int, share: float = 1.0) -> list[dict[str, Any]]:
    """`count` objects setting `share` of the fields; every 100th has a value out of bounds."""
    per_group = fields // GROUPS
    used = max(1, int(per_group * share))
    out = []
    for n in range(count):
        spec = {f"group{g}": {f"field{g * per_group + i}": _value(i, n) for i in range(used)} for g in range(GROUPS)}
        if n % 100 == 0:
            spec["group0"]["field1"] = 5000
        out.append({"apiVersion": f"{GROUP}/v1", "kind": KIND,
                    "metadata": {"name": f"gauge-{n}", "namespace": "default"}, "spec": spec})
    return out


def best(fn: Callable[[], Any], rounds: int = 3) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def bench_domain(fields: int, count: int) -> list[list[str]]:
    body = schema(fields)
    objs = objects(count, fields)
    cached_validator = compile_schema(body, f"{PLURAL}.{GROUP}", "v1")
    cached, found = best(lambda: [validate(cached_validator, o) for o in objs])
    uncached, _ = best(lambda: [validate(compile_schema(body, f"{PLURAL}.{GROUP}", "v1"), o) for o in objs], 1)
    python_validator = jsonschema.Draft4Validator(to_json_schema(body, root=True))
    pure, _ = best(lambda: [list(python_validator.iter_errors(o)) for o in objs], 1)
    invalid = sum(1 for v in found if v)
    label = f"validate {count:,} objects × {fields} fields in process ({invalid} invalid)"
    return [[label, f"{cached * 1000:.0f} ms", f"schema compiled per object {uncached * 1000:.0f} ms",
             f"{uncached / cached:.1f}x", "< 300 ms"],
            [label, f"{cached * 1000:.0f} ms", f"pure-Python `jsonschema`, compiled once {pure * 1000:.0f} ms",
             f"{pure / cached:.1f}x", ""]]


def bench_grpc(fields: int, count: int) -> list[list[str]]:
    sent = objects(count, fields, REQUEST_SHARE)
    manifest = yaml.dump_all(sent, Dumper=yaml.CSafeDumper)
    as_json = "\n---\n".join(json.dumps(o) for o in sent)  # JSON documents: the parser's fast path
    parse, _ = best(lambda: parse_manifest(manifest))  # before the server runs in this process
    parse_json, _ = best(lambda: parse_manifest(as_json))
    with tempfile.TemporaryDirectory() as data, Simulator(seed=False, log_interval=0) as sim:
        sim.call(lambda cluster: cluster.put_object(crd(fields), "apiextensions.k8s.io"))
        settings = Settings.load(env={}, overrides={"data_dir": data, "listen": "127.0.0.1:0", "log_level": "WARNING",
                                                    "jobs_enabled": False})
        with EmbeddedServer(settings) as embedded:
            token = (Path(data) / ADMIN_TOKEN_FILE).read_text().strip()
            meta = [("authorization", f"Bearer {token}")]
            with grpc.insecure_channel(embedded.address, options=[("grpc.max_send_message_length", 64 << 20),
                                                                  ("grpc.max_receive_message_length", 64 << 20)]) as ch:
                clusters_pb2_grpc.ClustersServiceStub(ch).CreateCluster(clusters_pb2.CreateClusterRequest(
                    cluster_id="bench", cluster=clusters_pb2.Cluster(kubeconfig=sim.kubeconfig_text("bench"))),
                    metadata=meta)
                stub = crd_pb2_grpc.CrdServiceStub(ch)

                def call(text: str) -> pb.ValidateCustomObjectResponse:
                    request = pb.ValidateCustomObjectRequest(parent="clusters/bench", manifest=text)
                    return stub.ValidateCustomObject(request, metadata=meta, timeout=120)

                cold, answer = best(lambda: call(manifest), 1)
                warm, _ = best(lambda: call(manifest))
                warm_json, json_answer = best(lambda: call(as_json))
    assert len(answer.objects) == count and json_answer == answer
    return [[f"one ValidateCustomObject request, {count:,} objects × {int(fields * REQUEST_SHARE)} of {fields} fields "
             f"({len(manifest) / 1e6:.1f} MB manifest)", f"{warm * 1000:.0f} ms warm",
             f"first request (compiles) {cold * 1000:.0f} ms", f"{cold / warm:.2f}x", ""],
            ["parsing that manifest's YAML alone (size-limited C loader, every manifest's parser)",
             f"{parse * 1000:.0f} ms", "", "", ""],
            [f"the same request with the objects as JSON documents between `---` lines "
             f"({len(as_json) / 1e6:.1f} MB; the parser's JSON fast path)", f"{warm_json * 1000:.0f} ms warm",
             f"as YAML {warm * 1000:.0f} ms warm", f"{warm / warm_json:.1f}x", "< 300 ms"],
            ["parsing that JSON manifest alone (C json decoder, the same limits)", f"{parse_json * 1000:.0f} ms",
             f"as YAML {parse * 1000:.0f} ms", f"{parse / parse_json:.1f}x", ""]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fields", type=int, default=200)
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true", help="print, do not rewrite docs/benchmarks.md")
    args = parser.parse_args()
    rows = bench_domain(args.fields, args.objects) + bench_grpc(args.fields, args.objects)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    section = "\n".join([
        BEGIN, "## CRD validation (`make bench-crds` = `python -m bench.crds`)", "",
        f"Last run: {when}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, `--fields {args.fields} "
        f"--objects {args.objects}`. Baselines run in the same process on the same data. Written by the "
        "benchmark; do not edit by hand.", "",
        "| measure | CrdService | baseline | ratio | aim |", "| --- | --- | --- | --- | --- |",
        *("| " + " | ".join(r) + " |" for r in rows), "",
        "- Validation uses the validator compiled once per (cluster, CRD, version) and kept while the CRD's "
        "resourceVersion is unchanged (server/crds/validation.py); the baseline compiles the schema for each "
        "object. Best of 3 rounds (the uncached baseline: 1).",
        "- The request sets 40% of the fields per object because one manifest may hold at most 250,000 YAML "
        "nodes; its time includes parsing the YAML (most of it: see the next row), listing the cluster's CRDs, "
        "validating, and converting every answer. The embedded server shares this process and its 2 CPUs.",
        END])
    print("\n".join("| " + " | ".join(r) + " |" for r in rows))
    if not args.no_write:
        replace_section(DOCS, BEGIN, END, section)


if __name__ == "__main__":
    main()
