"""The deployment artefacts: both kustomize overlays pass a server-side dry run by the real
kubectl against kubesim, and hold what the install promises (least RBAC, non-root, probes on the
gRPC health service, no secret values in git). The image itself cannot be built here (no
container engine); its recipe is checked for the same promises, and the probe it runs is tested
against a real server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from kubesim import Simulator
from kubesim.testing import kubectl_binary, run_kubectl
from server.embedded import EmbeddedServer
from tests.support.gitremote import free_port

REPO = Path(__file__).resolve().parents[2]
OVERLAYS = REPO / "deploy/k8s/overlays"


@pytest.fixture(scope="module")
def cluster_kubeconfig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    sim = Simulator(seed=False, log_interval=None).start()
    try:
        path = sim.write_kubeconfig(tmp_path_factory.mktemp("deploy") / "kubeconfig")
        run_kubectl(path, "create", "namespace", "kubecommit")
        yield path
    finally:
        sim.stop()


def render(overlay: str) -> list[dict[str, Any]]:
    out = subprocess.run([kubectl_binary(), "kustomize", str(OVERLAYS / overlay)], check=True,
                         capture_output=True, text=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def one(docs: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, (kind, name, len(found))
    return found[0]


def container(deployment: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == name)


@pytest.mark.parametrize("overlay", ["single", "ha"])
def test_server_side_dry_run_passes_and_creates_nothing(cluster_kubeconfig: Path, overlay: str) -> None:
    # kubesim serves no OpenAPI document, so client-side schema validation is off; the server
    # still validates (a Deployment whose selector misses its labels is refused, for one).
    applied = run_kubectl(cluster_kubeconfig, "apply", "--dry-run=server", "--validate=false",
                          "-k", str(OVERLAYS / overlay)).stdout.decode().splitlines()
    kinds = {line.split("/")[0] for line in applied}
    assert all(line.endswith("(server dry run)") for line in applied), applied
    assert {"deployment.apps", "service", "serviceaccount", "role.rbac.authorization.k8s.io",
            "rolebinding.rbac.authorization.k8s.io", "secret", "poddisruptionbudget.policy",
            "networkpolicy.networking.k8s.io"} <= kinds
    assert ("persistentvolumeclaim" in kinds) is (overlay == "single")
    left = run_kubectl(cluster_kubeconfig, "get", "deployments,services,secrets", "-n", "kubecommit", "-o", "name")
    assert left.stdout.decode().strip() == ""


def test_a_broken_manifest_is_refused_by_the_same_dry_run(cluster_kubeconfig: Path) -> None:
    """The dry run above can fail: kubesim checks what it is sent."""
    deployment = one(render("single"), "Deployment")
    deployment["spec"]["template"]["metadata"]["labels"] = {"app.kubernetes.io/name": "other"}
    refused = run_kubectl(cluster_kubeconfig, "apply", "--dry-run=server", "--validate=false", "-f", "-",
                          input=yaml.safe_dump(deployment), check=False)
    assert refused.returncode != 0 and b"selector" in refused.stderr


@pytest.mark.parametrize("overlay", ["single", "ha"])
def test_rbac_is_leases_in_its_namespace_only(overlay: str) -> None:
    docs = render(overlay)
    assert not [d for d in docs if d["kind"] in ("ClusterRole", "ClusterRoleBinding")]
    role = one(docs, "Role")
    assert role["rules"] == [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                              "verbs": ["get", "create", "update"]}]
    binding = one(docs, "RoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "kubecommit", "namespace": "kubecommit"}]


@pytest.mark.parametrize("overlay", ["single", "ha"])
def test_pods_run_unprivileged_with_grpc_health_probes(overlay: str) -> None:
    docs = render(overlay)
    deployment = one(docs, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    for c in pod["containers"] + pod["initContainers"]:
        assert c["securityContext"]["allowPrivilegeEscalation"] is False
        assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
    server = container(deployment, "kubecommit")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert server[probe]["exec"]["command"] == ["python", "-m", "server.probe"]
    env = {e["name"]: e for e in server["env"]}
    assert env["KUBECOMMIT_LISTEN"]["value"].startswith("127.0.0.1:")  # only Envoy faces the network
    assert env["KUBECOMMIT_STORE_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "kubecommit-store-key"
    service = one(docs, "Service")
    assert {p["name"]: p["targetPort"] for p in service["spec"]["ports"]} == {"grpc": "http", "http": "http"}
    assert container(deployment, "envoy")["ports"] == [{"containerPort": 8080, "name": "http"}]
    # Secrets are declared, never filled from git.
    for secret in (d for d in docs if d["kind"] == "Secret"):
        assert not secret.get("data") and not secret.get("stringData"), secret["metadata"]["name"]


def test_overlays_differ_where_they_should() -> None:
    single, ha = one(render("single"), "Deployment"), one(render("ha"), "Deployment")
    assert single["spec"]["replicas"] == 1 and single["spec"]["strategy"]["type"] == "Recreate"
    volumes = {v["name"]: v for v in single["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data"] == {"name": "data", "persistentVolumeClaim": {"claimName": "kubecommit-data"}}
    assert ha["spec"]["replicas"] == 3
    env = {e["name"]: e for e in container(ha, "kubecommit")["env"]}
    assert env["KUBECOMMIT_LEASE_NAME"]["value"] == "kubecommit-leader"
    assert env["KUBECOMMIT_LEASE_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    assert env["KUBECOMMIT_MIRROR_URL"]["valueFrom"]["secretKeyRef"]["name"] == "kubecommit-mirror"
    names = [e["name"] for e in container(ha, "kubecommit")["env"]]
    assert names.index("POD_IP") < names.index("KUBECOMMIT_ADVERTISE_ADDRESS")  # $(POD_IP) expands


def test_image_recipe_is_non_root_with_a_grpc_healthcheck() -> None:
    recipe = (REPO / "deploy/image/Containerfile").read_text()
    assert "USER 10001:10001" in recipe
    assert 'CMD ["python", "-m", "server.probe"]' in recipe
    for needed in ("COPY gen ", "COPY protos ", "deploy/envoy/envoy.yaml", "--descriptor_set_out"):
        assert needed in recipe, needed


def probe(*args: str) -> int:
    return subprocess.run([sys.executable, "-m", "server.probe", *args], cwd=REPO, capture_output=True,
                          timeout=30).returncode


def test_probe_answers_from_the_health_service(kc_server: EmbeddedServer) -> None:
    assert probe(kc_server.address) == 0
    assert probe(f"127.0.0.1:{free_port()}", "--timeout", "1") == 1  # nothing listening
    assert probe(kc_server.address, "--service", "no.such.Service") == 1
