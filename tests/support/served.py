"""`kubecommit serve` in a process of its own, as operators run it: signals, exit codes and a
shutdown are real."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from server.versions.intents import CRASH_ENV
from tests.support.auth import with_token

KUBECOMMIT = Path(sys.executable).parent / "kubecommit"


class Served:
    """`stop()` ends it with SIGTERM. `env` adds to the environment (a test hook, a setting);
    cluster calls time out after 2 s, so tests of unreachable clusters stay short."""

    def __init__(self, data: Path, env: dict[str, str] | None = None) -> None:
        environ = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
        environ["KUBECOMMIT_CLUSTER_TIMEOUT_SECONDS"] = "2"
        environ.update(env or {})
        self.process = subprocess.Popen(
            [str(KUBECOMMIT), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(data), "--log-format", "text"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        match = re.search(r"listening on (\S+)", line)
        if not match:
            self.process.kill()
            pytest.fail(f"server did not start: {line!r} {self.process.communicate()[1]}")
        self.address = match.group(1)
        self.channel = grpc.insecure_channel(self.address)
        self.stderr = ""  # what it logged, once stopped

    def as_token(self, token: str) -> grpc.Channel:
        return with_token(self.channel, token)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then the exit code (what it logged in `stderr`); TimeoutExpired (the process
        killed) when it does not exit within `timeout` (a loaded machine: shutdown drains calls,
        closes stores). A stop that overruns the server's own limit exits 1 with the stacks of
        what it waited for in `stderr`."""
        self.channel.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        # Read both pipes while it shuts down: waiting without reading would leave a server that
        # logged more than a pipe holds blocked on its own log line, never exiting.
        try:
            _, self.stderr = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise
        return self.process.returncode
