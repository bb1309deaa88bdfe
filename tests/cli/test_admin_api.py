"""`kubecommit token` and `kubecommit audit` through the server's AdminService (no --data-dir):
a token made, listed, used, revoked; the audit log filtered; --data-dir still reads the same
store offline."""

from __future__ import annotations

import json
from typing import Callable

from server.embedded import EmbeddedServer
from tests.cli.support import run


def _cells(line: str) -> list[str]:
    """One row of a rich table, its cells without the box characters."""
    return [cell.strip() for cell in line.split("│")[1:-1]]


def test_tokens_and_audit_through_the_api(server_factory: Callable[..., EmbeddedServer]) -> None:
    server = server_factory()
    made = run(server, "token", "create", "--name", "alice", "--role", "viewer", "--clusters", "staging",
               "--expires-in", "1h")
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert secret.startswith("kc_") and len(made.stdout.splitlines()) == 1
    assert "shown only now" in made.stderr and "clusters staging" in made.stderr and secret not in made.stderr
    token_id = secret.split("_")[1]

    listed = run(server, "token", "list")
    assert listed.returncode == 0, listed.stderr
    row = _cells(next(line for line in listed.stdout.splitlines() if token_id in line))
    assert row[:5] == [token_id, "alice", "viewer", "staging", "all"] and row[-1] == "active" and row[6]
    assert secret.split("_")[2] not in listed.stdout
    # The call goes to the server with the caller's token: a viewer may not list tokens.
    refused = run(server, "token", "list", KUBECOMMIT_TOKEN=secret)
    assert refused.returncode != 0 and "PERMISSION_DENIED" in refused.stderr.upper().replace(" ", "_"), refused.stderr

    revoked = run(server, "token", "revoke", "alice")
    assert revoked.returncode == 0 and revoked.stdout.strip() == f"revoked {token_id} (alice, viewer)", revoked.stderr
    assert run(server, "token", "revoke", "alice").returncode != 0  # no active token of that name is left
    offline = run(server, "token", "list", "--data-dir", str(server.settings.data_dir))
    assert offline.returncode == 0, offline.stderr
    assert _cells(next(line for line in offline.stdout.splitlines() if token_id in line))[-1] == "revoked"

    audit = run(server, "audit", "--rpc", "CreateToken", "--since", "1h", "--json")
    assert audit.returncode == 0, audit.stderr
    entries = [json.loads(line) for line in audit.stdout.splitlines()]
    assert [e["rpc"] for e in entries] == ["/kubecommit.v1.AdminService/CreateToken"]
    assert entries[0]["caller"] == "admin" and entries[0]["code"] == "OK"
    denied = run(server, "audit", "--result", "PERMISSION_DENIED")
    assert denied.returncode == 0, denied.stderr
    assert "AdminService/ListTokens" in denied.stdout and "alice" in denied.stdout
    assert run(server, "audit", "--caller", "nobody-at-all").stdout.count("AdminService") == 0
