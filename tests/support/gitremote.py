"""A git remote on loopback: `git daemon` serving a bare repository that accepts pushes, which a
test can stop and start again on the same port (a remote outage)."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class GitDaemon:
    def __init__(self, base: Path, name: str = "store.git") -> None:
        self.base = base
        self.repo = base / name
        subprocess.run(["git", "init", "-q", "--bare", str(self.repo)], check=True)
        self.port = free_port()
        self.url = f"git://127.0.0.1:{self.port}/{name}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> "GitDaemon":
        self._process = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack", "--listen=127.0.0.1",
             f"--port={self.port}", f"--base-path={self.base}", str(self.base)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return self
            except OSError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    raise RuntimeError("git daemon did not start")
                time.sleep(0.05)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None

    def git(self, *args: str) -> str:
        """A git command in the served repository (what anyone cloning the remote sees)."""
        return subprocess.run(["git", "--git-dir", str(self.repo), *args], check=True,
                              capture_output=True, text=True).stdout

    def head(self, branch: str = "main") -> str | None:
        found = subprocess.run(["git", "--git-dir", str(self.repo), "rev-parse", "--verify", "-q",
                                f"refs/heads/{branch}"], capture_output=True, text=True)
        return found.stdout.strip() or None
