"""kubectl-shaped `get`, `describe` and `delete` against the demo cluster."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path

import yaml

from kubesim import Simulator
from kubesim.testing import run_kubectl
from server.embedded import EmbeddedServer
from tests.cli.support import deployment, run
from tests.support.clusters import register_cluster


def rows(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines()]


def test_pods_default_and_wide_columns(demo_server: EmbeddedServer) -> None:
    plain = run(demo_server, "get", "po", "--cluster", "demo", "-n", "web")
    assert plain.returncode == 0, plain.stderr
    header, *pods = rows(plain.stdout)
    assert header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert pods and all(p[1] == "1/1" and p[2] == "Running" and p[3].isdigit() for p in pods)
    wide = run(demo_server, "get", "pods", "--cluster", "demo", "-n", "web", "-o", "wide")
    assert re.split(r"\s{2,}", wide.stdout.splitlines()[0]) == [
        "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    assert any(row[6].startswith("node-") for row in rows(wide.stdout)[1:])


def test_kind_columns_and_short_names(demo_server: EmbeddedServer) -> None:
    deploy = run(demo_server, "get", "deploy", "--cluster", "demo", "-n", "web")
    assert rows(deploy.stdout) == [["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
                                   ["frontend", "3/3", "3", "3", rows(deploy.stdout)[1][4]]]
    svc = run(demo_server, "get", "svc", "frontend", "--cluster", "demo", "-n", "web")
    assert rows(svc.stdout)[0] == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert rows(svc.stdout)[1][:5] == ["frontend", "ClusterIP", rows(svc.stdout)[1][2], "<none>", "80/TCP"]
    nodes = run(demo_server, "get", "nodes", "--cluster", "demo")
    assert rows(nodes.stdout)[0] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert ["node-1", "Ready", "control-plane"] == rows(nodes.stdout)[1][:3]
    other = run(demo_server, "get", "cm", "--cluster", "demo", "-n", "web")
    assert rows(other.stdout)[0] == ["NAME", "AGE"] and any(r[0] == "frontend-config" for r in rows(other.stdout))


def test_kind_slash_name_output_formats(demo_server: EmbeddedServer) -> None:
    as_yaml = run(demo_server, "get", "deploy/frontend", "--cluster", "demo", "-n", "web", "-o", "yaml")
    doc = yaml.safe_load(as_yaml.stdout)
    assert doc["kind"] == "Deployment" and doc["spec"]["replicas"] == 3
    as_json = run(demo_server, "get", "deployments.apps", "frontend", "--cluster", "demo", "-n", "web", "-o", "json")
    assert '"replicas": 3,' in as_json.stdout and "3.0" not in as_json.stdout
    assert json.loads(as_json.stdout)["metadata"]["name"] == "frontend"
    names = run(demo_server, "get", "Deployment", "--cluster", "demo", "-n", "shop", "-o", "name")
    assert "deployment.apps/cart\n" in names.stdout
    path = run(demo_server, "get", "deploy", "--cluster", "demo", "-n", "shop", "-o",
               "jsonpath={.items[*].metadata.name}")
    assert path.stdout.split() == sorted(path.stdout.split()) and "checkout" in path.stdout.split()


def test_all_namespaces_selectors_and_whole_names(demo_server: EmbeddedServer) -> None:
    everywhere = run(demo_server, "get", "deploy", "--cluster", "demo", "-A")
    assert rows(everywhere.stdout)[0][:2] == ["NAMESPACE", "NAME"]
    assert {"web", "shop", "kube-system"} <= {r[0] for r in rows(everywhere.stdout)[1:]}
    labelled = run(demo_server, "get", "pods", "--cluster", "demo", "-A", "-l", "app=cart")
    assert {r[0] for r in rows(labelled.stdout)[1:]} == {"shop"} and all("cart" in r[1] for r in rows(labelled.stdout)[1:])
    one = rows(labelled.stdout)[1][1]
    selected = run(demo_server, "get", "pods", "--cluster", "demo", "-n", "shop", "--field-selector",
                   f"metadata.name={one}", "-o", "name")
    assert selected.stdout == f"pod/{one}\n"
    long_name = "a-deployment-with-a-rather-long-name-" + uuid.uuid4().hex
    applied = run(demo_server, "apply", "-f", "-", "--cluster", "demo", stdin=deployment(long_name, "nginx:1.27"))
    assert applied.returncode == 0, applied.stderr
    narrow = run(demo_server, "get", "deploy", "--cluster", "demo", "-n", "default", COLUMNS="40")
    assert any(r[0] == long_name for r in rows(narrow.stdout))


def test_describe_and_delete(demo_server: EmbeddedServer) -> None:
    described = run(demo_server, "describe", "svc/frontend", "--cluster", "demo", "-n", "web")
    assert described.returncode == 0, described.stderr
    assert "Name:         frontend" in described.stdout and "Spec:" in described.stdout
    assert "Resource:     clusters/demo/namespaces/web/services/frontend" in described.stdout
    name = f"gone-{uuid.uuid4().hex[:6]}"
    run(demo_server, "apply", "-f", "-", "--cluster", "demo", stdin=deployment(name, "nginx:1.27"))
    deleted = run(demo_server, "delete", "deploy", name, "--cluster", "demo", "-m", "not needed")
    assert deleted.returncode == 0, deleted.stderr
    assert f"clusters/demo/namespaces/default/deployments.apps/{name} deleted (commit" in deleted.stdout
    after = run(demo_server, "get", "deploy", name, "--cluster", "demo")
    assert after.returncode == 1 and "not found" in after.stderr
    history = run(demo_server, "history", f"deploy/{name}", "--cluster", "demo")
    assert "delete" in history.stdout and "not needed" in history.stdout


def test_describe_shows_the_events_of_the_object(demo_server: EmbeddedServer) -> None:
    name = f"ev-{uuid.uuid4().hex[:6]}"
    assert run(demo_server, "apply", "-f", "-", "--cluster", "demo", stdin=deployment(name, "nginx:1.27")).returncode == 0
    deadline = time.monotonic() + 20
    while not (pods := run(demo_server, "get", "pods", "--cluster", "demo", "-l", f"app={name}", "-o", "name").stdout):
        assert time.monotonic() < deadline, "the deployment's pod never appeared"
        time.sleep(0.2)
    pod = pods.split()[0]
    described = run(demo_server, "describe", pod, "--cluster", "demo").stdout.splitlines()
    events = described[described.index("Events:") + 1:]
    assert events[0].split() == ["Type", "Reason", "Age", "From", "Message"]
    assert events[1].split()[:2] == ["Normal", "Scheduled"] and events[1].split()[3] == "default-scheduler"
    assert f"Successfully assigned default/{pod.removeprefix('pod/')} to node-" in events[1]


def test_api_resources(demo_server: EmbeddedServer) -> None:
    listed = run(demo_server, "api-resources", "--cluster", "demo")
    assert ["deployments.apps", "deploy", "Deployment"] in rows(listed.stdout)


def test_compare_across_clusters(demo_server: EmbeddedServer, sim: Simulator) -> None:
    twin, empty = f"twin{uuid.uuid4().hex[:4]}", f"empty{uuid.uuid4().hex[:4]}"
    register_cluster(demo_server, twin, sim.kubeconfig_text(twin))
    with Simulator(seed=False) as bare:
        register_cluster(demo_server, empty, bare.kubeconfig_text("bare"))
        same = run(demo_server, "compare", "deploy", "frontend", "--cluster", "demo", "--cluster", twin, "-n", "web")
        assert same.returncode == 0 and f"clusters/{twin}/namespaces/web/deployments.apps/frontend: identical" in same.stdout
        missing = run(demo_server, "compare", "deploy/frontend", "--cluster", "demo", "--cluster", empty, "-n", "web")
        assert missing.returncode == 1 and f"clusters/{empty}/namespaces/web/deployments.apps/frontend: not found" \
            in missing.stdout, missing.stdout + missing.stderr
        for name in (twin, empty):
            assert run(demo_server, "clusters", "remove", name, "--yes").returncode == 0


def test_crd_short_names_come_from_the_cluster(demo_server: EmbeddedServer, sim: Simulator, tmp_path: Path) -> None:
    """A CRD created in the cluster with spec.names.shortNames: `get SHORT`, `SHORT/NAME` and the
    singular resolve through the server's discovery, with no table in the CLI."""
    suffix = uuid.uuid4().hex[:6]
    group, plural, short = f"t{suffix}.example.com", f"gizmos{suffix}", f"gz{suffix}"
    kubeconfig = sim.write_kubeconfig(tmp_path / "kubeconfig")
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": f"{plural}.{group}"},
           "spec": {"group": group, "scope": "Namespaced",
                    "names": {"plural": plural, "singular": f"gizmo{suffix}", "kind": f"Gizmo{suffix}",
                              "shortNames": [short]},
                    "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                        "type": "object", "x-kubernetes-preserve-unknown-fields": True}}}]}}
    run_kubectl(kubeconfig, "apply", "--validate=false", "-f", "-", input=json.dumps(crd))
    gizmo = {"apiVersion": f"{group}/v1", "kind": f"Gizmo{suffix}", "metadata": {"name": "one", "namespace": "web"},
             "spec": {"size": 3}}
    run_kubectl(kubeconfig, "apply", "--validate=false", "-f", "-", input=json.dumps(gizmo))

    listed = run(demo_server, "get", short, "--cluster", "demo", "-n", "web")
    assert listed.returncode == 0 and rows(listed.stdout)[1][0] == "one", listed.stderr
    named = run(demo_server, "get", f"{short}/one", "--cluster", "demo", "-n", "web", "-o", "name")
    assert named.stdout == f"gizmo{suffix}.{group}/one\n", named.stdout + named.stderr
    assert run(demo_server, "get", f"gizmo{suffix}", "one", "--cluster", "demo", "-n", "web").returncode == 0
    shown = run(demo_server, "api-resources", "--cluster", "demo")
    assert [f"{plural}.{group}", short, f"Gizmo{suffix}"] in rows(shown.stdout)
    typo = run(demo_server, "get", short + "x", "--cluster", "demo", "-n", "web")
    assert typo.returncode != 0 and f"did you mean '{short}'?" in typo.stderr
