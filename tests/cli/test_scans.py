"""`kubecommit scan run|list|get|compare|apply` against the demo cluster's seeded problems."""

from __future__ import annotations

import re

from server.embedded import EmbeddedServer
from tests.cli.support import run

DEMO = ("--cluster", "demo")
GATEWAY = "clusters/demo/namespaces/shop/deployments.apps/api-gateway"


def _scan(demo_server: EmbeddedServer, *args: str) -> tuple[str, list[list[str]]]:
    """The scan's name and its findings' rows (severity, rule, resource, state, id, message...)."""
    done = run(demo_server, "scan", "run", *DEMO, *args)
    assert done.returncode == 0, done.stderr
    head, *lines = done.stdout.splitlines()
    name = re.match(r"(scans/\S+) of clusters/demo: succeeded, score \d+ \(\w+\), \d+ findings", head)
    assert name, head
    return name[1], [line.split() for line in lines[1:]]


def test_scan_run_list_get_compare_and_a_dry_run_of_its_fixes(demo_server: EmbeddedServer) -> None:
    first, findings = _scan(demo_server, "-n", "ml", "--category", "security")
    assert ["secret-in-env", "clusters/demo/namespaces/ml/pods/notebook"] in [row[1:3] for row in findings]
    assert "hf_kubesim_example_token" not in str(findings)
    second, again = _scan(demo_server, "-n", "ml", "--category", "security")
    assert {row[3] for row in again} == {"still_open"}

    listed = {line.split()[0]: line.split() for line in run(demo_server, "scan", "list").stdout.splitlines()[1:]}
    assert listed[first][1:3] == ["clusters/demo", "succeeded"] and second in listed
    shown = run(demo_server, "scan", "get", first.removeprefix("scans/"))
    assert shown.returncode == 0 and "secret-in-env" in shown.stdout, shown.stderr
    compared = run(demo_server, "scan", "compare", second, "--other", first)
    assert compared.returncode == 0 and all(line.startswith("still open ") for line in compared.stdout.splitlines()[1:])

    fixes, rows = _scan(demo_server, "-n", "shop", "--category", "configuration")
    limits = next(row for row in rows if row[1] == "missing-limits" and row[2] == GATEWAY)
    dry = run(demo_server, "scan", "apply", fixes, "--finding", limits[4], "--dry-run")
    assert dry.returncode == 0, dry.stderr
    resource, action = dry.stdout.splitlines()[1].split()  # `created` in the store when never synced
    assert resource == GATEWAY and action in ("created", "configured")
    assert dry.stdout.splitlines()[-1] == "1 findings fixed (dry run, no branch)"
    bad = run(demo_server, "scan", "run", *DEMO, "--category", "vibes")
    assert bad.returncode != 0 and "categories[0]" in bad.stderr
