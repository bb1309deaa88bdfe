"""Exec sessions and log exports are stored as JSON; rows an earlier version stored as serialized
protobuf are rewritten on start and read back through the API unchanged."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Callable

import grpc

from kubecommit.v1 import containers_pb2 as pb
from kubecommit.v1 import containers_pb2_grpc
from server.embedded import EmbeddedServer
from tests.support.auth import admin_token, with_token

# containers.db as earlier versions made it: records as serialized protobuf in BLOB columns.
LEGACY_SCHEMA = """
CREATE TABLE IF NOT EXISTS exec_sessions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, caller TEXT NOT NULL,
    container TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS exec_sessions_container ON exec_sessions(container);
CREATE TABLE IF NOT EXISTS log_exports (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, caller TEXT NOT NULL, data BLOB NOT NULL);
"""


def _legacy_rows(data_dir: Path) -> tuple[pb.ExecSession, pb.ExecSession, pb.LogExport]:
    running = pb.ExecSession(name="execSessions/old-running", caller="admin", container="clusters/c/namespaces/n/"
                             "pods/p/containers/app", command=["sh"], interactive=True, tty=True)
    running.start_time.FromSeconds(1_700_000_000)
    done = pb.ExecSession(name="execSessions/old-done", caller="bob", container="clusters/c/namespaces/n/pods/p/"
                          "containers/app", command=["false"], exit_code=0, stdout=b"\x00\xffout",
                          stderr=b"err", truncated=True, error="")
    done.start_time.FromSeconds(1_700_000_001)
    done.end_time.FromNanoseconds(1_700_000_002_000_000_123)
    export = pb.LogExport(name="logExports/old", caller="bob", format=pb.EXPORT_FORMAT_CSV, size_bytes=12,
                          entry_count=3, query=pb.LogQuery(parent="clusters/c/namespaces/n", tail_lines=5,
                                                           filter=pb.LogFilter(levels=[pb.LOG_LEVEL_ERROR],
                                                                               contains="x")))
    export.create_time.FromSeconds(1_700_000_003)
    db = sqlite3.connect(data_dir / "containers.db")
    db.executescript(LEGACY_SCHEMA)
    for s in (running, done):
        db.execute("INSERT INTO exec_sessions (id, caller, container, data) VALUES (?, ?, ?, ?)",
                   (s.name, s.caller, s.container, s.SerializeToString()))
    db.execute("INSERT INTO log_exports (id, caller, data) VALUES (?, ?, ?)",
               (export.name, export.caller, export.SerializeToString()))
    db.commit()
    db.close()
    (data_dir / "containers.db").chmod(0o600)
    return running, done, export


def test_protobuf_rows_of_an_earlier_version_are_read_back_unchanged(
        server_factory: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    running, done, export = _legacy_rows(tmp_path)
    server = server_factory(data_dir=tmp_path)
    with grpc.insecure_channel(server.address) as ch:
        stub: Any = containers_pb2_grpc.ContainersServiceStub(with_token(ch, admin_token(tmp_path)))
        assert stub.GetExecSession(pb.GetExecSessionRequest(name=done.name)) == done
        assert stub.GetExecSession(pb.GetExecSessionRequest(name=running.name)) == running
        assert not stub.GetExecSession(pb.GetExecSessionRequest(name=running.name)).HasField("exit_code")
        assert list(stub.ListExecSessions(pb.ListExecSessionsRequest(caller="bob")).sessions) == [done]
        assert list(stub.ListLogExports(pb.ListLogExportsRequest()).exports) == [export]
    db = sqlite3.connect(tmp_path / "containers.db")
    kinds = db.execute("SELECT typeof(data) FROM exec_sessions UNION ALL SELECT typeof(data) FROM log_exports")
    assert [kind for (kind,) in kinds] == ["text"] * 3
    db.close()
