"""`kubecommit affinity graph -o graph.svg` and `kubecommit affinity check` against the demo cluster."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from server.embedded import EmbeddedServer
from tests.cli.support import run

SVG = "{http://www.w3.org/2000/svg}"


def test_graph_written_as_svg(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    out = tmp_path / "graph.svg"
    done = run(demo_server, "affinity", "graph", "-o", str(out), "--cluster", "demo", "-n", "ml")
    assert done.returncode == 0, done.stderr
    svg = ET.parse(out).getroot()
    titles = {g.find(f"{SVG}title").text for g in svg.iter(f"{SVG}g") if g.get("class") in ("node", "edge")}
    workload, gpu = "clusters/demo/namespaces/ml/pods/inference", "clusters/demo/nodes/node-gpu-1"
    assert {workload, gpu, f"{gpu}->{workload}"} <= titles
    assert "vertices" in done.stderr


def test_graph_as_dot_and_a_bad_suffix(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    out = tmp_path / "graph.dot"
    assert run(demo_server, "affinity", "graph", "-o", str(out), "--cluster", "demo").returncode == 0
    assert out.read_text().startswith("digraph")
    bad = run(demo_server, "affinity", "graph", "-o", str(tmp_path / "graph.png"), "--cluster", "demo")
    assert bad.returncode == 2 and ".svg or .dot" in bad.stderr


def test_check_explains_the_pending_gpu_pod(demo_server: EmbeddedServer) -> None:
    done = run(demo_server, "affinity", "check", "clusters/demo/namespaces/ml/pods/inference")
    assert done.returncode == 0, done.stderr
    gpu = next(line for line in done.stdout.splitlines() if line.startswith("node-gpu-1"))
    assert "untolerated taint {gpu: true} (gpu=true:NoSchedule)" in gpu
    assert done.stdout.rstrip().endswith("3 node(s) didn't match Pod's node affinity/selector.")


def test_drain_dry_run_lists_what_would_move(demo_server: EmbeddedServer) -> None:
    done = run(demo_server, "affinity", "drain", "node-2", "--cluster", "demo", "--dry-run")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines and all(line.startswith("would evict: ") for line in lines)
    assert lines[:-1] and all(line.split()[2].count("/") == 1 for line in lines[:-1])  # namespace/pod
    assert "blocked by a disruption budget" in lines[-1]
    missing = run(demo_server, "affinity", "drain", "node-9", "--cluster", "demo", "--dry-run")
    assert missing.returncode != 0 and "node-9" in missing.stderr
