"""Kept scans (server/mcp/history.py) against both state backends: a scan's findings are dated by
the previous scan of the same scope, what that one had and this one lacks is reported fixed, and
a second process on the same database (another replica) reads the same history."""

from __future__ import annotations

from pathlib import Path

from server.mcp.history import FAILED, SUCCEEDED, ScanHistory, Summary
from server.mcp.scanners import Category, Finding, Severity

RESOURCE = "clusters/demo/namespaces/shop/deployments.apps/api"


def finding(rule: str) -> Finding:
    return Finding(rule, Category.SECURITY, Severity.HIGH, RESOURCE, f"{rule} is wrong",
                   evidence={"container": "app"}, patch={"spec": {"x": rule}})


def test_history_compares_scans_and_is_shared(tmp_path: Path, database_url: str) -> None:
    first_process = ScanHistory(tmp_path / "a", database_url)
    other_process = ScanHistory(tmp_path / "b" if database_url else tmp_path / "a", database_url)
    try:
        first_process.start("s1", "demo", ["shop"], ["security"], "ops", 100.0)
        first_process.finish("s1", [finding("run-as-root"), finding("no-limits")], Summary(resources_scanned=3), 101.0)
        first_process.start("s2", "demo", ["shop"], ["security"], "ops", 200.0)
        first_process.finish("s2", [finding("run-as-root")], Summary(), 201.0)
        first_process.start("s3", "demo", ["shop"], ["security"], "ops", 300.0)
        first_process.fail("s3", "cluster unreachable", 301.0)

        second = other_process.get("s2")
        assert second is not None and second.state == SUCCEEDED and second.summary.previous == "s1"
        assert [(s.finding.rule, s.state, s.first_seen.timestamp()) for s in second.findings] == [
            ("run-as-root", "still_open", 101.0)]  # first seen when s1 finished
        assert [s.finding.rule for s in second.fixed] == ["no-limits"]
        assert second.findings[0].finding == finding("run-as-root")  # kept whole, patch included
        assert [r.id for r in other_process.list()] == ["s3", "s2", "s1"]
        assert [r.id for r in other_process.list({"elsewhere"})] == []
        assert other_process.get("s3").state == FAILED  # type: ignore[union-attr]
        previous = other_process.previous(second)
        assert previous is not None and previous.id == "s1" and len(previous.findings) == 2
        assert other_process.get("missing") is None
    finally:
        first_process.close()
        other_process.close()
