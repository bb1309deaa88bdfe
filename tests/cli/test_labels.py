"""`kubecommit labels get|set|select|check` as a person runs them against the demo cluster."""

from __future__ import annotations

import uuid

import grpc

from kubecommit.v1 import labels_pb2 as pb, labels_pb2_grpc
from server.embedded import EmbeddedServer
from tests.cli.support import deployment, run
from tests.support.auth import admin_token, with_token

DEMO = ("--cluster", "demo")


def _namespace_with(demo_server: EmbeddedServer, *names: str) -> str:
    namespace = f"lbl-{uuid.uuid4().hex[:6]}"
    manifest = f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {namespace}}}\n---\n" + "---\n".join(
        deployment(name, "nginx:1.25", namespace=namespace) for name in names)
    applied = run(demo_server, "apply", "-f", "-", *DEMO, "-m", "labels test", stdin=manifest)
    assert applied.returncode == 0, applied.stderr
    return namespace


def test_get_set_remove_one_object(demo_server: EmbeddedServer) -> None:
    ns = _namespace_with(demo_server, "web")
    done = run(demo_server, "labels", "set", "deploy/web", *DEMO, "-n", ns, "team=shop", "tier=fe", "-m", "label web")
    assert done.returncode == 0, done.stderr
    assert "+team=shop +tier=fe" in done.stdout
    got = run(demo_server, "labels", "get", "deploy/web", *DEMO, "-n", ns)
    assert got.stdout.splitlines() == ["app=web", "team=shop", "tier=fe"]
    refused = run(demo_server, "labels", "set", "deploy/web", *DEMO, "-n", ns, "tier=be")
    assert refused.returncode == 1 and "overwrite" in refused.stderr
    removed = run(demo_server, "labels", "set", "deploy/web", *DEMO, "-n", ns, "tier-")
    assert removed.returncode == 0 and "-tier" in removed.stdout
    assert "tier=" not in run(demo_server, "labels", "get", "deploy/web", *DEMO, "-n", ns).stdout
    history = run(demo_server, "history", "deploy/web", *DEMO, "-n", ns)
    assert "label web" in history.stdout


