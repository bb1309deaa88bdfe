"""QuotasService tests reuse the job-system fixtures: a server with jobs on and the session's
kubesim registered under a fresh cluster id, and a local webhook receiver."""

from __future__ import annotations

from typing import Any

from kubecommit.v1 import quotas_pb2_grpc
from server.embedded import EmbeddedServer
from tests.jobs.conftest import jobs_server, kubeconfig, operations_stub, receiver, stub, versions_stub  # noqa: F401


def quotas_stub(server: EmbeddedServer) -> Any:
    return stub(server, quotas_pb2_grpc.QuotasServiceStub)
