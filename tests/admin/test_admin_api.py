"""AdminService through real channels against a server with kubesim registered: tokens made,
listed and revoked through the API (and really working, then really not), the audit log read
and filtered with the peer and targets of each row, a live interactive exec ended by an admin,
non-admins refused, and every admin call itself in the audit log."""

from __future__ import annotations

import uuid
from typing import Callable, Iterator

import grpc
import pytest
from google.protobuf import duration_pb2

from kubecommit.v1 import admin_pb2 as pb
from kubecommit.v1 import admin_pb2_grpc, containers_pb2, containers_pb2_grpc, yaml_versions_pb2
from kubecommit.v1 import yaml_versions_pb2_grpc
from kubesim import Simulator
from server.embedded import EmbeddedServer
from tests.containers.test_exec import Terminal
from tests.support.auth import admin_token, make_token, with_token
from tests.support.clusters import register_cluster
from tests.support.status import details

WEB = "clusters/demo/namespaces/web"


@pytest.fixture(scope="module")
def admin_server(server_factory: Callable[..., EmbeddedServer], sim: Simulator) -> EmbeddedServer:
    embedded = server_factory(rate_limit_per_second=0, max_streams_per_caller=0)
    register_cluster(embedded, "demo", sim.kubeconfig_text("demo"))
    return embedded


