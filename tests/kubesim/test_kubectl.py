"""The real kubectl binary against the simulator: an independent check of fidelity."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable

import pytest
import yaml

from kubesim import Simulator
from kubesim.testing import kubectl_binary, self_signed_cert, wait_for

Kubectl = Callable[..., subprocess.CompletedProcess]

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: web
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: api}}
  template:
    metadata:
      labels: {{app: api}}
    spec:
      containers:
      - name: api
        image: nginx:1.27
        ports: [{{containerPort: 80}}]
"""


def out(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout.decode()


def first_pod(kubectl: Kubectl, ns: str = "web", app: str = "frontend") -> str:
    return out(kubectl("get", "pods", "-n", ns, "-l", f"app={app}", "-o", "jsonpath={.items[0].metadata.name}"))


def test_get_table_and_yaml(kubectl: Kubectl) -> None:
    table = out(kubectl("get", "pods", "-A")).splitlines()
    assert table[0].split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    crash = next(line for line in table if "payments-worker" in line)
    assert "CrashLoopBackOff" in crash and "0/1" in crash
    wide = out(kubectl("get", "pods", "-n", "web", "-o", "wide")).splitlines()[0].split()
    assert wide[-2:] == ["IP", "NODE"]
    nodes = out(kubectl("get", "nodes")).splitlines()
    assert len(nodes) == 5 and nodes[1].split()[1] == "Ready"
    doc = yaml.safe_load(out(kubectl("get", "deploy", "frontend", "-n", "web", "-o", "yaml")))
    assert doc["kind"] == "Deployment" and doc["status"]["readyReplicas"] == 3
    assert "widgets" in out(kubectl("api-resources"))
    assert out(kubectl("get", "wg", "-n", "shop", "-o", "name")).split() == ["widget.example.com/gizmo",
                                                                              "widget.example.com/sprocket"]
    assert out(kubectl("get", "cm", "-n", "web", "--show-labels"))


def test_apply_client_and_server_side(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "d.yaml"
    manifest.write_text(DEPLOYMENT.format(replicas=2))
    assert "created" in out(kubectl("apply", "-f", str(manifest)))
    manifest.write_text(DEPLOYMENT.format(replicas=3))
    assert "configured" in out(kubectl("apply", "-f", str(manifest)))
    wait_for(lambda: out(kubectl("get", "deploy", "api", "-n", "web", "-o", "jsonpath={.status.readyReplicas}")) == "3")
    manifest.write_text(DEPLOYMENT.format(replicas=4))
    assert "serverside-applied" in out(kubectl("apply", "--server-side", "--force-conflicts",
                                               "-f", str(manifest)))
    managers = json.loads(out(kubectl("get", "deploy", "api", "-n", "web", "-o", "json",
                                      "--show-managed-fields")))["metadata"]["managedFields"]
    assert "kubectl" in {m["manager"] for m in managers if m["operation"] == "Apply"}
    # server-side dry run leaves the object alone
    manifest.write_text(DEPLOYMENT.format(replicas=9))
    kubectl("apply", "--server-side", "--dry-run=server", "-f", str(manifest))
    assert out(kubectl("get", "deploy", "api", "-n", "web", "-o", "jsonpath={.spec.replicas}")) == "4"


def test_patch_label_scale_taint_delete(kubectl: Kubectl) -> None:
    kubectl("patch", "deploy", "frontend", "-n", "web", "-p",
            '{"spec":{"template":{"spec":{"containers":[{"name":"frontend","image":"nginx:1.28"}]}}}}')
    kubectl("patch", "deploy", "frontend", "-n", "web", "--type=merge", "-p", '{"metadata":{"labels":{"x":"y"}}}')
    kubectl("patch", "deploy", "frontend", "-n", "web", "--type=json",
            "-p", '[{"op":"replace","path":"/spec/replicas","value":2}]')
    d = json.loads(out(kubectl("get", "deploy", "frontend", "-n", "web", "-o", "json")))
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert d["metadata"]["labels"]["x"] == "y" and d["spec"]["replicas"] == 2
    kubectl("label", "pods", "-n", "web", "-l", "app=frontend", "tier=fe")
    wait_for(lambda: len(out(kubectl("get", "pods", "-n", "web", "-l", "tier=fe", "-o", "name")).split()) == 2)
    kubectl("scale", "deploy", "frontend", "-n", "web", "--replicas=4")
    wait_for(lambda: out(kubectl("get", "deploy", "frontend", "-n", "web", "-o",
                                 "jsonpath={.status.readyReplicas}")) == "4")
    kubectl("taint", "node", "node-2", "maint=true:NoSchedule")
    taints = json.loads(out(kubectl("get", "node", "node-2", "-o", "jsonpath={.spec.taints}")))
    assert taints == [{"effect": "NoSchedule", "key": "maint", "value": "true"}]
    kubectl("taint", "node", "node-2", "maint-")
    assert out(kubectl("get", "node", "node-2", "-o", "jsonpath={.spec.taints}")) == ""
    assert "deleted" in out(kubectl("delete", "deploy", "frontend", "-n", "web"))
    wait_for(lambda: out(kubectl("get", "pods", "-n", "web", "-o", "name")) == "")
    failed = kubectl("get", "deploy", "frontend", "-n", "web", check=False)
    assert failed.returncode == 1 and b'deployments.apps "frontend" not found' in failed.stderr


def test_create_configmap_and_errors(kubectl: Kubectl) -> None:
    kubectl("create", "configmap", "made-by-kubectl", "-n", "web", "--from-literal=a=b")
    assert out(kubectl("get", "cm", "made-by-kubectl", "-n", "web", "-o", "jsonpath={.data.a}")) == "b"
    kubectl("create", "secret", "generic", "s1", "-n", "web", "--from-literal=pw=hunter2")
    assert out(kubectl("get", "secret", "s1", "-n", "web", "-o", "jsonpath={.data.pw}")) == "aHVudGVyMg=="
    kubectl("create", "namespace", "team-a")
    assert "team-a" in out(kubectl("get", "ns"))
    dup = kubectl("create", "configmap", "made-by-kubectl", "-n", "web", check=False)
    assert dup.returncode == 1 and b"already exists" in dup.stderr
    # typed-client protobuf for kinds kubesim cannot decode: a clear 415, not a crash
    proto = kubectl("create", "deployment", "d", "--image=nginx", "-n", "web", check=False)
    assert proto.returncode == 1 and b"kubesim decodes protobuf only for" in proto.stderr
    bad = kubectl("get", "pods", "-l", "a in (", check=False)
    assert bad.returncode == 1 and b"unable to parse requirement" in bad.stderr


def test_logs_and_follow(kubectl: Kubectl, kubesim: Simulator, kubesim_kubeconfig: Path) -> None:
    pod = first_pod(kubectl)
    kubesim.append_log("web", pod, "frontend", ["marker-line"])
    assert "marker-line" in out(kubectl("logs", "-n", "web", pod, "--tail=5"))
    assert "panic" in out(kubectl("logs", "-n", "shop", "deploy/payments-worker", "--previous"))
    env = dict(os.environ, KUBECONFIG=str(kubesim_kubeconfig))
    proc = subprocess.Popen([kubectl_binary(), "logs", "-f", "-n", "web", pod, "--tail=0"], stdout=subprocess.PIPE,
                            env=env)
    time.sleep(0.5)
    kubesim.append_log("web", pod, "frontend", ["followed-by-kubectl"])
    time.sleep(0.3)
    kubectl("delete", "pod", "-n", "web", pod)
    stdout, _ = proc.communicate(timeout=10)
    assert b"followed-by-kubectl" in stdout and proc.returncode == 0


def test_exec_stdin_and_exit_codes(kubectl: Kubectl) -> None:
    pod = first_pod(kubectl)
    assert out(kubectl("exec", "-n", "web", pod, "--", "echo", "hi")) == "hi\n"
    piped = kubectl("exec", "-i", "-n", "web", pod, "--", "sh", "-c", "cat > /tmp/in.txt; wc -c /tmp/in.txt",
                    input=b"twelve bytes")
    assert out(piped).split()[0] == "12"
    failed = kubectl("exec", "-n", "web", pod, "--", "sh", "-c", "exit 42", check=False)
    assert failed.returncode == 42
    missing = kubectl("exec", "-n", "web", pod, "--", "nosuchcmd", check=False)
    assert missing.returncode == 127


def test_cp_both_directions_byte_identical(kubectl: Kubectl, tmp_path: Path) -> None:
    pod = first_pod(kubectl)
    src = tmp_path / "payload.bin"
    src.write_bytes(os.urandom(200_000))
    tree = tmp_path / "tree" / "nested"
    tree.mkdir(parents=True)
    (tree / "a.txt").write_text("alpha\n")
    kubectl("cp", str(src), f"web/{pod}:/tmp/payload.bin")
    kubectl("cp", str(tmp_path / "tree"), f"web/{pod}:/srv/tree")
    back = tmp_path / "back.bin"
    kubectl("cp", f"web/{pod}:/tmp/payload.bin", str(back))
    assert back.read_bytes() == src.read_bytes()
    kubectl("cp", f"web/{pod}:/srv/tree", str(tmp_path / "tree-back"))
    assert (tmp_path / "tree-back" / "nested" / "a.txt").read_text() == "alpha\n"


def test_kubectl_with_token_over_tls(tmp_path: Path) -> None:
    """kubectl sends bearer tokens only over https, so token auth is tested with TLS."""
    cert, key = self_signed_cert(tmp_path)
    with Simulator(seed=False, token="tok", tls_cert=cert, tls_key=key, log_interval=None) as sim:
        kc = sim.write_kubeconfig(tmp_path / "kc")
        env = dict(os.environ, KUBECONFIG=str(kc))
        ok = subprocess.run([kubectl_binary(), "get", "ns"], env=env, capture_output=True, timeout=30)
        assert ok.returncode == 0 and b"kube-system" in ok.stdout, ok.stderr
        bad = subprocess.run([kubectl_binary(), "get", "ns", "--token=wrong"], env=env, capture_output=True,
                             timeout=30)
        assert bad.returncode == 1 and (b"Unauthorized" in bad.stderr or b"credentials" in bad.stderr)
        other = tmp_path / "other"
        other.mkdir()
        other_ca, _ = self_signed_cert(other)
        untrusted = subprocess.run([kubectl_binary(), "get", "ns", f"--certificate-authority={other_ca}"],
                                   env=env, capture_output=True, timeout=30)
        assert untrusted.returncode == 1 and b"certificate" in untrusted.stderr


@pytest.mark.parametrize("args", [["version", "-o", "json"], ["cluster-info"]])
def test_cluster_level_commands(kubectl: Kubectl, args: list[str]) -> None:
    assert kubectl(*args).returncode == 0


@pytest.mark.skipif(not shutil.which("script"), reason="needs util-linux script for a pseudo-terminal")
def test_exec_interactive_tty(kubectl: Kubectl, kubesim_kubeconfig: Path) -> None:
    pod = first_pod(kubectl)
    cmd = f"{kubectl_binary()} exec -it -n web {pod} -- sh"
    env = dict(os.environ, KUBECONFIG=str(kubesim_kubeconfig))
    proc = subprocess.Popen(["script", "-qec", cmd, "/dev/null"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            env=env)
    time.sleep(1.0)
    proc.stdin.write(b"cd /etc; pwd\r")
    proc.stdin.flush()
    time.sleep(0.5)
    proc.stdin.write(b"exit 3\r")
    proc.stdin.flush()
    stdout, _ = proc.communicate(timeout=10)
    assert b"/ # " in stdout and b"/etc\r\n/etc # " in stdout
    assert proc.returncode == 3


def test_rollout_status_wait_and_get_watch(kubectl: Kubectl, kubesim_kubeconfig: Path) -> None:
    """client-go informers (WatchList: initial events, then the initial-events-end bookmark)."""
    kubectl("set", "image", "deployment/frontend", "-n", "web", "frontend=nginx:1.28")
    rolled = kubectl("rollout", "status", "deployment/frontend", "-n", "web", "--timeout=10s", timeout=15)
    assert 'deployment "frontend" successfully rolled out' in out(rolled)
    waited = kubectl("wait", "--for=condition=Available", "deployment/frontend", "-n", "web", "--timeout=10s",
                     timeout=15)
    assert "condition met" in out(waited)
    env = dict(os.environ, KUBECONFIG=str(kubesim_kubeconfig))
    proc = subprocess.Popen([kubectl_binary(), "get", "cm", "-n", "web", "-w"], stdout=subprocess.PIPE, env=env)
    try:
        time.sleep(1.0)
        kubectl("create", "configmap", "seen-by-watch", "-n", "web")
        time.sleep(1.0)
    finally:
        proc.terminate()
    stdout, _ = proc.communicate(timeout=10)
    lines = stdout.decode().splitlines()
    assert lines[0].split() == ["NAME", "DATA", "AGE"]
    assert any(line.startswith("frontend-config") for line in lines)
    assert any(line.startswith("seen-by-watch") for line in lines)


@pytest.mark.parametrize(("kind", "ns"), [("deploy/frontend", "web"), ("svc/frontend", "web"), ("cm/cart-config", "shop"),
                                          ("widget/gizmo", "shop"), ("pods", "shop")])
def test_diff_of_an_unchanged_object_is_empty(kubectl: Kubectl, tmp_path: Path, kind: str, ns: str) -> None:
    """Empty maps are not stored (Go's omitempty), so a patch adding `annotations: {}` changes nothing."""
    live = tmp_path / "live.yaml"
    live.write_text(out(kubectl("get", kind, "-n", ns, "-o", "yaml")))
    diff = kubectl("diff", "-f", str(live), check=False)
    assert (diff.returncode, out(diff)) == (0, "")
    manifest = tmp_path / "d.yaml"
    manifest.write_text(DEPLOYMENT.format(replicas=2))
    kubectl("apply", "-f", str(manifest))
    assert kubectl("diff", "-f", str(manifest), check=False).returncode == 0
    manifest.write_text(DEPLOYMENT.format(replicas=5))
    changed = kubectl("diff", "-f", str(manifest), check=False)
    assert changed.returncode == 1 and "-  replicas: 2\n+  replicas: 5" in out(changed)
