"""The cluster-access layer: one place that turns a kubeconfig into API clients, pools them per
cluster, bounds and retries every call, keeps discovery fresh, and translates Kubernetes errors
into the server's domain errors. It works the same against any API server (or in-cluster).

Every call runs on a dedicated thread pool (the official client blocks), so the gRPC event loop
never waits on a cluster.
"""

from server.kube.connection import ClusterConnection
from server.kube.kubeconfig import Kubeconfig, parse_kubeconfig
from server.kube.normalize import normalize
from server.kube.pool import ClusterPool
from server.kube.resources import ApiResource

__all__ = ["ApiResource", "ClusterConnection", "ClusterPool", "Kubeconfig", "normalize", "parse_kubeconfig"]
