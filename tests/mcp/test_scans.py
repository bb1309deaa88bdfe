"""Scans through a real gRPC channel against the seeded simulator: the seeded problems are found
with remediations, a remediation becomes a draft branch that a person merges, the rescan no
longer reports it and the history says it was fixed; a viewer cannot propose."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import json_format

from kubecommit.v1 import mcp_pb2 as pb, yaml_versions_pb2 as vpb
from tests.support.status import details

CLUSTER = "clusters/demo"
GATEWAY = "clusters/demo/namespaces/shop/deployments.apps/api-gateway"


def scan(stub, **kwargs) -> tuple[list[pb.ScanClusterResponse], pb.Scan]:
    events = list(stub.ScanCluster(pb.ScanClusterRequest(name=CLUSTER, **kwargs)))
    assert events[-1].HasField("scan")
    return events[:-1], events[-1].scan


def by_rule(scan_: pb.Scan, rule: str) -> list[pb.Finding]:
    return [f for f in scan_.report.findings if f.rule == rule]


def test_a_scan_finds_the_seeded_problems_with_remediations(mcp) -> None:
    progress, result = scan(mcp)
    assert progress and all(e.HasField("progress") for e in progress)
    assert result.state == pb.SCAN_STATE_SUCCEEDED
    report = result.report
    crash = by_rule(result, "crash-loop")
    assert any("/namespaces/shop/pods/payments-worker-" in f.resource for f in crash)
    assert crash[0].evidence["last_termination_reason"] and crash[0].remediation
    limits = [f for f in by_rule(result, "missing-limits") if f.resource == GATEWAY]
    assert limits and limits[0].HasField("patch")
    secret = by_rule(result, "secret-in-env")
    assert [f.resource for f in secret] == ["clusters/demo/namespaces/ml/pods/notebook"]
    assert secret[0].evidence["secret"] == "hf-token"
    assert "hf_kubesim_example_token" not in str(result)  # the value itself is never reported
    pending = [f for f in by_rule(result, "pod-pending") if f.resource.endswith("/pods/inference")]
    assert pending and "untolerated taint" in pending[0].evidence["scheduler"]
    assert pending[0].evidence["untolerated_taints"] == "gpu=true:NoSchedule"
    assert set(report.category_scores) == {"health", "configuration", "security", "resources", "cost"}
    assert report.category_scores["health"] < 100 and report.score == min(report.category_scores.values())


def test_categories_and_namespaces_narrow_a_scan(mcp) -> None:
    _, result = scan(mcp, namespaces=["ml"], categories=["security"])
    assert {f.category for f in result.report.findings} == {"security"}
    assert all("/namespaces/ml/" in f.resource for f in result.report.findings)
    assert set(result.report.category_scores) == {"security"}


def test_bad_category_names_the_field(mcp) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        scan(mcp, categories=["health", "vibes"])
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "categories[1]" in details(caught.value).violations


def test_a_fix_becomes_a_draft_branch_that_is_merged_and_the_rescan_shows_it_fixed(mcp, mcp_viewer, versions) -> None:
    _, first = scan(mcp, namespaces=["shop"], categories=["configuration"])
    fid = next(f.id for f in by_rule(first, "missing-limits") if f.resource == GATEWAY)

    with pytest.raises(grpc.RpcError) as refused:
        mcp_viewer.ApplyRecommendations(pb.ApplyRecommendationsRequest(name=first.name, findings=[fid]))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED

    proposal = mcp.ApplyRecommendations(pb.ApplyRecommendationsRequest(name=first.name, findings=[fid]))
    assert proposal.branch.startswith("branches/fix-") and proposal.commit and list(proposal.findings) == [fid]
    [changed] = proposal.resources
    assert changed.resource == GATEWAY
    added = [line[1:].strip() for line in changed.diff.unified_diff.splitlines() if line.startswith("+")]
    assert changed.action == "configured" and "limits:" in added and {"cpu: 500m", "memory: 256Mi"} <= set(added)
    # nothing reached the cluster: a scan still sees the missing limits
    _, before_merge = scan(mcp, namespaces=["shop"], categories=["configuration"])
    assert fid in {f.id for f in before_merge.report.findings}

    merged = versions.MergeBranch(vpb.MergeBranchRequest(source=proposal.branch, message="limits for api-gateway"))
    assert merged.commit
    _, after = scan(mcp, namespaces=["shop"], categories=["configuration"])
    assert fid not in {f.id for f in after.report.findings}
    assert fid in {f.id for f in after.report.fixed}
    assert after.report.previous_scan == before_merge.name
    still = [f for f in after.report.findings if f.state == pb.FINDING_STATE_STILL_OPEN]
    assert still and all(f.first_seen_time.ToSeconds() <= after.create_time.ToSeconds() for f in still)
    compared = mcp.CompareScans(pb.CompareScansRequest(name=after.name, other=first.name))
    assert fid in {f.id for f in compared.fixed}
    assert fid not in {f.id for f in compared.still_open}


def test_history_lists_scans_newest_first_and_get_returns_the_same_findings(mcp, mcp_viewer) -> None:
    _, result = scan(mcp, namespaces=["ml"])
    listed = mcp.ListScans(pb.ListScansRequest(filter=f'cluster = "{CLUSTER}" AND state = SUCCEEDED'))
    assert listed.scans[0].name == result.name and not listed.scans[0].report.findings
    got = mcp.GetScan(pb.GetScanRequest(name=result.name))
    assert [f.id for f in got.report.findings] == [f.id for f in result.report.findings]
    assert json_format.MessageToDict(got.report.findings[0]) == json_format.MessageToDict(result.report.findings[0])
    with pytest.raises(grpc.RpcError) as missing:
        mcp.GetScan(pb.GetScanRequest(name="scans/nope"))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


def test_an_unreachable_cluster_gives_a_partial_scan_with_the_reason(mcp_server, mcp) -> None:
    from tests.support.clusters import register_cluster
    register_cluster(mcp_server, "gone", "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster:\n"
                     "    server: https://127.0.0.1:9\ncontexts:\n- name: gone\n  context:\n    cluster: gone\n"
                     "    user: gone\ncurrent-context: gone\nusers:\n- name: gone\n  user:\n    token: x\n")
    events = list(mcp.ScanCluster(pb.ScanClusterRequest(name="clusters/gone")))
    result = events[-1].scan
    assert result.state == pb.SCAN_STATE_SUCCEEDED
    assert result.report.partial and any("unreachable" in w for w in result.report.warnings)
    assert result.report.resources_scanned == 0


def test_a_namespace_scoped_caller_scans_and_sees_only_its_namespaces(mcp_server, mcp) -> None:
    from kubecommit.v1 import mcp_pb2_grpc
    from tests.support.auth import make_token, with_token
    everything = list(mcp.ScanCluster(pb.ScanClusterRequest(name=CLUSTER, categories=["security"])))[-1].scan
    token = make_token(mcp_server, "ml-viewer", "viewer", clusters=["demo"], namespaces=["ml"])
    with grpc.insecure_channel(mcp_server.address) as ch:
        scoped = mcp_pb2_grpc.McpServiceStub(with_token(ch, token))
        own = list(scoped.ScanCluster(pb.ScanClusterRequest(name=CLUSTER, categories=["security"])))[-1].scan
        assert list(own.namespaces) == ["ml"]
        assert own.report.findings and all("/namespaces/ml/" in f.resource for f in own.report.findings)
        with pytest.raises(grpc.RpcError) as outside:
            list(scoped.ScanCluster(pb.ScanClusterRequest(name=CLUSTER, namespaces=["shop"])))
        assert outside.value.code() == grpc.StatusCode.PERMISSION_DENIED
        listed = {s.name for s in scoped.ListScans(pb.ListScansRequest(page_size=100)).scans}
        assert own.name in listed and everything.name not in listed
        with pytest.raises(grpc.RpcError) as hidden:
            scoped.GetScan(pb.GetScanRequest(name=everything.name))
        assert hidden.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_scan_stopped_midway_is_kept_cancelled(mcp_server, mcp) -> None:
    """The servicer's generator closed after the first event (what a cancelled stream does)."""
    from server.context import SYSTEM_CALLER
    scanner = mcp_server.server.runtime.domains.mcp.scanner

    async def first_event_then_stop() -> None:
        events = scanner.scan(SYSTEM_CALLER, CLUSTER, ["web"], ["health"])
        await events.__anext__()
        await events.aclose()
    mcp_server.run(first_event_then_stop())
    cancelled = mcp.ListScans(pb.ListScansRequest(filter="state = CANCELLED")).scans
    assert cancelled and cancelled[0].state == pb.SCAN_STATE_CANCELLED and cancelled[0].error.code == 1


def test_the_samplers_history_shows_lasting_headroom(mcp_server, mcp) -> None:
    """Samples written as the samplers job writes them (server/jobs/work.py names)."""
    from datetime import datetime, timedelta, timezone
    series = mcp_server.server.runtime.operations.series
    prefix = "clusters/demo/metrics"
    now = datetime.now(timezone.utc)
    for hours in range(6, 0, -1):
        series.write([(f"{prefix}/cpu_requests", 4.0), (f"{prefix}/cpu_usage", 0.3 + hours / 100),
                      (f"{prefix}/memory_requests", 8 * 2**30), (f"{prefix}/memory_usage", 6 * 2**30)],
                     now - timedelta(hours=hours))
    series.downsample(now)
    _, result = scan(mcp, categories=["resources"])
    [headroom] = by_rule(result, "cluster-headroom")
    assert headroom.resource == CLUSTER and headroom.evidence["condition"] == "cpu"
    assert headroom.evidence["peak_usage"] == "360m" and float(headroom.evidence["monthly_saving"]) > 0
