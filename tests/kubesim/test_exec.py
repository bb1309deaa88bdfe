"""Exec over websocket with kubernetes.stream: exit codes, stdin, tty shell, resize, errors; and
the shell interpreter and tar directly."""

from __future__ import annotations

import asyncio
import io
import json
import tarfile
import time
from pathlib import Path

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException
from kubernetes.stream import stream

from kubesim import Simulator
from kubesim.exec.fs import FileSystem
from kubesim.exec.shell import IO, Buffer, Shell, Stdin
from kubesim.testing import api_client_from


@pytest.fixture
def core(kubesim: Simulator, kubesim_kubeconfig: Path) -> client.CoreV1Api:
    """A CoreV1Api on its own ApiClient: stream() swaps call_api on the client it uses."""
    return client.CoreV1Api(api_client_from(kubesim_kubeconfig))


def pod_name(core: client.CoreV1Api, ns: str = "web", app: str = "frontend") -> str:
    return core.list_namespaced_pod(ns, label_selector=f"app={app}").items[0].metadata.name


def run(core: client.CoreV1Api, command: list[str], ns: str = "web", pod: str | None = None,
        stdin: bytes | None = None) -> tuple[str, str, int]:
    resp = stream(core.connect_get_namespaced_pod_exec, pod or pod_name(core, ns), ns, command=command,
                  stderr=True, stdin=stdin is not None, stdout=True, tty=False, _preload_content=False)
    if stdin is not None:
        resp.write_stdin(stdin.decode())
        resp.close_channel(0)
    resp.run_forever(timeout=10)
    out, err = resp.read_stdout(), resp.read_stderr()
    return out, err, resp.returncode


def test_exec_exit_codes_and_output(core: client.CoreV1Api) -> None:
    assert run(core, ["echo", "hello", "world"]) == ("hello world\n", "", 0)
    out, err, code = run(core, ["sh", "-c", "echo out; echo err >&2 || true; exit 7"])
    assert out.startswith("out") and code == 7
    assert run(core, ["false"])[2] == 1
    out, err, code = run(core, ["no-such-binary"])
    assert code == 127 and "not found" in err
    assert run(core, ["sh", "-c", "false || echo recovered && echo chained; true"])[0] == "recovered\nchained\n"
    # Positional parameters and exec: how clients run a command in a working directory.
    out, _, code = run(core, ["sh", "-c", "cd /etc && exec \"$@\"", "sh", "sh", "-c", "pwd; echo $0 \"$1\"; exit 5",
                              "zero", "one two"])
    assert (out, code) == ("/etc\nzero one two\n", 5)


def test_exec_status_channel_payload(core: client.CoreV1Api) -> None:
    resp = stream(core.connect_get_namespaced_pod_exec, pod_name(core), "web", command=["sh", "-c", "exit 3"],
                  stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
    resp.run_forever(timeout=5)
    status = json.loads(resp.read_channel(3))
    assert status["status"] == "Failure" and status["reason"] == "NonZeroExitCode"
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]


def test_exec_stdin_and_filesystem_persists(core: client.CoreV1Api) -> None:
    pod = pod_name(core)
    out, _, code = run(core, ["cat"], pod=pod, stdin=b"piped input\n")
    assert (out, code) == ("piped input\n", 0)
    run(core, ["sh", "-c", "mkdir -p /data/x && cd /data/x && echo 42 > answer && echo more >> answer"], pod=pod)
    assert run(core, ["cat", "/data/x/answer"], pod=pod)[0] == "42\nmore\n"
    listing = run(core, ["ls", "-la", "--time-style=+%s", "/data/x"], pod=pod)[0].splitlines()
    fields = listing[-1].split()
    assert fields[0] == "-rw-r--r--" and fields[4] == "8" and abs(int(fields[5]) - time.time()) < 60
    assert fields[-1] == "answer"
    run(core, ["rm", "-rf", "/data"], pod=pod)
    assert run(core, ["ls", "/data"], pod=pod)[2] != 0


def test_exec_env_and_mounted_configmap(core: client.CoreV1Api) -> None:
    out = run(core, ["env"])[0]
    assert "API_URL=http://cart.shop.svc:8080" in out and "HOSTNAME=frontend-" in out
    assert "listen 80" in run(core, ["cat", "/etc/nginx/conf.d/nginx.conf"])[0]
    assert "DB_PASSWORD=s3cr3t-passw0rd" in run(core, ["env"], ns="shop", pod=pod_name(core, "shop", "cart"))[0]


def test_exec_tar_roundtrip(core: client.CoreV1Api) -> None:
    pod = pod_name(core)
    buf = io.BytesIO()
    payload = bytes(range(256)) * 40
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("pkg/bin.dat")
        info.size = len(payload)
        tf.addfile(info, io.BytesIO(payload))
    resp = stream(core.connect_get_namespaced_pod_exec, pod, "web", command=["tar", "xf", "-", "-C", "/opt"],
                  stderr=True, stdin=True, stdout=True, tty=False, _preload_content=False)
    resp.write_stdin(buf.getvalue())
    resp.close_channel(0)
    resp.run_forever(timeout=10)
    assert resp.returncode == 0
    assert run(core, ["stat", "-c", "%s %F", "/opt/pkg/bin.dat"], pod=pod)[0] == f"{len(payload)} regular file\n"


