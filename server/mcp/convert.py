"""McpService messages from the MCP domain's values (scans, findings, proposals) and back."""

from __future__ import annotations

from google.protobuf import struct_pb2

from kubecommit.v1 import common_pb2, mcp_pb2 as pb
from server.errors import InvalidArgument
from server.mcp.history import CANCELLED, FAILED, RUNNING, SUCCEEDED, ScanRecord, Seen
from server.mcp.recommend import Proposal
from server.mcp.scans import Progress
from server.messages import document_diff, duration, timestamp

_STATES = {RUNNING: pb.SCAN_STATE_RUNNING, SUCCEEDED: pb.SCAN_STATE_SUCCEEDED, FAILED: pb.SCAN_STATE_FAILED,
           CANCELLED: pb.SCAN_STATE_CANCELLED}
_FINDING_STATES = {"opened": pb.FINDING_STATE_OPENED, "still_open": pb.FINDING_STATE_STILL_OPEN,
                   "fixed": pb.FINDING_STATE_FIXED}


def scan_id(name: str, field: str = "name") -> str:
    value = name.removeprefix("scans/")
    if value == name or not value or "/" in value:
        raise InvalidArgument.field(field, f"{name!r} is not a scan name (scans/{{scan}})")
    return value


def finding(seen: Seen) -> pb.Finding:
    f = seen.finding
    out = pb.Finding(id=f.key, rule=f.rule, category=f.category.value, severity=int(f.severity),
                     resource=f.resource, message=f.message, evidence=f.evidence, remediation=f.remediation,
                     state=_FINDING_STATES[seen.state], first_seen_time=timestamp(seen.first_seen))
    if f.patch is not None:
        patch = struct_pb2.Struct()
        patch.update(f.patch)
        out.patch.CopyFrom(patch)
    return out


def _status(findings: list[Seen], partial: bool) -> int:
    worst = max((int(s.finding.severity) for s in findings), default=0)
    if worst >= common_pb2.SEVERITY_HIGH:
        return common_pb2.HEALTH_STATUS_ERROR
    if worst >= common_pb2.SEVERITY_MEDIUM or partial:
        return common_pb2.HEALTH_STATUS_WARNING
    return common_pb2.HEALTH_STATUS_HEALTHY


def scan(record: ScanRecord, full: bool = True) -> pb.Scan:
    out = pb.Scan(name=f"scans/{record.id}", cluster=f"clusters/{record.cluster}", state=_STATES[record.state],
                  create_time=timestamp(record.created), complete_time=timestamp(record.completed),
                  created_by=record.created_by, namespaces=record.namespaces, categories=record.categories)
    if record.state in (FAILED, CANCELLED):
        out.error.message = record.error
        out.error.code = 1 if record.state == CANCELLED else 2  # CANCELLED, or UNKNOWN with the message
    if record.state != SUCCEEDED:
        return out
    s = record.summary
    counts: dict[str, int] = {}
    for seen in record.findings:
        key = common_pb2.Severity.Name(int(seen.finding.severity)).removeprefix("SEVERITY_")
        counts[key] = counts.get(key, 0) + 1
    report = pb.ScanReport(
        status=_status(record.findings, bool(s.warnings)), score=min(s.scores.values(), default=100),
        category_scores=s.scores, counts_by_severity=counts, resources_scanned=s.resources_scanned,
        duration=duration(s.duration), partial=any(w.startswith("cluster unreachable") for w in s.warnings)
        or bool(s.warnings and not s.resources_scanned), warnings=s.warnings,
        previous_scan=f"scans/{s.previous}" if s.previous else "",
        opened_count=sum(1 for f in record.findings if f.state == "opened"),
        still_open_count=sum(1 for f in record.findings if f.state == "still_open"))
    if full:
        report.findings.extend(finding(f) for f in record.findings)
        report.fixed.extend(finding(f) for f in record.fixed)
    out.report.CopyFrom(report)
    return out


def progress(event: Progress) -> pb.ScanClusterResponse:
    return pb.ScanClusterResponse(progress=common_pb2.Progress(stage=event.stage, message=event.message,
                                                               done=event.done, total=event.total))


def comparison(opened: list[Seen], fixed: list[Seen], still_open: list[Seen]) -> pb.CompareScansResponse:
    return pb.CompareScansResponse(opened=[finding(s) for s in opened], fixed=[finding(s) for s in fixed],
                                   still_open=[finding(s) for s in still_open])


def proposal(p: Proposal) -> pb.ApplyRecommendationsResponse:
    r = p.result
    return pb.ApplyRecommendationsResponse(
        branch="" if r.dry_run else f"branches/{r.branch}", commit=r.commit, findings=p.findings,
        resources=[pb.ProposedResource(resource=a.name, action=a.action, diff=document_diff(a.diff))
                   for a in r.resources])
