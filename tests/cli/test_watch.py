"""`get -w`: the header and current rows, then a row for each change, until Ctrl-C (exit 0); over
several clusters and every namespace too."""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
import uuid
from pathlib import Path

from kubesim import Simulator
from kubesim.testing import run_kubectl
from server.embedded import EmbeddedServer
from tests.cli.support import KUBECOMMIT, cli_env, run
from tests.support.clusters import register_cluster


def test_get_watch_prints_new_objects_until_interrupted(demo_server: EmbeddedServer, sim: Simulator,
                                                        tmp_path: Path) -> None:
    kubeconfig = sim.write_kubeconfig(tmp_path / "kubeconfig")
    namespace = f"w-{uuid.uuid4().hex[:6]}"
    run_kubectl(kubeconfig, "create", "namespace", namespace)
    run_kubectl(kubeconfig, "create", "configmap", "existing", "-n", namespace, "--from-literal=a=1")
    proc = subprocess.Popen([str(KUBECOMMIT), "get", "configmaps", "-n", namespace, "--cluster", "demo", "-w"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(demo_server))
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        seen = [lines.get(timeout=20).split() for _ in range(2)]
        assert seen[0] == ["NAME", "AGE"] and seen[1][0] == "existing"
        run_kubectl(kubeconfig, "create", "configmap", "arrived", "-n", namespace, "--from-literal=b=2")
        while (row := lines.get(timeout=20).split())[0] != "arrived":
            assert row[0] == "existing"  # nothing else lives in the fresh namespace
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=20)
        reader.join(5)
    assert code == 0, proc.stderr.read()  # type: ignore[union-attr]


def test_get_watch_across_clusters_and_namespaces(demo_server: EmbeddedServer, sim: Simulator, tmp_path: Path) -> None:
    """`get -w -A` over a list of clusters: a CLUSTER and a NAMESPACE column, rows from each."""
    twin = f"twin{uuid.uuid4().hex[:4]}"
    register_cluster(demo_server, twin, sim.kubeconfig_text(twin))  # the same simulator, a second name
    kubeconfig = sim.write_kubeconfig(tmp_path / "kubeconfig")
    namespace, name = f"w-{uuid.uuid4().hex[:6]}", f"spread-{uuid.uuid4().hex[:6]}"
    run_kubectl(kubeconfig, "create", "namespace", namespace)
    listed = run(demo_server, "get", "ns", namespace, "--cluster", f"demo,{twin}")
    assert listed.returncode == 0 and sorted(r.split()[0] for r in listed.stdout.splitlines()[1:]) == \
        sorted(["demo", twin]), listed.stdout + listed.stderr
    proc = subprocess.Popen([str(KUBECOMMIT), "get", "cm", "-A", "-w", "--cluster", "demo", "--cluster", twin,
                             "--field-selector", f"metadata.name={name}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(demo_server))
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        # Made before or after the watches opened, it arrives once per cluster (listed or watched).
        run_kubectl(kubeconfig, "create", "configmap", name, "-n", namespace)
        rows = [lines.get(timeout=20).split() for _ in range(3)]
        assert rows[0] == ["CLUSTER", "NAMESPACE", "NAME", "AGE"]
        assert sorted(r[:3] for r in rows[1:]) == sorted([["demo", namespace, name], [twin, namespace, name]])
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=20)
        reader.join(5)
        run(demo_server, "clusters", "remove", twin, "--yes")
    assert code == 0, proc.stderr.read()  # type: ignore[union-attr]
