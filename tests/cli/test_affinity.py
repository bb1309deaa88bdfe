"""`kubecommit affinity graph -o graph.svg`, `check`, `drain`, `cordon` and `taint` against simulated clusters."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

from kubesim import Simulator
from server.embedded import EmbeddedServer
from tests.cli.support import deployment, run
from tests.support.clusters import register_cluster

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


def test_cordon_and_taints_on_a_cluster_of_its_own(demo_server: EmbeddedServer) -> None:
    """kubectl's cordon/uncordon and taint syntax; each change a commit; `get nodes` shows it."""
    with Simulator(seed=True, log_interval=None) as own:
        name = f"nodes{uuid.uuid4().hex[:4]}"
        register_cluster(demo_server, name, own.kubeconfig_text(name))
        where = ("--cluster", name)
        try:
            done = run(demo_server, "affinity", "cordon", "node-2", *where, "-m", "maintenance")
            assert done.returncode == 0 and re.fullmatch(r"node/node-2 cordoned \(commit [0-9a-f]{12}\)\n", done.stdout), \
                done.stdout + done.stderr
            nodes = {row.split()[0]: row.split()[1] for row in run(demo_server, "get", "nodes", *where).stdout.splitlines()[1:]}
            assert nodes["node-2"] == "Ready,SchedulingDisabled"
            assert run(demo_server, "affinity", "cordon", "node-2", *where).stdout.endswith("(already)\n")
            assert run(demo_server, "affinity", "uncordon", "node-2", *where).returncode == 0
            assert "SchedulingDisabled" not in run(demo_server, "get", "nodes", "node-2", *where).stdout

            dry = run(demo_server, "affinity", "taint", "node-2", "dedicated=db:NoSchedule", *where, "--dry-run")
            assert dry.returncode == 0 and "dedicated=db:NoSchedule" in dry.stdout and "(dry run)" in dry.stdout
            assert "dedicated" not in run(demo_server, "affinity", "taints", "node-2", *where).stdout
            added = run(demo_server, "affinity", "taint", "node-2", "dedicated=db:NoSchedule", "spot:PreferNoSchedule",
                        *where)
            assert added.returncode == 0, added.stderr
            listed = [row.split() for row in run(demo_server, "affinity", "taints", *where).stdout.splitlines()[1:]]
            assert ["node-2", "dedicated", "db", "NoSchedule"] in listed and ["node-2", "spot", "PreferNoSchedule"] in listed
            clash = run(demo_server, "affinity", "taint", "node-2", "dedicated=web:NoSchedule", *where)
            assert clash.returncode != 0 and "overwrite" in clash.stderr.lower()
            removed = run(demo_server, "affinity", "taint", "node-2", "dedicated:NoSchedule-", "spot-", *where)
            assert removed.returncode == 0 and "dedicated" not in removed.stdout and "spot" not in removed.stdout
            bad = run(demo_server, "affinity", "taint", "node-2", "dedicated=db:Sometimes", *where)
            assert bad.returncode == 2 and "NoSchedule" in bad.stderr
        finally:
            run(demo_server, "clusters", "remove", name, "--yes")


def test_workload_rules_suggestions_and_topology(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    with Simulator(seed=True, log_interval=None) as own:
        name = f"rules{uuid.uuid4().hex[:4]}"
        register_cluster(demo_server, name, own.kubeconfig_text(name))
        try:
            assert run(demo_server, "apply", "-f", "-", "--cluster", name, "-n", "default", "-m", "api",
                       stdin=deployment("api", "nginx:1.25")).returncode == 0
            api = f"clusters/{name}/namespaces/default/deployments.apps/api"
            shown = run(demo_server, "affinity", "tolerations", "get", api)
            assert shown.returncode == 0 and yaml.safe_load(shown.stdout)["name"] == f"{api}/tolerations", shown.stderr
            wanted = tmp_path / "tolerations.yaml"
            wanted.write_text("tolerations:\n- key: gpu\n  operator: TOLERATION_OPERATOR_EQUAL\n  value: 'true'\n"
                              "  effect: TAINT_EFFECT_NO_SCHEDULE\n")
            dry = run(demo_server, "affinity", "tolerations", "set", api, "-f", str(wanted), "--dry-run")
            assert dry.returncode == 0 and "dry run, nothing committed" in dry.stdout and "gpu" in dry.stdout, dry.stderr
            done = run(demo_server, "affinity", "tolerations", "set", api, "-f", str(wanted), "-m", "gpu nodes")
            assert done.returncode == 0 and "commit " in done.stdout, done.stderr
            assert yaml.safe_load(run(demo_server, "affinity", "tolerations", "get", api).stdout)["tolerations"][0][
                "key"] == "gpu"
            node = yaml.safe_load(run(demo_server, "affinity", "node-affinity", "get", api).stdout)
            assert node["name"] == f"{api}/nodeAffinity"
            pods = yaml.safe_load(run(demo_server, "affinity", "pod-affinity", "get", api).stdout)
            assert pods["name"] == f"{api}/podAffinity"
            selector = tmp_path / "node.yaml"
            selector.write_text("nodeSelector: {gpu: 'true'}\n")
            pinned = run(demo_server, "affinity", "node-affinity", "set", api, "-f", str(selector))
            assert pinned.returncode == 0 and "commit " in pinned.stdout, pinned.stderr
            spread = tmp_path / "pods.yaml"
            spread.write_text("antiAffinity:\n  preferred:\n  - weight: 50\n    podAffinityTerm:\n"
                              "      labelSelector: {matchLabels: {app: api}}\n"
                              "      topologyKey: kubernetes.io/hostname\n")
            assert run(demo_server, "affinity", "pod-affinity", "set", api, "-f", str(spread)).returncode == 0
            wrong = run(demo_server, "affinity", "tolerations", "set", api, "-f", str(selector))
            assert wrong.returncode == 1 and "not a Tolerations" in wrong.stderr

            suggested = run(demo_server, "affinity", "suggest", f"clusters/{name}/namespaces/ml/pods/inference")
            assert suggested.returncode == 0, suggested.stderr
            assert any(line.startswith("add_tolerations") and "gpu=true:NoSchedule" in line
                       for line in suggested.stdout.splitlines())
            labels = run(demo_server, "affinity", "node-selectors", "node-gpu-1", "--cluster", name)
            assert labels.returncode == 0 and any(line.split()[0] == "accelerator=nvidia-tesla-t4" and line.split()[-1] == "yes"
                                                  for line in labels.stdout.splitlines()[1:]), labels.stdout
            zones = run(demo_server, "affinity", "topology", "--cluster", name, "--key", "topology.kubernetes.io/zone")
            assert zones.returncode == 0 and zones.stdout.splitlines()[0].split() == ["KEY", "VALUE", "READY", "NODES",
                                                                                       "PODS"]
            assert all(line.startswith("topology.kubernetes.io/zone ") for line in zones.stdout.splitlines()[1:])
            assert len(zones.stdout.splitlines()) > 1
        finally:
            run(demo_server, "clusters", "remove", name, "--yes")
