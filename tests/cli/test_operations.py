"""`kubecommit jobs` and `kubecommit alerts` against a server with its jobs on: list with next run
and last result, pause/run/resume; an unreachable cluster's alert listed, acknowledged, silenced
and resolved."""

from __future__ import annotations

import socket
import time
from typing import Callable

from kubesim import Simulator
from server.embedded import EmbeddedServer
from tests.cli.support import run
from tests.jobs.conftest import QUIET
from tests.support.clusters import register_cluster


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


def test_jobs_list_pause_run_resume(server_factory: Callable[..., EmbeddedServer]) -> None:
    server = server_factory(**QUIET)
    jobs = _rows(server, "jobs", "list")
    assert "samplers" in jobs and "every 3600s" in jobs["samplers"] and "backups" not in jobs
    assert _until(lambda: _rows(server, "jobs", "list")["samplers"].split()[-1] != "0")  # the first run
    assert "succeeded" in _rows(server, "jobs", "list")["samplers"]

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


def test_alerts_list_ack_silence_resolve(server_factory: Callable[..., EmbeddedServer], sim: Simulator) -> None:
    server = server_factory(**{**QUIET, "health_schedule": "every 1s", "cluster_timeout_seconds": 2})
    config = sim.kubeconfig_text("demo")
    port = config.split("127.0.0.1:", 1)[1].split("\n", 1)[0].split("/", 1)[0]
    register_cluster(server, "gone", config.replace(f"127.0.0.1:{port}", f"127.0.0.1:{_closed_port()}"))
    firing = ("alerts", "list", "--filter", "rule=cluster-health subject=clusters/gone")
    assert _until(lambda: bool(_rows(server, *firing)))
    [(name, line)] = _rows(server, *firing).items()
    assert name.startswith("alerts/") and line.split()[1:4] == ["critical", "firing", "clusters/gone"]

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
