"""`kubecommit serve --demo`: a kubesim cluster in the same process, registered as `clusters/demo`
through the ClustersService API like any other cluster (the server never imports kubesim).

The simulator listens on a new port at every start, so on a restart with the same data directory
the registration's kubeconfig is replaced (UpdateCluster) instead of the cluster being re-created.
"""

from __future__ import annotations

import grpc

from kubecommit.v1 import clusters_pb2, clusters_pb2_grpc
from kubesim import Simulator
from server.config import Settings
from server.runtime import ADMIN_TOKEN_FILE

DEMO = "demo"


def start_simulator() -> Simulator:
    return Simulator(seed=True).start()


def _channel(address: str, settings: Settings) -> grpc.aio.Channel:
    if settings.tls_cert is None:
        return grpc.aio.insecure_channel(address)
    credentials = grpc.ssl_channel_credentials(root_certificates=settings.tls_cert.read_bytes())
    return grpc.aio.secure_channel(address, credentials)


async def register(address: str, settings: Settings, sim: Simulator) -> str:
    """Registers (or re-points) `clusters/demo`; returns what was done, for the console."""
    token_file = settings.data_dir / ADMIN_TOKEN_FILE
    if not token_file.exists():
        return f"demo cluster not registered: {token_file} is gone (register it with CreateCluster)"
    metadata = (("authorization", f"Bearer {token_file.read_text().strip()}"),)
    kubeconfig = sim.kubeconfig_text(DEMO)
    async with _channel(address.replace("0.0.0.0", "127.0.0.1"), settings) as channel:
        stub = clusters_pb2_grpc.ClustersServiceStub(channel)
        try:
            current = await stub.GetCluster(clusters_pb2.GetClusterRequest(name=f"clusters/{DEMO}"),
                                            metadata=metadata)
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.NOT_FOUND:
                raise
            await stub.CreateCluster(clusters_pb2.CreateClusterRequest(
                cluster_id=DEMO, cluster=clusters_pb2.Cluster(
                    display_name="kubesim demo cluster", provider=clusters_pb2.PROVIDER_OTHER, region="local",
                    tags={"demo": "true"}, description="kubesim, started by `kubecommit serve --demo`",
                    kubeconfig=kubeconfig)), metadata=metadata)
            return f"demo cluster registered as clusters/{DEMO} ({sim.url})"
        if current.server == sim.url:
            return f"demo cluster clusters/{DEMO} already registered ({sim.url})"
        await stub.UpdateCluster(clusters_pb2.UpdateClusterRequest(
            cluster=clusters_pb2.Cluster(name=f"clusters/{DEMO}", kubeconfig=kubeconfig, context=DEMO),
            update_mask={"paths": ["kubeconfig", "context"]}), metadata=metadata)
        return f"demo cluster clusters/{DEMO} now points at {sim.url}"


async def serve(settings: Settings) -> None:
    """The server with a demo cluster beside it, until SIGTERM/SIGINT; the simulator stops with it."""
    import asyncio

    from server.app import serve as run_server

    sim = start_simulator()
    print(f"kubesim demo cluster listening on {sim.url}", flush=True)
    try:
        started: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        server = asyncio.create_task(run_server(settings, started))
        await asyncio.wait([server, started], return_when=asyncio.FIRST_COMPLETED)
        if started.done():
            try:
                print(await register(started.result(), settings, sim), flush=True)
            except grpc.aio.AioRpcError as error:
                print(f"demo cluster not registered: {error.code().name}: {error.details()}", flush=True)
        await server
    finally:
        sim.stop()
