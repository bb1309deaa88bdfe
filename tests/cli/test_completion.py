"""Shell completion: sub-commands, and cluster names, resource types, namespaces and pod names
asked of the server while typing."""

from __future__ import annotations

from server.embedded import EmbeddedServer
from tests.cli.support import run


def complete(server: EmbeddedServer, line: str) -> list[str]:
    """What bash would offer for the last word of `line` (typer's bash protocol)."""
    words = line.split(" ")
    result = run(server, *[], _KUBECOMMIT_COMPLETE="complete_bash", COMP_WORDS=line, COMP_CWORD=str(len(words) - 1))
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_completion_of_commands_and_server_names(demo_server: EmbeddedServer) -> None:
    assert complete(demo_server, "kubecommit roll") == ["rollback"]
    assert "demo" in complete(demo_server, "kubecommit get pods --cluster ")
    assert complete(demo_server, "kubecommit get deploym") == ["deployments", "deployments.apps"]
    assert {"web", "shop", "default"} <= set(complete(demo_server, "kubecommit get pods --cluster demo -n "))
    pods = complete(demo_server, "kubecommit logs --cluster demo -n web front")
    assert len(pods) == 3 and all(p.startswith("frontend-") for p in pods)
    assert complete(demo_server, "kubecommit exec --cluster demo -n shop front") == []


def test_completion_stays_quiet_without_a_server(demo_server: EmbeddedServer) -> None:
    result = run(demo_server, _KUBECOMMIT_COMPLETE="complete_bash", COMP_WORDS="kubecommit get pods --cluster ",
                 COMP_CWORD="4", KUBECOMMIT_SERVER="127.0.0.1:1")
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "", "")
