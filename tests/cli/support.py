"""Driving the `kubecommit` console script as a person would: a subprocess with its own config
file, plain pipes or a real pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

from server.embedded import EmbeddedServer

KUBECOMMIT = Path(sys.executable).parent / "kubecommit"


def cli_env(server: EmbeddedServer | None, config: Path | None = None, **extra: str) -> dict[str, str]:
    """A clean environment: the test's server and data dir, no token, no user config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBECOMMIT_") and k != "NO_COLOR"}
    env.update(COLUMNS="200", KUBECOMMIT_CONFIG=str(config or "/nonexistent/kubecommit/config.yaml"))
    if server is not None:
        env.update(KUBECOMMIT_SERVER=server.address, KUBECOMMIT_DATA_DIR=str(server.settings.data_dir))
    env.update(extra)
    return env


def run(server: EmbeddedServer | None, *args: str, stdin: str | None = None, config: Path | None = None,
        timeout: float = 60, cwd: Path | None = None, **extra: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(KUBECOMMIT), *args], input=stdin if stdin is not None else "", capture_output=True,
                          text=True, env=cli_env(server, config, **extra), timeout=timeout, cwd=cwd)


def deployment(name: str, image: str, replicas: int = 1, namespace: str = "default") -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {namespace}, labels: {{app: {name}}}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec: {{containers: [{{name: web, image: "{image}"}}]}}
"""


def a_pod(server: EmbeddedServer, namespace: str = "web", selector: str = "app=frontend") -> str:
    """The name of a running seeded pod, read through the CLI itself."""
    names = run(server, "get", "pods", "--cluster", "demo", "-n", namespace, "-l", selector, "-o", "name")
    assert names.returncode == 0, names.stderr
    return names.stdout.split()[0].removeprefix("pod/")


class Terminal:
    """The CLI under a real pseudo-terminal (its controlling tty), typed at like a person would."""

    def __init__(self, server: EmbeddedServer, *args: str, rows: int = 24, cols: int = 80,
                 cwd: Path | None = None, **extra: str) -> None:
        env = cli_env(server, **extra)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the pty is its stdin/stdout/stderr and controlling terminal
            try:
                if cwd is not None:
                    os.chdir(cwd)
                os.execve(str(KUBECOMMIT), [str(KUBECOMMIT), *args], env)
            finally:
                os._exit(127)
        self.resize(rows, cols)
        self.output = b""

    def resize(self, rows: int, cols: int) -> None:
        """Like a terminal window resized: the kernel sends SIGWINCH to the foreground process."""
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def expect(self, needle: str, timeout: float = 20) -> str:
        """Reads until `needle` appeared (after what was already matched); returns the new output."""
        start = len(self.output)
        deadline = time.monotonic() + timeout
        while needle.encode() not in self.output[start:]:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
                raise AssertionError(f"{needle!r} not seen; output so far: {self.output[start:]!r}")
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            if not chunk:
                raise AssertionError(f"terminal closed before {needle!r}; output: {self.output[start:]!r}")
            self.output += chunk
        return self.output[start:].decode(errors="replace")

    def wait(self, timeout: float = 20) -> int:
        """The exit code; output still pending is drained so the child never blocks on it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            if select.select([self.fd], [], [], 0.1)[0]:
                try:
                    self.output += os.read(self.fd, 4096)
                except OSError:
                    pass
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)
        raise AssertionError(f"the CLI did not exit; output: {self.output!r}")
