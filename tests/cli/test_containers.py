"""`logs`, `exec` (a real terminal with -it, piped stdin without) and `cp`, as a person runs them."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from pathlib import Path

from kubesim import Simulator
from server.embedded import EmbeddedServer
from tests.cli.support import KUBECOMMIT, Terminal, a_pod, cli_env, run

WEB = ("--cluster", "demo", "-n", "web")


def test_exec_it_is_a_real_terminal(demo_server: EmbeddedServer) -> None:
    pod = a_pod(demo_server)
    term = Terminal(demo_server, "exec", "-it", pod, *WEB, "--", "sh", rows=24, cols=80)
    term.expect("# ")
    term.type("echo hi\r")
    term.expect("\r\nhi\r\n")
    term.type("stty size\r")
    term.expect("24 80")
    term.resize(40, 132)
    # The new size travels on its own (SIGWINCH -> a resize frame), racing keys typed at once:
    # look again, as a person would, until the shell reports it.
    for _ in range(20):
        term.type("stty size\r")
        if "40 132" in term.expect("# "):
            break
    else:
        raise AssertionError(f"the resize never arrived: {term.output!r}")
    term.type("exit 3\r")
    assert term.wait() == 3


def test_an_admin_ends_a_live_session(demo_server: EmbeddedServer) -> None:
    pod = a_pod(demo_server)
    term = Terminal(demo_server, "exec", "-it", pod, *WEB, "--", "sh")
    term.expect("# ")
    live = next(line.split() for line in run(demo_server, "sessions").stdout.splitlines()[1:]
                if pod in line and line.split()[-1] == "running" and " sh " in line)
    ended = run(demo_server, "sessions", live[0], "--terminate", "--reason", "maintenance")
    assert ended.returncode == 0 and ended.stdout.startswith(f"terminated execSessions/{live[0]}"), ended.stderr
    assert "maintenance" in term.expect("maintenance")
    assert term.wait() != 0


def test_piped_stdin_output_and_exit_code(demo_server: EmbeddedServer) -> None:
    pod = a_pod(demo_server)
    echoed = run(demo_server, "exec", pod, *WEB, "--", "cat", stdin="hello\n")
    assert (echoed.returncode, echoed.stdout) == (0, "hello\n"), echoed.stderr
    failed = run(demo_server, "exec", pod, *WEB, "-c", "frontend", "--", "sh", "-c", "echo out; echo err >&2; exit 3")
    assert (failed.returncode, failed.stdout, failed.stderr) == (3, "out\n", "err\n")
    sessions = run(demo_server, "sessions", "--cluster", "demo").stdout.splitlines()
    mine = next(line for line in sessions if "echo out; echo err >&2; exit 3" in line)
    assert mine.split()[-1] == "3" and pod in mine
    shown = run(demo_server, "sessions", mine.split()[0])
    assert shown.stdout.startswith(f"execSessions/{mine.split()[0]} by admin") and "-> 3" in shown.stdout
    timed = run(demo_server, "exec", pod, *WEB, "--timeout", "1", "--", "sleep", "30")
    assert timed.returncode == 1 and "raise --timeout" in timed.stderr


def test_exec_policy_refuses_with_a_hint(demo_server: EmbeddedServer) -> None:
    shop = ("--cluster", "demo", "-n", "shop")
    pod = a_pod(demo_server, "shop", "app=cart")
    try:
        made = run(demo_server, "exec-policy", "set", *shop, "--deny", "cat", "--deny", "rm *")
        assert made.returncode == 0 and "deny: cat, rm *" in made.stdout, made.stderr
        refused = run(demo_server, "exec", pod, *shop, "--", "cat", "/etc/hostname")
        assert refused.returncode == 1 and "deny rule 'cat'" in refused.stderr
        assert "hint: `kubecommit exec-policy get -n NAMESPACE`" in refused.stderr
        run(demo_server, "exec-policy", "set", *shop, "--deny", "", "--no-interactive")
        assert "interactive: refused" in run(demo_server, "exec-policy", "get", *shop).stdout
        piped = run(demo_server, "exec", pod, *shop, "--", "cat", stdin="hi\n")
        assert piped.returncode == 1 and "INTERACTIVE_NOT_ALLOWED" not in piped.stderr
        assert "hint: run it without -i/-t and without piped stdin" in piped.stderr
        quiet = subprocess.run([str(KUBECOMMIT), "exec", pod, *shop, "--", "echo", "ok"], stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, env=cli_env(demo_server), timeout=60)
        assert (quiet.returncode, quiet.stdout) == (0, "ok\n"), quiet.stderr  # /dev/null is not piped stdin
    finally:
        run(demo_server, "exec-policy", "set", *shop, "--deny", "", "--interactive")


def test_exec_names_a_missing_pod(demo_server: EmbeddedServer) -> None:
    missing = run(demo_server, "exec", "no-such-pod", *WEB, "--", "true")
    assert missing.returncode == 1 and "no-such-pod" in missing.stderr and "Traceback" not in missing.stderr


def test_logs_flags(demo_server: EmbeddedServer) -> None:
    pod = a_pod(demo_server)
    tail = run(demo_server, "logs", pod, *WEB, "--tail", "5")
    assert tail.returncode == 0 and len(tail.stdout.splitlines()) == 5, tail.stderr
    assert not tail.stdout.startswith(pod)  # one pod: lines as the container wrote them, like kubectl
    assert run(demo_server, "logs", pod, *WEB, "--tail", "0").stdout == ""
    stamped = run(demo_server, "logs", pod, *WEB, "-c", "frontend", "--tail", "2", "--timestamps").stdout.splitlines()
    assert len(stamped) == 2 and all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z ", line) for line in stamped)
    workload = run(demo_server, "logs", "deploy/frontend", *WEB, "--tail", "1").stdout.splitlines()
    assert len(workload) == 3 and all(line.startswith("frontend-") and "/frontend " in line for line in workload)
    errors = run(demo_server, "logs", "-l", "app=frontend", *WEB, "--tail", "50", "--level", "error").stdout
    assert errors and all("error" in line.lower() for line in errors.splitlines())
    grepped = run(demo_server, "logs", pod, *WEB, "--tail", "50", "--grep", "status=5..").stdout.splitlines()
    assert all(re.search("status=5..", line) for line in grepped)
    recent = run(demo_server, "logs", pod, *WEB, "--since", "2s").stdout.splitlines()
    assert 0 < len(recent) < len(run(demo_server, "logs", pod, *WEB).stdout.splitlines())


def test_logs_export_is_recorded(demo_server: EmbeddedServer) -> None:
    pod = a_pod(demo_server)
    shown = run(demo_server, "logs", pod, *WEB, "-c", "frontend", "--tail", "4").stdout.splitlines()
    exported = run(demo_server, "logs", pod, *WEB, "-c", "frontend", "--tail", "4", "--export", "json")
    assert exported.returncode == 0, exported.stderr
    records = json.loads(exported.stdout)
    assert len(records) == 4 and all(r["pod"] == pod for r in records), records[:1]
    assert set(shown) & {r["raw"] for r in records}  # the same lines `logs` shows (the simulator keeps writing)
    name, counts = exported.stderr.strip().split(": ", 1)
    assert name.startswith("logExports/") and counts == f"4 entries, {len(exported.stdout.encode())} bytes"
    listed = {line.split()[0]: line for line in run(demo_server, "log-exports").stdout.splitlines()[1:]}
    assert name in listed and listed[name].split()[-3:] == ["json", "4", str(len(exported.stdout.encode()))]
    bad = run(demo_server, "logs", pod, *WEB, "--export", "xml")
    assert bad.returncode == 2 and "xml" in bad.stderr


def test_logs_previous_and_crash_loop_status(demo_server: EmbeddedServer) -> None:
    shop = ("--cluster", "demo", "-n", "shop")
    pod = a_pod(demo_server, "shop", "app=payments-worker")
    listed = run(demo_server, "get", "pods", pod, *shop).stdout.splitlines()[1].split()
    assert listed[1:3] == ["0/1", "CrashLoopBackOff"] and int(listed[3]) > 0
    previous = run(demo_server, "logs", pod, *shop, "--previous")
    assert previous.returncode == 0 and "panic:" in previous.stdout, previous.stderr
    assert "panic:" not in run(demo_server, "logs", pod, *shop, "--tail", "2").stdout


def test_logs_follow_streams_new_lines(demo_server: EmbeddedServer) -> None:
    pod = a_pod(demo_server)
    term = Terminal(demo_server, "logs", "-f", "--tail", "0", pod, *WEB)
    term.expect("\n", timeout=10)  # the simulator writes a line every half second
    term.type("\x03")
    assert term.wait() in (0, 130)


def test_logs_follow_lasts_until_interrupted(demo_server: EmbeddedServer, sim: Simulator) -> None:
    """`logs -f` keeps its request side open: the server ends a follow when the client half-closes."""
    pod = a_pod(demo_server)
    follow = subprocess.Popen([str(KUBECOMMIT), "logs", pod, *WEB, "-c", "frontend", "--tail", "1", "-f", "--prefix"],
                              stdout=subprocess.PIPE, text=True, env=cli_env(demo_server))
    try:
        assert follow.stdout is not None and follow.stdout.readline().startswith(f"{pod}/frontend ")
        marker = f"followed-{uuid.uuid4().hex[:6]}"
        sim.append_log("web", pod, "frontend", [marker])
        while marker not in (line := follow.stdout.readline()):
            assert line, "the follow ended"
        assert follow.poll() is None
    finally:
        follow.terminate()
        follow.wait(10)


def test_cp_both_ways(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    pod = a_pod(demo_server)
    local = tmp_path / "note.txt"
    local.write_text(f"note {uuid.uuid4().hex}\n")
    up = run(demo_server, "cp", str(local), f"{pod}:/tmp/note.txt", *WEB)
    assert up.returncode == 0, up.stderr
    assert run(demo_server, "exec", pod, *WEB, "--", "cat", "/tmp/note.txt").stdout == local.read_text()
    down = run(demo_server, "cp", f"{pod}:/tmp/note.txt", str(tmp_path / "back.txt"), *WEB)
    assert down.returncode == 0 and (tmp_path / "back.txt").read_text() == local.read_text(), down.stderr
    folder = tmp_path / "dir"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.txt").write_text("a\n")
    assert run(demo_server, "cp", str(folder), f"{pod}:/tmp", *WEB).returncode == 0
    fetched = run(demo_server, "cp", f"{pod}:/tmp/dir", str(tmp_path / "copy"), *WEB)
    assert fetched.returncode == 0 and (tmp_path / "copy" / "dir" / "sub" / "a.txt").read_text() == "a\n", fetched.stderr
    listed = run(demo_server, "ls", f"{pod}:/tmp/dir", *WEB, "-R").stdout.splitlines()
    assert any(line.startswith("drwx") and line.endswith("/tmp/dir/sub") for line in listed)
    assert any(line.startswith("-rw") and line.endswith("/tmp/dir/sub/a.txt") for line in listed)

    removed = run(demo_server, "rm", f"{pod}:/tmp/note.txt", *WEB)
    assert removed.returncode == 0 and removed.stdout == f"removed {pod}:/tmp/note.txt\n", removed.stderr
    assert run(demo_server, "exec", pod, *WEB, "--", "cat", "/tmp/note.txt").returncode != 0
    refused = run(demo_server, "rm", f"{pod}:/tmp/dir", *WEB)  # a directory needs -r
    assert refused.returncode != 0 and refused.stderr.startswith("error: ") and "/tmp/dir" in refused.stderr
    assert run(demo_server, "rm", "-r", f"{pod}:/tmp/dir", *WEB).returncode == 0
    assert "/tmp/dir" not in run(demo_server, "ls", f"{pod}:/tmp", *WEB).stdout
