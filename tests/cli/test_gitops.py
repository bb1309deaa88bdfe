"""GitOps verbs as a person runs them: history, diff against live with the right sides and exact
values, rollback that shows the live diff and asks first, tags, branches, merge, drift, backups,
clusters add/remove."""

from __future__ import annotations

import re
import shlex
import subprocess
import uuid
from pathlib import Path

from kubesim import Simulator
from kubesim.testing import kubectl_binary
from server.embedded import EmbeddedServer
from tests.cli.support import Terminal, deployment, run
from tests.conftest import REPO

DEMO = ("--cluster", "demo")


def fresh(demo_server: EmbeddedServer, *images: str) -> str:
    """A new deployment in `default`, applied once per image (versions 1..n)."""
    name = f"cli-{uuid.uuid4().hex[:6]}"
    for n, image in enumerate(images, start=1):
        applied = run(demo_server, "apply", "-f", "-", *DEMO, "-m", f"use {image}",
                      stdin=deployment(name, image, replicas=n + 1))
        assert applied.returncode == 0, applied.stderr
    return name


def kubectl(sim: Simulator, tmp_path: Path, *args: str) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(sim.kubeconfig_text("demo"))
    subprocess.run([kubectl_binary(), "--kubeconfig", str(config), *args], check=True, capture_output=True, timeout=60)


def test_history_and_diff_between_versions(demo_server: EmbeddedServer) -> None:
    name = fresh(demo_server, "nginx:1.25", "nginx:1.27")
    history = run(demo_server, "history", f"deploy/{name}", *DEMO)
    assert history.returncode == 0, history.stderr
    lines = history.stdout.splitlines()
    assert lines[1].split()[0] == "2*" and "use nginx:1.27" in lines[1] and lines[2].split()[0] == "1"
    diff = run(demo_server, "diff", f"deploy/{name}", *DEMO, "--from", "1", "--to", "2")
    assert "-  replicas: 2\n+  replicas: 3\n" in diff.stdout  # piped: no colour, no padding
    assert "\x1b[" not in diff.stdout and all(line == line.rstrip() for line in diff.stdout.splitlines())
    rows = {line.split()[0]: line.split()[1:] for line in diff.stdout.splitlines() if line.startswith("spec.")}
    assert rows["spec.replicas"] == ["modified", "2", "3"]  # exact ints, not 2.0
    assert rows["spec.template.spec.containers[name=web].image"] == ["modified", '"nginx:1.25"', '"nginx:1.27"']
    first = run(demo_server, "show", f"deploy/{name}", "1", *DEMO)
    assert first.returncode == 0 and "image: nginx:1.25" in first.stdout and first.stderr.startswith("# version 1,")
    assert "image: nginx:1.27" in run(demo_server, "show", f"deploy/{name}", *DEMO).stdout
    log = run(demo_server, "commits", "--prefix", f"clusters/demo/namespaces/default/deployments.apps/{name}")
    assert [line.split()[-2:] for line in log.stdout.splitlines()[1:]] == [["use", "nginx:1.27"], ["use", "nginx:1.25"]]


def test_diff_colours_only_on_a_terminal_without_no_color(demo_server: EmbeddedServer) -> None:
    name = fresh(demo_server, "nginx:1.25", "nginx:1.27")
    args = ("diff", f"deploy/{name}", *DEMO, "--from", "1", "--to", "2")
    coloured = Terminal(demo_server, *args)
    coloured.expect("FIELD")
    assert coloured.wait() == 0 and b"\x1b[31m-  replicas: 2\x1b[0m" in coloured.output
    plain = Terminal(demo_server, *args, NO_COLOR="1")
    plain.expect("FIELD")
    assert plain.wait() == 0 and b"\x1b[" not in plain.output and b"-  replicas: 2\r\n" in plain.output