def test_exec_tty_interactive_shell_and_resize(core: client.CoreV1Api) -> None:
    resp = stream(core.connect_get_namespaced_pod_exec, pod_name(core), "web", command=["/bin/sh"],
                  stderr=True, stdin=True, stdout=True, tty=True, _preload_content=False)
    resp.write_channel(4, json.dumps({"Width": 132, "Height": 43}))
    resp.write_stdin("stty size\r")
    resp.write_stdin("cd /etc; pwd\r")
    resp.write_stdin("exit 5\r")
    resp.run_forever(timeout=10)
    out = resp.read_stdout()
    assert out.startswith("/ # ") and "43 132\r\n" in out and "/etc\r\n/etc # " in out
    assert "stty size\r\n" in out  # the tty echoes what was typed
    assert resp.returncode == 5


def test_exec_into_distroless_and_bad_targets(core: client.CoreV1Api, kubesim: Simulator) -> None:
    gw = pod_name(core, "shop", "api-gateway")
    out, err, code = run(core, ["sh", "-c", "ls"], ns="shop", pod=gw)
    assert code == 127 and "executable file not found" in err
    crash = pod_name(core, "shop", "payments-worker")
    for pod, container, ns, status in [("missing", None, "web", 404), (pod_name(core), "nope", "web", 400),
                                       (crash, None, "shop", 400)]:
        kwargs = {"container": container} if container else {}
        with pytest.raises(ApiException) as e:
            stream(core.connect_get_namespaced_pod_exec, pod, ns, command=["ls"], stderr=True, stdin=False,
                   stdout=True, tty=False, **kwargs)
        assert f"Handshake status {status}" in str(e.value.reason) or e.value.status == status


def shell_run(script: str, stdin: bytes = b"") -> tuple[bytes, bytes, int, Shell]:
    sh = Shell(FileSystem(), {"HOME": "/root", "NAME": "kube"})
    sh.fs.mkdir("/root", parents=True)
    out, err = Buffer(), Buffer()
    code = asyncio.run(sh.run_argv(["sh", "-c", script], IO(Stdin.from_bytes(stdin), out.write, err.write)))
    return bytes(out.data), bytes(err.data), code, sh


def test_shell_interpreter_unit() -> None:
    assert shell_run("echo $NAME '$NAME' \"${NAME}s\"")[0] == b"kube $NAME kubes\n"
    assert shell_run("false; echo $?")[0] == b"1\n"
    assert shell_run("echo a b c | wc -w")[0] == b"3\n"
    assert shell_run("cat | grep -v skip", b"keep\nskip\nkeep2\n")[0] == b"keep\nkeep2\n"
    assert shell_run("exit 4; echo never")[2] == 4
    assert shell_run("unknowncmd")[2] == 127
    out, _, code, _ = shell_run("mkdir -p /a/b && echo x > /a/b/f && tar cf - /a | tar tf -")
    assert code == 0 and out.split() == [b"a", b"a/b", b"a/b/f"]
    assert shell_run("cd /nope")[2] == 2
    out, err, _, _ = shell_run("echo to-err >&2; cat /missing 2>/dev/null; echo 'a;b' # comment")
    assert (out, err) == (b"a;b\n", b"to-err\n")
    assert shell_run("cat /missing 2>&1")[0].startswith(b"cat: can't open")


def _open(core: client.CoreV1Api, command: list[str], tty: bool) -> object:
    return stream(core.connect_get_namespaced_pod_exec, pod_name(core), "web", command=command, stderr=True,
                  stdin=True, stdout=True, tty=tty, _preload_content=False)


def _read_until(resp: object, wanted: str, timeout: float = 5) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while wanted not in seen and time.monotonic() < deadline and resp.is_open():  # type: ignore[attr-defined]
        resp.update(timeout=0.2)  # type: ignore[attr-defined]
        seen += resp.read_stdout() if resp.peek_stdout() else ""  # type: ignore[attr-defined]
    return seen


def test_non_tty_cat_echoes_each_line_as_it_reads_it(core: client.CoreV1Api) -> None:
    resp = _open(core, ["sh", "-c", "cat"], tty=False)
    resp.write_stdin("first line\n")
    assert _read_until(resp, "first line\n") == "first line\n"  # stdin still open
    resp.write_stdin("second\n")
    assert _read_until(resp, "second\n") == "second\n"
    resp.close()


@pytest.mark.parametrize("newline", ["\n", "\r"])
def test_tty_line_discipline_ends_lines_on_cr_and_lf(core: client.CoreV1Api, newline: str) -> None:
    resp = _open(core, ["sh"], tty=True)
    assert _read_until(resp, "/ # ").endswith("/ # ")
    resp.write_stdin(f"echo hi{newline}")
    assert "hi\r\n/ # " in _read_until(resp, "hi\r\n/ # ")
    resp.write_stdin(f"exit 4{newline}")
    resp.run_forever(timeout=5)
    assert resp.returncode == 4