@pytest.fixture()
def raw(admin_server: EmbeddedServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(admin_server.address) as ch:
        yield ch


@pytest.fixture()
def admin(raw: grpc.Channel, admin_server: EmbeddedServer) -> admin_pb2_grpc.AdminServiceStub:
    return admin_pb2_grpc.AdminServiceStub(with_token(raw, admin_token(admin_server.settings.data_dir)))


def rid() -> str:
    return f"adm-{uuid.uuid4().hex[:12]}"


def meta(request_id: str) -> list[tuple[str, str]]:
    return [("x-request-id", request_id)]


def entries(admin: admin_pb2_grpc.AdminServiceStub, filter_text: str, page_size: int = 0) -> list[pb.AuditEntry]:
    return list(admin.ListAuditEntries(pb.ListAuditEntriesRequest(filter=filter_text, page_size=page_size))
                .audit_entries)


def test_token_created_through_the_api_works_within_its_scope_until_revoked(admin, raw) -> None:
    name = f"ci-{uuid.uuid4().hex[:6]}"
    created = admin.CreateToken(pb.CreateTokenRequest(token=pb.Token(
        display_name=name, role="operator", namespaces=["web"], ttl=duration_pb2.Duration(seconds=3600))))
    token = created.token
    assert created.secret.startswith(f"kc_{token.name.removeprefix('tokens/')}_")
    assert token.state == pb.Token.STATE_ACTIVE and list(token.namespaces) == ["web"]
    assert 3500 < token.expire_time.seconds - token.create_time.seconds <= 3600

    containers = containers_pb2_grpc.ContainersServiceStub(with_token(raw, created.secret))
    listed = containers.ListContainers(containers_pb2.ListContainersRequest(parent=WEB))
    assert listed.containers  # the new token authenticates and reaches its namespace
    with pytest.raises(grpc.RpcError) as outside:
        containers.ListContainers(containers_pb2.ListContainersRequest(parent="clusters/demo/namespaces/shop"))
    assert details(outside.value).reason == "OUT_OF_SCOPE"

    found = admin.ListTokens(pb.ListTokensRequest(filter=f'display_name = "{name}" AND state = STATE_ACTIVE'))
    assert [t.name for t in found.tokens] == [token.name]
    assert created.secret not in str(found)

    revoked = admin.DeleteToken(pb.DeleteTokenRequest(name=token.name))
    assert revoked.state == pb.Token.STATE_REVOKED and revoked.revoke_time.seconds > 0
    with pytest.raises(grpc.RpcError) as after:
        containers.ListContainers(containers_pb2.ListContainersRequest(parent=WEB))
    assert after.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert not admin.ListTokens(pb.ListTokensRequest(filter=f'display_name = "{name}" AND state = ACTIVE')).tokens
    with pytest.raises(grpc.RpcError) as again:
        admin.DeleteToken(pb.DeleteTokenRequest(name=token.name))
    assert again.value.code() == grpc.StatusCode.NOT_FOUND


def test_bad_token_requests_name_the_field(admin) -> None:
    for token, field in ((pb.Token(display_name="x y", role="viewer"), "token.display_name"),
                         (pb.Token(display_name="ok", role="root"), "token.role"),
                         (pb.Token(display_name="ok", role="viewer", clusters=["../x"]), "token.clusters"),
                         (pb.Token(display_name="ok", role="viewer", ttl=duration_pb2.Duration(seconds=-5)),
                          "token.ttl")):
        with pytest.raises(grpc.RpcError) as error:
            admin.CreateToken(pb.CreateTokenRequest(token=token))
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in details(error.value).violations
    with pytest.raises(grpc.RpcError) as error:
        admin.DeleteToken(pb.DeleteTokenRequest(name="tokens/../admin"))
    assert "name" in details(error.value).violations


def test_tokens_list_pages(admin) -> None:
    prefix = f"pg-{uuid.uuid4().hex[:4]}"
    for i in range(3):
        admin.CreateToken(pb.CreateTokenRequest(token=pb.Token(display_name=f"{prefix}", role="viewer")))
    first = admin.ListTokens(pb.ListTokensRequest(filter=f"display_name = {prefix}", page_size=2))
    rest = admin.ListTokens(pb.ListTokensRequest(filter=f"display_name = {prefix}", page_size=2,
                                                 page_token=first.next_page_token))
    assert len(first.tokens) == 2 and len(rest.tokens) == 1 and not rest.next_page_token
    with pytest.raises(grpc.RpcError) as error:
        admin.ListTokens(pb.ListTokensRequest(filter="role = viewer", page_token=first.next_page_token))
    assert "page_token" in details(error.value).violations


@pytest.mark.parametrize("role, scoped", [("operator", False), ("viewer", False), ("admin", True)])
def test_non_admins_and_scoped_admins_are_refused(admin_server, raw, role: str, scoped: bool) -> None:
    token = make_token(admin_server, f"{role}-{uuid.uuid4().hex[:4]}", role, clusters=["demo"] if scoped else ())
    stub = admin_pb2_grpc.AdminServiceStub(with_token(raw, token))
    for call, request in ((stub.CreateToken, pb.CreateTokenRequest(token=pb.Token(display_name="x", role="admin"))),
                          (stub.ListTokens, pb.ListTokensRequest()),
                          (stub.DeleteToken, pb.DeleteTokenRequest(name="tokens/0123456789abcdef")),
                          (stub.ListAuditEntries, pb.ListAuditEntriesRequest()),
                          (stub.TerminateExecSession, pb.TerminateExecSessionRequest(name="execSessions/x"))):
        with pytest.raises(grpc.RpcError) as error:
            call(request)
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert details(error.value).reason == ("SCOPED_TOKEN" if scoped else "MISSING_PERMISSION")


def test_audit_rows_carry_peer_and_targets_and_filter_through_the_api(admin_server, admin, raw) -> None:
    versions = yaml_versions_pb2_grpc.YamlVersionsServiceStub(with_token(raw, admin_token(admin_server.settings.data_dir)))
    request_id = rid()
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: audited}\ndata: {password: not-in-audit}\n"
    versions.ApplyManifest(yaml_versions_pb2.ApplyManifestRequest(cluster="clusters/demo", namespace="web",
                                                                  manifest=manifest), metadata=meta(request_id))
    (row,) = entries(admin, f'request_id = "{request_id}"')
    assert row.rpc == "/kubecommit.v1.YamlVersionsService/ApplyManifest" and row.code == "OK"
    assert row.peer.startswith("ipv4:127.0.0.1:") and row.caller == "admin"
    assert f"{WEB}/configmaps/audited" in row.targets
    assert list(row.clusters) == ["demo"] and "web" in row.namespaces
    assert "not-in-audit" not in str(row)
    assert row.name.startswith("auditEntries/") and row.duration.ToNanoseconds() > 0

    narrowed = entries(admin, f'cluster = "clusters/demo" AND namespace = web AND caller = admin AND '
                              f'rpc = ApplyManifest AND target = "{WEB}/configmaps/audited"')
    assert request_id in [e.request_id for e in narrowed]
    assert not entries(admin, f'request_id = "{request_id}" AND namespace = "shop"')
    assert not entries(admin, f'request_id = "{request_id}" AND time < "2000-01-01T00:00:00Z"')
    assert entries(admin, f'request_id = "{request_id}" AND time >= "2000-01-01T00:00:00Z"')
    assert request_id not in [e.request_id for e in entries(admin, "code != OK")]

    first = admin.ListAuditEntries(pb.ListAuditEntriesRequest(page_size=1))
    second = admin.ListAuditEntries(pb.ListAuditEntriesRequest(page_size=1, page_token=first.next_page_token))
    assert int(first.audit_entries[0].name.split("/")[1]) > int(second.audit_entries[0].name.split("/")[1])

    for bad in ("secret = x", "caller ~ x", "time = x", 'time >= "yesterday"', "caller = a OR caller = b"):
        with pytest.raises(grpc.RpcError) as error:
            entries(admin, bad)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "filter" in details(error.value).violations


