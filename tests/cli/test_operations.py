"""`kubecommit jobs`, `alerts` and `channels` against a server with its jobs on: list with next run
and last result, get, pause/run/resume; an unreachable cluster's alert watched, listed, shown,
acknowledged, silenced and resolved, and delivered to a channel made from the CLI; alert rules
created, updated, listed and deleted."""

from __future__ import annotations

import json
import queue
import signal
import socket
import subprocess
import threading
import time
from typing import Any, Callable, Iterator

import pytest

from kubesim import Simulator
from server.alerts.notify import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from server.embedded import EmbeddedServer
from tests.cli.support import KUBECOMMIT, cli_env, run
from tests.jobs.conftest import QUIET, Receiver, receiver  # noqa: F401 (a fixture)
from tests.support.clusters import register_cluster


@pytest.fixture()
def jobs_on(server_factory: Callable[..., EmbeddedServer]) -> Iterator[Callable[..., EmbeddedServer]]:
    """Servers with their jobs on, stopped after the test: their schedules (health every second,
    deliveries to this test's receiver) must not run on beside later tests."""
    started: list[EmbeddedServer] = []

    def start(**overrides: Any) -> EmbeddedServer:
        started.append(server_factory(**overrides))
        return started[-1]
    yield start
    for server in started:
        server.stop()


def _rows(server: EmbeddedServer, *args: str) -> dict[str, str]:
    """The table's lines by their first column, after checking the command worked."""
    listed = run(server, *args)
    assert listed.returncode == 0, listed.stderr
    return {line.split()[0]: line for line in listed.stdout.splitlines()[1:]}


def _until(check: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.3)
    return True


