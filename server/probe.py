"""Health probe for containers: `python -m server.probe [HOST:PORT] [--service NAME]` exits 0 when
the gRPC health service answers SERVING, 1 otherwise. Used by the image's HEALTHCHECK and the
Kubernetes exec probes: the server listens on loopback inside its pod, where the kubelet's own
gRPC probe cannot reach, and this needs nothing but what the image already has."""

from __future__ import annotations

import argparse
import os
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def check(address: str, service: str = "", timeout: float = 3.0) -> bool:
    with grpc.insecure_channel(address) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.RpcError:
            return False
    return reply.status == health_pb2.HealthCheckResponse.SERVING


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.probe", description=__doc__)
    parser.add_argument("address", nargs="?", default=os.environ.get("KUBECOMMIT_LISTEN", "127.0.0.1:50051"))
    parser.add_argument("--service", default="", help="a service name; empty = the whole server")
    parser.add_argument("--timeout", type=float, default=3.0)
    args = parser.parse_args(argv)
    return 0 if check(args.address, args.service, args.timeout) else 1


if __name__ == "__main__":
    sys.exit(main())
