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
