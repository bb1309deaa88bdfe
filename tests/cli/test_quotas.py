"""`kubecommit quotas` as a person runs it against the demo server: set with a dry run then for
real, list with usage bars, describe with advice, history of changes."""

from __future__ import annotations

import uuid

from server.embedded import EmbeddedServer
from tests.cli.support import run

DEMO = ("--cluster", "demo")


def test_quotas_set_list_describe_history(demo_server: EmbeddedServer) -> None:
    ns = f"cq-{uuid.uuid4().hex[:6]}"
    made = run(demo_server, "apply", "-f", "-", *DEMO, "-m", "ns",
               stdin=f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n")
    assert made.returncode == 0, made.stderr
    where = (*DEMO, "-n", ns)
    dry = run(demo_server, "quotas", "set", "compute", "requests.cpu=2", "pods=4", *where, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run, nothing committed" in dry.stdout and "requests.cpu" in dry.stdout
    assert run(demo_server, "quotas", "history", "compute", *where).returncode != 0  # nothing stored yet

    real = run(demo_server, "quotas", "set", "compute", "requests.cpu=2", "pods=4", *where, "-m", "team quota")
    assert real.returncode == 0 and "commit " in real.stdout, real.stderr
    pod = run(demo_server, "apply", "-f", "-", *DEMO, "-m", "pod", stdin=f"""apiVersion: v1
kind: Pod
metadata: {{name: p, namespace: {ns}}}
spec: {{containers: [{{name: app, image: nginx, resources: {{requests: {{cpu: "1"}}}}}}]}}
""")
    assert pod.returncode == 0, pod.stderr
    raised = run(demo_server, "quotas", "set", "compute", "pods=8", *where)
    assert raised.returncode == 0, raised.stderr

    listed = run(demo_server, "quotas", "list", *where)
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[3]: line for line in listed.stdout.splitlines()[1:]}
    assert "[##########----------]  50%" in lines["requests.cpu"] and " 1 " in lines["pods"]
    assert "[##------------------]  12%" in lines["pods"] and " 8 " in lines["pods"]  # 1 of 8; cpu kept

    described = run(demo_server, "quotas", "describe", "compute", *where)
    assert described.returncode == 0, described.stderr
    cpu = next(line for line in described.stdout.splitlines() if line.startswith("requests.cpu"))
    assert cpu.split()[:3] == ["requests.cpu", "1", "2"] and "1300m" in cpu  # suggested: peak 1 + 25 %

    history = run(demo_server, "quotas", "history", "compute", *where)
    assert history.returncode == 0, history.stderr
    rows = history.stdout.splitlines()[1:]
    assert len(rows) == 2 and rows[0].startswith("2*") and "team quota" in rows[1] and "admin" in rows[1]
    bad = run(demo_server, "quotas", "set", "compute", "requests.cpu=2GG", *where)
    assert bad.returncode != 0 and "2GG" in bad.stderr


def test_a_namespace_without_quotas_says_so_like_kubectl(demo_server: EmbeddedServer) -> None:
    empty = run(demo_server, "quotas", "list", *DEMO, "-n", "default")
    assert empty.returncode == 0 and not empty.stdout, empty
    assert empty.stderr.strip() == "No resources found in namespace default."
    missing = run(demo_server, "quotas", "list", *DEMO, "-n", "no-such-namespace")
    assert missing.returncode != 0 and "no-such-namespace" in missing.stderr


def test_check_limits_alert_policy_and_delete(demo_server: EmbeddedServer) -> None:
    ns = f"cl-{uuid.uuid4().hex[:6]}"
    assert run(demo_server, "apply", "-f", "-", *DEMO, "-m", "ns",
               stdin=f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n").returncode == 0
    where = (*DEMO, "-n", ns)
    assert run(demo_server, "quotas", "set", "compute", "requests.cpu=1", *where).returncode == 0
    big = f"""apiVersion: v1
kind: Pod
metadata: {{name: big, namespace: {ns}}}
spec: {{containers: [{{name: app, image: nginx, resources: {{requests: {{cpu: "1500m"}}, limits: {{cpu: "3"}}}}}}]}}
"""
    over = run(demo_server, "quotas", "check", "-f", "-", *where, stdin=big)
    assert over.returncode == 1 and over.stdout.splitlines()[1].split()[:3] == [
        f"clusters/demo/namespaces/{ns}/pods/big", f"clusters/demo/namespaces/{ns}/resourcequotas/compute",
        "requests.cpu"], over.stdout + over.stderr
    fits = run(demo_server, "quotas", "check", "-f", "-", *where, stdin=big.replace("1500m", "500m"))
    assert fits.returncode == 0 and fits.stdout == "fits every quota and LimitRange\n", fits.stderr

    limited = run(demo_server, "quotas", "limits", "set", "bounds", "--max", "cpu=2", "--default", "cpu=500m",
                  "--default-request", "cpu=250m", *where, "-m", "container bounds")
    assert limited.returncode == 0 and "commit " in limited.stdout, limited.stderr
    pods = run(demo_server, "quotas", "limits", "set", "bounds", "--type", "pod", "--max", "cpu=4", *where)
    assert pods.returncode == 0, pods.stderr  # an update: the container bounds stay
    rows = [line.split() for line in run(demo_server, "quotas", "limits", "list", *where).stdout.splitlines()[1:]]
    assert rows == [["bounds", "container", "-", "cpu=2", "cpu=250m", "cpu=500m", "-"],
                    ["bounds", "pod", "-", "cpu=4", "-", "-", "-"]]
    assert [line.split() for line in run(demo_server, "quotas", "limits", "get", "bounds", *where).stdout.splitlines()[1:]] == rows
    breach = run(demo_server, "quotas", "check", "-f", "-", *where, stdin=big.replace("1500m", "500m"))
    assert breach.returncode == 1 and f"clusters/demo/namespaces/{ns}/limitranges/bounds" in breach.stdout
    assert run(demo_server, "quotas", "limits", "delete", "bounds", *where).returncode == 0
    assert run(demo_server, "quotas", "limits", "list", *where).stdout.splitlines()[1:] == []

    policy = run(demo_server, "quotas", "alert-policy", "get", *where)
    assert policy.returncode == 0 and "warning at 80%, critical at 95%" in policy.stdout, policy.stderr
    changed = run(demo_server, "quotas", "alert-policy", "set", *where, "--warning", "70",
                  "--notify", "mailto:ops@example.com")
    assert changed.returncode == 0 and "warning at 70%, critical at 95%" in changed.stdout, changed.stderr
    assert "notify: mailto:ops@example.com" in run(demo_server, "quotas", "alert-policy", "get", *where).stdout

    dry = run(demo_server, "quotas", "delete", "compute", *where, "--dry-run")
    assert dry.returncode == 0 and "nothing deleted" in dry.stdout
    gone = run(demo_server, "quotas", "delete", "compute", *where, "-m", "no more quota")
    assert gone.returncode == 0 and "deleted, commit " in gone.stdout, gone.stderr
    assert run(demo_server, "quotas", "describe", "compute", *where).returncode != 0
