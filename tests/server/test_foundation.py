"""The server's promises that hold for every service: health, reflection, request ids, request
checks, error details, limits, shutdown. All through real channels to real servers."""

from __future__ import annotations

import threading
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from kubecommit.v1 import clusters_pb2, clusters_pb2_grpc, containers_pb2, containers_pb2_grpc
from server.errors import InvalidArgument
from server.services import SERVICES
from server.validation import check_request
from tests.support.status import details

SERVICE_NAMES = {
    f"kubecommit.v1.{name}" for name in (
        "ClustersService", "ContainersService", "YamlVersionsService", "QuotasService",
        "LabelsService", "AffinityService", "CrdService", "McpService", "AdminService",
        "OperationsService",
    )
}


def test_every_service_is_registered_and_serving(anonymous_channel: grpc.Channel) -> None:
    assert {e.full_name for e in SERVICES} == SERVICE_NAMES
    health = health_pb2_grpc.HealthStub(anonymous_channel)
    for name in ["", *sorted(SERVICE_NAMES)]:
        reply = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING, name
    with pytest.raises(grpc.RpcError) as failure:
        health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND


def test_reflection_lists_every_service(anonymous_channel: grpc.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(anonymous_channel)
    replies = list(stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5))
    listed = {s.name for s in replies[0].list_services_response.service}
    assert SERVICE_NAMES <= listed
    assert "grpc.health.v1.Health" in listed


def test_reflection_can_be_switched_off(server_factory) -> None:
    embedded = server_factory(reflection=False)
    with grpc.insecure_channel(embedded.address) as ch:
        stub = reflection_pb2_grpc.ServerReflectionStub(ch)
        with pytest.raises(grpc.RpcError) as failure:
            list(stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5))
    assert failure.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_missing_required_field_names_the_field(channel: grpc.Channel) -> None:
    stub = containers_pb2_grpc.ContainersServiceStub(channel)
    with pytest.raises(grpc.RpcError) as failure:
        stub.Exec(containers_pb2.ExecRequest(container="clusters/a/namespaces/b/pods/c/containers/d"), timeout=5)
    got = details(failure.value)
    assert got.code == grpc.StatusCode.INVALID_ARGUMENT
    assert got.violations == {"command": "required field is empty"}
    assert got.reason == "INVALID_REQUEST"
    assert got.metadata["request_id"]


def test_nested_required_fields_are_named_by_path() -> None:
    start = containers_pb2.ExecStreamRequest(start=containers_pb2.ExecStart(command=["sh"]))
    with pytest.raises(InvalidArgument) as failure:
        check_request(start)
    assert [(v.field, v.description) for v in failure.value.violations] == [
        ("start.container", "required field is empty")
    ]
    check_request(containers_pb2.ExecStreamRequest(stdin=b"ls\n"))


def test_unknown_fields_are_refused(channel: grpc.Channel) -> None:
    raw = clusters_pb2.GetClusterRequest(name="clusters/x").SerializeToString()
    raw += bytes([(99 << 3 | 0) & 0x7F | 0x80, 99 >> 4, 1])  # field 99, varint 1
    call = channel.unary_unary("/kubecommit.v1.ClustersService/GetCluster",
                               request_serializer=lambda b: b, response_deserializer=lambda b: b)
    with pytest.raises(grpc.RpcError) as failure:
        call(raw, timeout=5)
    got = details(failure.value)
    assert got.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "unknown field number(s) [99]" in got.violations["request"]


def test_request_id_is_echoed_or_made(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    _, call = health.Check.with_call(health_pb2.HealthCheckRequest(), metadata=[("x-request-id", "req-42")], timeout=5)
    assert ("x-request-id", "req-42") in call.trailing_metadata()
    _, call = health.Check.with_call(health_pb2.HealthCheckRequest(), metadata=[("x-request-id", "bad id!")], timeout=5)
    made = dict(call.trailing_metadata())["x-request-id"]
    assert len(made) == 32 and made != "bad id!"


def test_oversized_message_is_resource_exhausted(server_factory) -> None:
    embedded = server_factory(max_receive_message_bytes=4096)
    with grpc.insecure_channel(embedded.address) as ch:
        stub = clusters_pb2_grpc.ClustersServiceStub(ch)
        with pytest.raises(grpc.RpcError) as failure:
            stub.GetCluster(clusters_pb2.GetClusterRequest(name="clusters/" + "x" * 10000), timeout=5)
        assert failure.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        # The server is still there.
        health = health_pb2_grpc.HealthStub(ch)
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING


def test_garbage_bytes_do_not_kill_the_server(channel: grpc.Channel) -> None:
    call = channel.unary_unary("/kubecommit.v1.ClustersService/GetCluster",
                               request_serializer=lambda b: b, response_deserializer=lambda b: b)
    with pytest.raises(grpc.RpcError) as failure:
        call(b"\xff\xff\xff\xff", timeout=5)
    got = details(failure.value)
    assert got.code == grpc.StatusCode.INVALID_ARGUMENT
    assert got.reason == "MALFORMED_REQUEST"
    health = health_pb2_grpc.HealthStub(channel)
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING


def test_shutdown_reports_not_serving_before_stopping(server_factory) -> None:
    embedded = server_factory()
    seen: list[int] = []
    with grpc.insecure_channel(embedded.address) as ch:
        watch = health_pb2_grpc.HealthStub(ch).Watch(health_pb2.HealthCheckRequest(service=""), timeout=10)

        def read() -> None:
            try:
                for reply in watch:
                    seen.append(reply.status)
            except grpc.RpcError:
                pass

        reader = threading.Thread(target=read)
        reader.start()
        deadline = time.monotonic() + 5
        while not seen and time.monotonic() < deadline:
            time.sleep(0.01)
        embedded.stop(grace=1)
        reader.join(10)
    assert seen[0] == health_pb2.HealthCheckResponse.SERVING
    assert health_pb2.HealthCheckResponse.NOT_SERVING in seen