def test_jobs_list_pause_run_resume(jobs_on: Callable[..., EmbeddedServer]) -> None:
    server = jobs_on(**QUIET)
    jobs = _rows(server, "jobs", "list")
    assert "samplers" in jobs and "every 3600s" in jobs["samplers"] and "backups" not in jobs
    assert _until(lambda: _rows(server, "jobs", "list")["samplers"].split()[-1] != "0")  # the first run
    assert "succeeded" in _rows(server, "jobs", "list")["samplers"]
    shown = run(server, "jobs", "get", "samplers")
    assert shown.returncode == 0 and shown.stdout.splitlines()[1].split()[0] == "samplers", shown.stderr
    assert "description: " in shown.stdout and "last summary: " in shown.stdout

    paused = run(server, "jobs", "pause", "samplers")
    assert paused.returncode == 0 and paused.stdout.strip() == "jobs/samplers paused", paused.stderr
    line = _rows(server, "jobs", "list", "--filter", "paused=true")
    assert list(line) == ["samplers"] and " paused " in line["samplers"]
    runs = int(line["samplers"].split()[-1])
    assert run(server, "jobs", "run", "jobs/samplers").returncode == 0
    assert _until(lambda: int(_rows(server, "jobs", "list")["samplers"].split()[-1]) > runs)
    resumed = run(server, "jobs", "resume", "samplers")
    assert resumed.returncode == 0 and " scheduled " in _rows(server, "jobs", "list")["samplers"]

    missing = run(server, "jobs", "run", "nope")
    assert missing.returncode != 0 and "jobs/nope" in missing.stderr and not missing.stdout


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _watch(server: EmbeddedServer, *args: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    """The CLI streaming lines (a watch), read on a thread into a queue."""
    proc = subprocess.Popen([str(KUBECOMMIT), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=cli_env(server))
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    return proc, lines


def test_alerts_list_ack_silence_resolve(jobs_on: Callable[..., EmbeddedServer], sim: Simulator,
                                         receiver: Receiver) -> None:  # noqa: F811
    server = jobs_on(**{**QUIET, "health_schedule": "every 1s", "cluster_timeout_seconds": 2})
    made = run(server, "channels", "create", "oncall", "--url", receiver.url + "?for=cli-oncall",
               "--min-severity", "critical", "--description", "the pager")
    assert made.returncode == 0 and "notificationChannels/oncall" in made.stderr, made.stderr
    secret = made.stdout.strip()
    assert len(secret) >= 32 and secret not in run(server, "channels", "list").stdout
    tested = run(server, "channels", "test", "oncall")  # a test notification, signed with that secret
    assert tested.returncode == 0 and tested.stderr == "notificationChannels/oncall: delivered\n", tested.stderr
    assert tested.stdout.splitlines()[1].split()[0] == "1" and tested.stdout.splitlines()[1].split()[3] == "204"
    headers, body = next((h, b) for h, b in receiver.received if b"test-notification" in b)
    stamp = headers[TIMESTAMP_HEADER]
    assert headers[SIGNATURE_HEADER] == sign(secret.encode(), stamp, body)
    assert json.loads(body)["status"] == "test"
    assert " test " in run(server, "channels", "deliveries", "oncall").stdout
    watch, events = _watch(server, "alerts", "watch", "--filter", "subject=clusters/gone")
    config = sim.kubeconfig_text("demo")
    port = config.split("127.0.0.1:", 1)[1].split("\n", 1)[0].split("/", 1)[0]
    register_cluster(server, "gone", config.replace(f"127.0.0.1:{port}", f"127.0.0.1:{_closed_port()}"))
    firing = ("alerts", "list", "--filter", "rule=cluster-health subject=clusters/gone")
    assert _until(lambda: bool(_rows(server, *firing)))
    [(name, line)] = _rows(server, *firing).items()
    assert name.startswith("alerts/") and line.split()[1:4] == ["critical", "firing", "clusters/gone"]
    try:
        change, watched, severity, subject = events.get(timeout=20).split()[:4]
        assert (change, watched, severity, subject) in {("FIRING", name, "critical", "clusters/gone"),
                                                        ("OPEN", name, "critical", "clusters/gone")}
    finally:
        watch.send_signal(signal.SIGINT)
        assert watch.wait(timeout=20) == 0, watch.stderr.read()  # type: ignore[union-attr]
    assert _rows(server, "alerts", "get", name)[name] == line

    def delivered() -> bool:
        log = run(server, "channels", "deliveries", "oncall").stdout.splitlines()[1:]
        return any(name in row and " firing " in row for row in log)
    assert _until(delivered), run(server, "channels", "deliveries", "oncall").stdout
    assert any(h.get("X-Received-Path", "").endswith("for=cli-oncall") for h, _ in receiver.received)

    acked = run(server, "alerts", "ack", name)
    assert acked.returncode == 0 and acked.stdout.strip() == f"{name} acknowledged by admin <admin@kubecommit.local>", acked.stderr
    assert _rows(server, *firing)[name].split()[2] == "acknowledged"
    silenced = run(server, "alerts", "silence", name.removeprefix("alerts/"), "--for", "2h")
    assert silenced.returncode == 0 and "silenced until" in silenced.stdout, silenced.stderr
    until = silenced.stdout.split("silenced until ", 1)[1].removesuffix(" UTC\n")
    assert len(until) == 19 and until in _rows(server, *firing)[name]
    bad = run(server, "alerts", "silence", name, "--for", "soon")
    assert bad.returncode != 0 and "soon" in bad.stderr
    resolved = run(server, "alerts", "resolve", name)
    assert resolved.returncode == 0 and resolved.stdout.strip() == f"{name} resolved", resolved.stderr
    assert _rows(server, *firing)[name].split()[2] == "resolved"


def test_channels_and_rules_from_the_cli(jobs_on: Callable[..., EmbeddedServer]) -> None:
    server = jobs_on(**{**QUIET, "webhook_attempts": 3})
    assert run(server, "channels", "create", "chat", "--url", "http://127.0.0.1:9/hook", "--format", "slack").returncode == 0
    row = _rows(server, "channels", "get", "chat")["chat"].split()
    assert row[1:5] == ["http://127.0.0.1:9/hook", "slack", "warning", "enabled"]
    updated = run(server, "channels", "update", "notificationChannels/chat", "--disabled", "--min-severity", "info")
    assert updated.returncode == 0, updated.stderr
    assert _rows(server, "channels", "list")["chat"].split()[3:5] == ["info", "disabled"]
    unheard = run(server, "channels", "test", "chat")  # nothing listens on port 9: every attempt fails
    assert unheard.returncode == 1 and "did not accept" in unheard.stderr
    assert [line.split()[0] for line in unheard.stdout.splitlines()[1:]] == ["1", "2", "3"]
    bad = run(server, "channels", "create", "ftp", "--url", "ftp://x")
    assert bad.returncode != 0 and "url" in bad.stderr and not bad.stdout
    assert run(server, "channels", "delete", "chat").stdout.strip() == "notificationChannels/chat deleted"
    assert "chat" not in _rows(server, "channels", "list")
    assert run(server, "channels", "get", "chat").returncode != 0

    rules = _rows(server, "alerts", "rules", "list")
    assert rules["quota-usage"].split()[1:5] == ["quota", "enabled", "80", "95"] and "built-in" in rules["quota-usage"]
    changed = run(server, "alerts", "rules", "update", "quota-usage", "--warning", "60")
    assert changed.returncode == 0 and changed.stdout.splitlines()[1].split()[3:5] == ["60", "95"], changed.stderr
    assert "by admin" in _rows(server, "alerts", "rules", "get", "alertRules/quota-usage")["quota-usage"]
    refused = run(server, "alerts", "rules", "create", "tight", "--kind", "quota", "--warning", "99", "--critical", "90")
    assert refused.returncode != 0 and "warning_percent" in refused.stderr
    made = run(server, "alerts", "rules", "create", "drift-loud", "--kind", "drift", "--severity", "critical",
               "--description", "every change outside kubecommit")
    assert made.returncode == 0 and made.stdout.splitlines()[1].split()[:2] == ["drift-loud", "drift"], made.stderr
    assert _rows(server, "alerts", "rules", "list")["drift-loud"].split()[5] == "critical"
    assert run(server, "alerts", "rules", "delete", "drift-loud").returncode == 0
    assert "drift-loud" not in _rows(server, "alerts", "rules", "list")
    assert run(server, "alerts", "rules", "delete", "quota-usage").returncode == 0  # back to the default
    assert _rows(server, "alerts", "rules", "get", "quota-usage")["quota-usage"].split()[3] == "80"


def test_metrics_list_and_query(jobs_on: Callable[..., EmbeddedServer], sim: Simulator) -> None:
    server = jobs_on(**QUIET)
    register_cluster(server, "sampled", sim.kubeconfig_text("sampled"))
    assert run(server, "jobs", "run", "samplers").returncode == 0

    def series() -> list[str]:
        listed = run(server, "metrics", "list", "clusters/sampled/")
        assert listed.returncode == 0, listed.stderr
        return listed.stdout.split()
    assert _until(lambda: bool(series()))
    names = series()
    assert all(n.startswith("clusters/sampled/") for n in names) and names == sorted(names)
    queried = run(server, "metrics", "query", names[0], "--since", "1h")
    assert queried.returncode == 0, queried.stderr
    header, *points = queried.stdout.splitlines()
    assert header.split() == ["TIME", "(UTC)", "VALUE"] and points
    assert all(len(p.split()) == 3 and float(p.split()[2]) >= 0 for p in points)
    assert queried.stderr.startswith(f"{names[0]}: {len(points)} points, step ")
    assert run(server, "metrics", "query", names[0], "--since", "soon").returncode == 2