def test_admin_terminates_a_live_interactive_exec(admin_server, admin, raw) -> None:
    stub = containers_pb2_grpc.ContainersServiceStub(with_token(raw, admin_token(admin_server.settings.data_dir)))
    target = next(c.name for c in stub.ListContainers(containers_pb2.ListContainersRequest(
        parent=WEB, label_selector="app=frontend")).containers if c.state == "running")
    term = Terminal(stub, containers_pb2.ExecStart(container=target, command=["sh"], tty=True, stdin=True))
    session = next(term.responses).session
    term.read_until(b"# ")
    request_id = rid()
    ended = admin.TerminateExecSession(pb.TerminateExecSessionRequest(name=session, reason="incident 42"),
                                       metadata=meta(request_id))
    with pytest.raises(grpc.RpcError) as error:
        term.read_until(b"\x00never")
    term.outbox.put(None)
    got = details(error.value)
    assert got.code == grpc.StatusCode.ABORTED and got.reason == "SESSION_TERMINATED"
    assert got.metadata["terminated_by"] == "admin" and "incident 42" in got.message
    assert ended.name == session and "terminated by admin" in ended.error and ended.end_time.seconds > 0
    record = stub.GetExecSession(containers_pb2.GetExecSessionRequest(name=session))
    assert "terminated by admin" in record.error and record.end_time.seconds > 0
    (row,) = entries(admin, f'request_id = "{request_id}"')
    assert row.rpc.endswith("/TerminateExecSession") and session in row.targets and row.code == "OK"
    assert target in row.targets and list(row.clusters) == ["demo"] and list(row.namespaces) == ["web"]
    with pytest.raises(grpc.RpcError) as gone:
        admin.TerminateExecSession(pb.TerminateExecSessionRequest(name=session))
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND


def test_every_admin_call_is_itself_audited(admin_server, admin, raw) -> None:
    ids = {method: rid() for method in ("CreateToken", "ListTokens", "DeleteToken", "ListAuditEntries")}
    made = admin.CreateToken(pb.CreateTokenRequest(token=pb.Token(display_name="audited-token", role="viewer")),
                             metadata=meta(ids["CreateToken"]))
    admin.ListTokens(pb.ListTokensRequest(), metadata=meta(ids["ListTokens"]))
    admin.DeleteToken(pb.DeleteTokenRequest(name=made.token.name), metadata=meta(ids["DeleteToken"]))
    admin.ListAuditEntries(pb.ListAuditEntriesRequest(page_size=1), metadata=meta(ids["ListAuditEntries"]))
    viewer = admin_pb2_grpc.AdminServiceStub(with_token(raw, make_token(admin_server, "peeker", "viewer")))
    with pytest.raises(grpc.RpcError):
        viewer.ListAuditEntries(pb.ListAuditEntriesRequest(), metadata=meta(denied := rid()))
    for method, request_id in ids.items():
        (row,) = entries(admin, f'request_id = "{request_id}"')
        assert row.rpc == f"/kubecommit.v1.AdminService/{method}" and row.code == "OK" and row.caller == "admin"
    (create,) = entries(admin, f'request_id = "{ids["CreateToken"]}"')
    assert list(create.targets) == [made.token.name] and made.secret not in str(create)
    (refused,) = entries(admin, f'request_id = "{denied}"')
    assert refused.caller == "peeker" and refused.code == "PERMISSION_DENIED"