def test_batch_by_selector_dry_run_then_commit_and_select(demo_server: EmbeddedServer) -> None:
    ns = _namespace_with(demo_server, "api", "worker")
    dry = run(demo_server, "labels", "set", "-l", "app", "--type", "deployments", *DEMO, "-n", ns, "team=core",
              "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.count("updated") == 2 and "dry run: 2 would change" in dry.stderr
    assert "team=" not in run(demo_server, "labels", "get", "deploy/api", *DEMO, "-n", ns).stdout
    done = run(demo_server, "labels", "set", "-l", "app", "--type", "deployments", *DEMO, "-n", ns, "team=core")
    assert done.returncode == 0 and "clusters/demo: commit" in done.stderr
    found = run(demo_server, "labels", "select", "team=core", "--type", "deployments", *DEMO, "-n", ns)
    rows = [line.split() for line in found.stdout.splitlines()[1:]]
    assert [(r[2], r[3]) for r in rows] == [("Deployment", "api"), ("Deployment", "worker")]
    bad = run(demo_server, "labels", "select", "app in (a", *DEMO)
    assert bad.returncode != 0 and "position 9" in bad.stderr
    bound = run(demo_server, "labels", "set", "-l", "app", "--type", "deployments", *DEMO, "-n", ns, "x=y", "--max", "1")
    assert bound.returncode != 0 and "max_resources=1" in bound.stderr


def test_check_and_fix(demo_server: EmbeddedServer) -> None:
    ns = _namespace_with(demo_server, "one", "two")
    with grpc.insecure_channel(demo_server.address) as channel:
        labels = labels_pb2_grpc.LabelsServiceStub(with_token(channel, admin_token(demo_server.settings.data_dir)))
        labels.CreateLabelPolicy(pb.CreateLabelPolicyRequest(label_policy_id=f"owner-{ns}", label_policy=pb.LabelPolicy(
            required_keys=["owner"], namespaces=[ns], kinds=["Deployment"], default_values={"owner": "platform"})))
        try:
            check = run(demo_server, "labels", "check", *DEMO, "-n", ns, "--policy", f"owner-{ns}")
            assert check.returncode == 1 and "0/2 compliant" in check.stderr
            assert [line.split()[2:] for line in check.stdout.splitlines()[1:]] == [
                ["owner", "missing_required_key", "owner=platform"]] * 2
            fixed = run(demo_server, "labels", "check", *DEMO, "-n", ns, "--policy", f"owner-{ns}", "--fix")
            assert fixed.returncode == 0 and "clusters/demo: commit" in fixed.stderr
            again = run(demo_server, "labels", "check", *DEMO, "-n", ns, "--policy", f"owner-{ns}")
            assert again.returncode == 0 and "2/2 compliant (100%)" in again.stderr
        finally:
            labels.DeleteLabelPolicy(pb.DeleteLabelPolicyRequest(name=f"labelPolicies/owner-{ns}"))


def test_keys_history_and_policies(demo_server: EmbeddedServer) -> None:
    ns = _namespace_with(demo_server, "api", "ui")
    assert run(demo_server, "labels", "set", "deploy/api", *DEMO, "-n", ns, "team=core", "-m", "owner").returncode == 0
    assert run(demo_server, "labels", "set", "deploy/ui", *DEMO, "-n", ns, "Team=web").returncode == 0
    keys = run(demo_server, "labels", "keys", *DEMO, "-n", ns, "--type", "deployments")
    assert keys.returncode == 0, keys.stderr
    rows = {line.split()[0]: line.split()[1:] for line in keys.stdout.splitlines()[1:]}
    assert rows["app"][0] == "2" and rows["team"] == ["1", "core(1)"] and rows["Team"] == ["1", "web(1)"]
    assert "similar keys" in keys.stderr and "Team" in keys.stderr and "team" in keys.stderr

    assert run(demo_server, "labels", "set", "deploy/api", *DEMO, "-n", ns, "team-").returncode == 0
    history = run(demo_server, "labels", "history", "deploy/api", *DEMO, "-n", ns).stdout.splitlines()
    assert history[0].split()[:3] == ["VERSION", "COMMIT", "AUTHOR"]
    changes = [line for line in history[1:] if "team" in line]
    assert len(changes) == 2 and "-team" in changes[0] and "+team=core" in changes[1]  # newest first

    policy = f"tier-{ns}"
    made = run(demo_server, "labels", "policy", "create", policy, "--require", "tier", "--kind", "Deployment",
               "-n", ns, "--default", "tier=backend", "--pattern", "tier=(frontend|backend)")
    assert made.returncode == 0 and made.stdout.splitlines()[1].split()[:4] == [policy, "audit", "tier", "-"], \
        made.stdout + made.stderr
    shown = run(demo_server, "labels", "policy", "get", policy).stdout
    assert "patterns: tier=(frontend|backend)" in shown and "defaults: tier=backend" in shown
    assert policy in run(demo_server, "labels", "policy", "list").stdout
    check = run(demo_server, "labels", "check", *DEMO, "-n", ns, "--policy", policy)
    assert check.returncode == 1 and "0/2 compliant" in check.stderr
    updated = run(demo_server, "labels", "policy", "update", policy, "--enforcement", "disabled")
    assert updated.returncode == 0 and updated.stdout.splitlines()[1].split()[1] == "disabled", updated.stderr
    bad = run(demo_server, "labels", "policy", "create", f"bad-{ns}", "--pattern", "tier=(unclosed")
    assert bad.returncode != 0 and "tier" in bad.stderr
    assert run(demo_server, "labels", "policy", "delete", policy).stdout == f"labelPolicies/{policy} deleted\n"
    assert run(demo_server, "labels", "policy", "get", policy).returncode != 0
