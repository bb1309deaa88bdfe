"""The health watch raises alerts by itself: an unreachable cluster (critical), crash-looping pods
(one warning each, from the seeded crash loop); they resolve when the condition clears."""

from __future__ import annotations

import socket

from kubecommit.v1 import operations_pb2 as pb
from tests.jobs.conftest import operations_stub, wait_for
from tests.support.clusters import register_cluster


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_cluster_and_crash_loops_raise_alerts(jobs_server, sim) -> None:
    server, cluster = jobs_server(health_schedule="every 1s", cluster_timeout_seconds=2)
    port = sim.kubeconfig_text("demo").split("127.0.0.1:", 1)[1].split("\n", 1)[0].split("/", 1)[0]
    register_cluster(server, "gone", sim.kubeconfig_text("demo").replace(f"127.0.0.1:{port}",
                                                                         f"127.0.0.1:{_closed_port()}"))
    ops = operations_stub(server)

    def alerts(filter_: str):
        return list(ops.ListAlerts(pb.ListAlertsRequest(filter=filter_)).alerts)
    gone = wait_for(lambda: alerts("rule=cluster-health subject=clusters/gone"))
    assert gone and gone[0].severity == pb.ALERT_SEVERITY_CRITICAL and gone[0].state == pb.ALERT_STATE_FIRING
    loops = wait_for(lambda: alerts(f"rule=cluster-health-crashloop subject=clusters/{cluster}/*"))
    assert loops and all(a.severity == pb.ALERT_SEVERITY_WARNING for a in loops)
    assert all("/pods/" in a.subject for a in loops)

    # The cluster leaves the registry: its condition is gone, and so is the alert on the next run.
    server.run(server.server.runtime.clusters.delete("gone"))
    assert wait_for(lambda: alerts("rule=cluster-health subject=clusters/gone state=resolved"))
