"""Contexts like kubectl's: the config file says where to connect, as whom, and the default
cluster and namespace; `login` stores a checked token with mode 0600."""

from __future__ import annotations

import stat
from pathlib import Path

import yaml

from server.embedded import EmbeddedServer
from tests.cli.support import run
from tests.support.auth import admin_token


def test_contexts_login_and_defaults(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    config = tmp_path / "kc" / "config.yaml"
    empty = str(tmp_path / "no-data")  # no admin.token to fall back on: only the context's token works

    def kc(*args: str, stdin: str | None = None):
        return run(None, *args, stdin=stdin, config=config, KUBECOMMIT_DATA_DIR=empty)

    made = kc("config", "set-context", "dev", "--server", demo_server.address, "--cluster", "demo", "--namespace", "web")
    assert made.returncode == 0 and 'Context "dev" created.' in made.stdout, made.stderr
    assert kc("config", "set-context", "prod", "--server", "127.0.0.1:1").returncode == 0
    assert kc("config", "current-context").stdout == "dev\n"
    listed = kc("config", "get-contexts").stdout.splitlines()
    assert listed[0].split() == ["CURRENT", "NAME", "SERVER", "CLUSTER", "NAMESPACE"]
    assert listed[1].split() == ["*", "dev", demo_server.address, "demo", "web"]

    refused = kc("get", "pods")
    assert refused.returncode == 1 and "set KUBECOMMIT_TOKEN or run kubecommit login" in refused.stderr

    logged = kc("login", "--token-stdin", stdin=admin_token(demo_server.settings.data_dir) + "\n")
    assert logged.returncode == 0, logged.stderr
    token_file = config.parent / "tokens" / "dev"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert yaml.safe_load(config.read_text())["contexts"]["dev"]["token-file"] == str(token_file)

    pods = kc("get", "pods")  # cluster demo, namespace web, server and token: all from the context
    assert pods.returncode == 0, pods.stderr
    assert pods.stdout.splitlines()[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert all(line.startswith("frontend-") for line in pods.stdout.splitlines()[1:])

    other = kc("--context", "prod", "clusters", "list")
    assert other.returncode == 1 and "127.0.0.1:1" in other.stderr
    assert kc("config", "use-context", "prod").stdout == 'Switched to context "prod".\n'
    assert kc("config", "current-context").stdout == "prod\n"
    unknown = kc("--context", "nope", "get", "pods")
    assert unknown.returncode == 1 and "context 'nope' not found" in unknown.stderr and "dev, prod" in unknown.stderr

    view = kc("config", "view")
    assert "current-context: prod" in view.stdout and "token-file" in view.stdout
    gone = kc("config", "delete-context", "prod")
    assert gone.stdout == 'Deleted context "prod".\n' and kc("config", "current-context").returncode != 0
    assert [line.split()[0] for line in kc("config", "get-contexts").stdout.splitlines()[1:]] == ["dev"]


def test_a_wrong_token_is_not_stored(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    result = run(demo_server, "login", "--token-stdin", stdin="kc_wrong_token\n", config=config)
    assert result.returncode == 1 and "not authenticated" in result.stderr
    assert not (tmp_path / "tokens").exists()