def test_diff_against_live_puts_the_live_value_under_new(demo_server: EmbeddedServer, sim: Simulator,
                                                         tmp_path: Path) -> None:
    name = fresh(demo_server, "nginx:1.25")
    assert run(demo_server, "diff", f"deploy/{name}", *DEMO).stderr.startswith("no differences")
    kubectl(sim, tmp_path, "-n", "default", "set", "image", f"deployment/{name}", "web=nginx:1.29")
    diff = run(demo_server, "diff", f"deploy/{name}", *DEMO)
    header = next(line for line in diff.stdout.splitlines() if line.startswith("FIELD"))
    assert header.split()[-2:] == ["NEW", "(live)"]
    row = next(line for line in diff.stdout.splitlines() if line.startswith("spec.template.spec.containers"))
    assert row.split()[-2:] == ['"nginx:1.25"', '"nginx:1.29"']


def test_rollback_shows_the_live_diff_and_asks(demo_server: EmbeddedServer, sim: Simulator, tmp_path: Path) -> None:
    name = fresh(demo_server, "nginx:1.25", "nginx:1.27")
    ref = f"deploy/{name}"
    refused = run(demo_server, "rollback", ref, "1", *DEMO)  # stdin is a pipe, not a terminal
    assert refused.returncode == 1 and "refusing to roll back" in refused.stderr and "--yes" in refused.stderr
    assert "LIVE" in refused.stdout and '"nginx:1.27"' in refused.stdout and '"nginx:1.25"' in refused.stdout
    dry = run(demo_server, "rollback", ref, "1", *DEMO, "--dry-run")
    assert dry.returncode == 0 and "spec.replicas" in dry.stdout and "dry run" in dry.stderr
    assert "2*" in run(demo_server, "history", ref, *DEMO).stdout.splitlines()[1]  # nothing happened
    done = run(demo_server, "rollback", ref, "1", *DEMO, "--yes", "--reason", "bad image")
    assert done.returncode == 0 and "version 3" in done.stdout, done.stderr
    image = ("get", ref, *DEMO, "-o", "jsonpath={.spec.template.spec.containers[0].image}")
    assert run(demo_server, *image).stdout == "nginx:1.25"
    # Drift, then roll back to the stored head: the preview compares with the live object.
    kubectl(sim, tmp_path, "-n", "default", "set", "image", f"deployment/{name}", "web=nginx:1.29")
    preview = run(demo_server, "rollback", ref, "3", *DEMO, "--dry-run")
    row = next(line for line in preview.stdout.splitlines() if line.startswith("spec.template.spec.containers"))
    assert row.split()[-2:] == ['"nginx:1.29"', '"nginx:1.25"']
    again = run(demo_server, "rollback", ref, "3", *DEMO, "--yes")
    assert again.returncode == 0, again.stderr
    assert run(demo_server, *image).stdout == "nginx:1.25"


def test_tags_branches_and_merge(demo_server: EmbeddedServer) -> None:
    name = fresh(demo_server, "nginx:1.25")
    tag = f"t-{uuid.uuid4().hex[:6]}"
    made = run(demo_server, "tag", "create", tag, "-m", "known good")
    assert made.returncode == 0 and made.stdout.startswith(f"tags/{tag} -> "), made.stderr
    assert any(line.split()[0] == tag for line in run(demo_server, "tag", "list").stdout.splitlines())
    branch = f"b-{uuid.uuid4().hex[:6]}"
    assert run(demo_server, "branch", "create", branch).returncode == 0
    drafted = run(demo_server, "apply", "-f", "-", *DEMO, "--branch", branch,
                  stdin=deployment(name, "nginx:1.28", replicas=2))
    assert drafted.returncode == 0, drafted.stderr
    assert any(line.split()[:1] == [branch] for line in run(demo_server, "branch", "list").stdout.splitlines())
    dry = run(demo_server, "merge", branch, "--dry-run")
    assert dry.returncode == 0 and name in dry.stdout and "nothing merged" in dry.stderr, dry.stderr
    image = ("get", f"deploy/{name}", *DEMO, "-o", "jsonpath={.spec.template.spec.containers[0].image}")
    assert run(demo_server, *image).stdout == "nginx:1.25"
    merged = run(demo_server, "merge", branch, "-m", "ship 1.28")
    assert merged.returncode == 0 and "merged" in merged.stdout, merged.stdout + merged.stderr
    assert run(demo_server, *image).stdout == "nginx:1.28"
    assert run(demo_server, "tag", "delete", tag).returncode == 0
    assert run(demo_server, "branch", "delete", branch).returncode == 0


