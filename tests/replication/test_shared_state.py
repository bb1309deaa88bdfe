"""Two `kubecommit serve` processes sharing one PostgreSQL (`database_url`): a token created
through one replica's AdminService authenticates at the other, and each replica's audit rows are
read back through the other, over real gRPC channels."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import grpc
import jwt
import pytest

from kubecommit.v1 import admin_pb2 as pb, admin_pb2_grpc
from server.probe import check
from tests.replication.test_failover import HMAC_KEY, auth, wait
from tests.support.gitremote import free_port
from tests.support.postgres import PostgresServer


@pytest.fixture()
def replicas(tmp_path: Path, postgres: PostgresServer) -> Iterator[list[str]]:
    (tmp_path / "jwt.key").write_bytes(HMAC_KEY)
    env = {**os.environ, "KUBECOMMIT_STORE_KEY": base64.b64encode(os.urandom(32)).decode(),
           "KUBECOMMIT_JWT_KEY": str(tmp_path / "jwt.key"), "KUBECOMMIT_JOBS_ENABLED": "false",
           "KUBECOMMIT_DATABASE_URL": postgres.new_database()}
    addresses, processes = [], []
    for name in ("a", "b"):
        address = f"127.0.0.1:{free_port()}"
        processes.append(subprocess.Popen(
            [str(Path(sys.executable).parent / "kubecommit"), "serve", "--listen", address,
             "--data-dir", str(tmp_path / name), "--log-format", "json"],
            env=env, stdout=(tmp_path / f"{name}.log").open("wb"), stderr=subprocess.STDOUT))
        addresses.append(address)
    try:
        for address in addresses:
            wait(lambda: check(address, timeout=1), f"{address} never served", seconds=90)
        yield addresses
    finally:
        for process in processes:
            process.terminate()
            process.wait(15)
    logs = "".join((tmp_path / f"{n}.log").read_text() for n in ("a", "b"))
    assert postgres.password not in logs


def admin(address: str) -> tuple[grpc.Channel, admin_pb2_grpc.AdminServiceStub]:
    channel = grpc.insecure_channel(address)
    return channel, admin_pb2_grpc.AdminServiceStub(channel)


def test_replicas_share_tokens_and_audit(replicas: list[str]) -> None:
    ops = jwt.encode({"sub": "ops", "role": "admin", "exp": int(time.time()) + 600}, HMAC_KEY, "HS256")
    channel_a, a = admin(replicas[0])
    channel_b, b = admin(replicas[1])
    with channel_a, channel_b:
        created = a.CreateToken(pb.CreateTokenRequest(token=pb.Token(display_name="shared", role="admin")),
                                metadata=auth(ops), timeout=15)
        # Replica b never saw the CreateToken call, yet the token authenticates there.
        listed = b.ListTokens(pb.ListTokensRequest(), metadata=auth(created.secret), timeout=15)
        assert created.token.name in [t.name for t in listed.tokens]
        b.DeleteToken(pb.DeleteTokenRequest(name=created.token.name), metadata=auth(ops), timeout=15)
        # Revoked through b: refused at a on the next call.
        with pytest.raises(grpc.RpcError) as refused:
            a.ListTokens(pb.ListTokensRequest(), metadata=auth(created.secret), timeout=15)
        assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
        # Both replicas' audit rows are in the one database, read back through either.
        for stub in (a, b):
            rpcs = [e.rpc for e in stub.ListAuditEntries(pb.ListAuditEntriesRequest(filter='caller = "ops"'),
                                                          metadata=auth(ops), timeout=15).audit_entries]
            assert any(r.endswith("CreateToken") for r in rpcs) and any(r.endswith("DeleteToken") for r in rpcs)