def test_merge_conflicts_are_a_table_and_an_error(demo_server: EmbeddedServer) -> None:
    name = fresh(demo_server, "nginx:1.25")
    branch = f"c-{uuid.uuid4().hex[:6]}"
    assert run(demo_server, "branch", "create", branch).returncode == 0
    run(demo_server, "apply", "-f", "-", *DEMO, "--branch", branch, stdin=deployment(name, "nginx:1.26", replicas=2))
    run(demo_server, "apply", "-f", "-", *DEMO, stdin=deployment(name, "nginx:1.24", replicas=2))
    conflict = run(demo_server, "merge", branch, "--dry-run")
    assert conflict.returncode == 1 and "conflict" in conflict.stderr
    row = next(line for line in conflict.stdout.splitlines() if "containers" in line)
    assert '"nginx:1.25"' in row and '"nginx:1.24"' in row and '"nginx:1.26"' in row


def test_drift_detect_and_import(demo_server: EmbeddedServer, sim: Simulator, tmp_path: Path) -> None:
    name = fresh(demo_server, "nginx:1.25")
    kubectl(sim, tmp_path, "-n", "default", "scale", f"deployment/{name}", "--replicas=5")
    detected = run(demo_server, "drift", "detect", *DEMO, "-n", "default", "--type", "deployments.apps")
    assert detected.returncode == 1, detected.stderr
    row = next(line for line in detected.stdout.splitlines() if name in line)
    assert "modified" in row and "spec.replicas" in row
    full = f"clusters/demo/namespaces/default/deployments.apps/{name}"
    imported = run(demo_server, "drift", "import", full, *DEMO, "-m", "accept the scale")
    assert imported.returncode == 0 and f"imported {full}" in imported.stdout, imported.stderr
    assert "import" in run(demo_server, "history", full).stdout.splitlines()[1]


def _screen(output: bytes) -> str:
    """What a terminal showed, with colours and cursor moves taken out (rich redraws its bar)."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output.decode(errors="replace"))


def test_backups(demo_server: EmbeddedServer) -> None:
    name = f"bk-{uuid.uuid4().hex[:6]}"
    made = run(demo_server, "backup", "create", name, "--cluster", "demo", "--description", "before upgrade")
    assert made.returncode == 0 and made.stdout.startswith(f"backups/{name}: "), made.stderr
    assert any(line.split()[0] == name for line in run(demo_server, "backup", "list").stdout.splitlines()[1:])
    at_terminal = Terminal(demo_server, "backup", "create", f"{name}-tty")
    objects = re.search(r"(\d+) objects", at_terminal.expect(" refs, sha256 "))
    assert at_terminal.wait() == 0 and objects and int(objects[1]) > 0
    # A bar (only on a terminal) of the objects packed, ending at all of them: the count the backup holds.
    screen = _screen(at_terminal.output)
    assert re.search(rf"pack .*100% {objects[1]}/{objects[1]}", screen), screen
    assert "pack" not in made.stderr and "%" not in made.stderr
    checking = Terminal(demo_server, "backup", "verify", f"{name}-tty")
    checking.expect("is valid")
    assert checking.wait() == 0 and re.search(rf"verify .*100% {objects[1]}/{objects[1]}", _screen(checking.output))
    verified = run(demo_server, "backup", "verify", name)
    assert verified.returncode == 0 and "is valid" in verified.stdout
    restored = run(demo_server, "backup", "restore", name, "--branch-prefix", f"r-{name}")
    assert restored.returncode == 0 and f"refs/heads/main -> branches/r-{name}/main\n" in restored.stdout, restored.stderr
    missing = run(demo_server, "backup", "verify", "nope")
    assert missing.returncode == 1 and missing.stderr.startswith("error: ")
    incremental = run(demo_server, "backup", "create", f"{name}-inc", "--base", name)
    assert incremental.returncode == 0, incremental.stderr
    refused = run(demo_server, "backup", "delete", name)  # the incremental one depends on it
    assert refused.returncode == 1 and f"{name}-inc" in refused.stderr
    for doomed in (f"{name}-inc", name, f"{name}-tty"):
        deleted = run(demo_server, "backup", "delete", f"backups/{doomed}")
        assert deleted.returncode == 0 and deleted.stdout == f"backups/{doomed} deleted\n", deleted.stderr
    assert not any(line.split()[0].startswith(name) for line in run(demo_server, "backup", "list").stdout.splitlines()[1:])


def test_clusters_add_with_tags_and_remove(demo_server: EmbeddedServer, sim: Simulator, tmp_path: Path) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(sim.kubeconfig_text("demo"))
    name = f"c{uuid.uuid4().hex[:6]}"
    added = run(demo_server, "clusters", "add", name, "--kubeconfig", str(config), "--tag", "env=staging",
                "--tag", "team=web")
    assert added.returncode == 0, added.stderr
    row = next(line for line in run(demo_server, "clusters", "list").stdout.splitlines() if line.startswith(name))
    assert row.split()[-1] == "env=staging,team=web"
    tested = run(demo_server, "clusters", "test", name)
    assert tested.returncode == 0 and f"clusters/{name}: connected to {sim.url}" in tested.stdout, tested.stderr
    assert run(demo_server, "clusters", "update", name, "--tag", "env=prod").returncode == 0
    row = next(line for line in run(demo_server, "clusters", "list").stdout.splitlines() if line.startswith(name))
    assert row.split()[-1] == "env=prod"
    synced = run(demo_server, "clusters", "sync", name, "--message", "first look")
    assert synced.returncode == 0 and re.fullmatch(r"read \d+ objects of \d+ types; commit [0-9a-f]{12}\n",
                                                   synced.stdout), synced.stdout + synced.stderr
    again = run(demo_server, "clusters", "sync", name)  # the simulator moved on or not: either is reported
    assert again.returncode == 0 and again.stdout.startswith("read "), again.stderr
    health = run(demo_server, "clusters", "health", name)
    assert health.returncode == 0 and re.match(rf"{name}: (HEALTHY|WARNING|ERROR), score \d+", health.stdout), health.stderr
    both = run(demo_server, "clusters", "health", name, "demo")  # several at once (CheckClustersHealth)
    assert both.returncode == 0 and both.stdout.splitlines()[0].split() == ["CLUSTER", "STATUS", "SCORE", "ISSUES"]
    assert sorted(line.split()[0] for line in both.stdout.splitlines()[1:]) == sorted([name, "demo"]), both.stdout
    shown = run(demo_server, "clusters", "get", name).stdout
    assert f"name:         clusters/{name}\n" in shown and f"server:       {sim.url}" in shown
    assert "tags:         env=prod\n" in shown and "kubeconfig" not in shown.lower()
    metrics = run(demo_server, "clusters", "metrics", name).stdout.splitlines()
    assert metrics[0].split() == ["RESOURCE", "CAPACITY", "ALLOCATABLE", "REQUESTS", "LIMITS", "USAGE"]
    assert metrics[1].startswith("cpu") and metrics[2].startswith("memory") and metrics[2].split()[1].endswith("Gi")
    summary = run(demo_server, "clusters", "summary").stdout
    assert any(line.split()[:1] == [name] for line in summary.splitlines())
    refused = run(demo_server, "clusters", "remove", name)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert run(demo_server, "clusters", "remove", name, "--yes").returncode == 0
    assert name not in run(demo_server, "clusters", "list").stdout


def test_the_readme_quickstart(demo_server: EmbeddedServer) -> None:
    """The README's five commands, as written (after `make run`), the rollback confirmed at a terminal."""
    readme = (REPO / "README.md").read_text()
    block = readme.split("<!-- quickstart")[1].split("```sh\n")[1].split("```")[0]
    commands = [shlex.split(line) for line in block.splitlines()]
    assert commands[0] == ["make", "run"] and len(commands) == 5
    for command in commands[1:-1]:
        assert command[0] == ".venv/bin/kubecommit"
        done = run(demo_server, *command[1:], cwd=REPO)
        assert done.returncode == 0, done.stderr
    term = Terminal(demo_server, *commands[-1][1:], cwd=REPO)
    term.expect("Roll back clusters/demo/namespaces/default/deployments.apps/hello to 1? [y/N]:")
    term.type("y\r")
    term.expect("version 3")
    assert term.wait() == 0
