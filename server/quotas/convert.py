"""QuotasService messages <-> quotas domain values: the one place its objects leave the server."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kubecommit.v1 import common_pb2, quotas_pb2 as pb
from server.quotas.check import Breach
from server.messages import document, document_diff, timestamp
from server.quotas.model import (AlertPolicy, LimitItem, LimitRangeSpec, QuotaSpec, ScopeRequirement, Stored,
                                 Threshold, Usage)

_OPERATORS = {pb.SCOPE_SELECTOR_OPERATOR_IN: "In", pb.SCOPE_SELECTOR_OPERATOR_NOT_IN: "NotIn",
              pb.SCOPE_SELECTOR_OPERATOR_EXISTS: "Exists", pb.SCOPE_SELECTOR_OPERATOR_DOES_NOT_EXIST: "DoesNotExist"}
_OPERATOR_ENUM = {v: k for k, v in _OPERATORS.items()}
_TYPES = {pb.LIMIT_TYPE_CONTAINER: "Container", pb.LIMIT_TYPE_POD: "Pod",
          pb.LIMIT_TYPE_PERSISTENT_VOLUME_CLAIM: "PersistentVolumeClaim"}
_TYPE_ENUM = {v: k for k, v in _TYPES.items()}
_BOUNDS = (("max", "max"), ("min", "min"), ("default", "default_limit"), ("defaultRequest", "default_request"),
           ("maxLimitRequestRatio", "max_limit_request_ratio"))
_SEVERITY = {"MEDIUM": common_pb2.SEVERITY_MEDIUM, "HIGH": common_pb2.SEVERITY_HIGH,
             "CRITICAL": common_pb2.SEVERITY_CRITICAL}


def quota_spec(message: pb.ResourceQuota) -> QuotaSpec:
    return QuotaSpec(labels=dict(message.labels), annotations=dict(message.annotations), hard=dict(message.hard),
                     scopes=list(message.scopes),
                     scope_selector=[ScopeRequirement(e.scope_name, _OPERATORS.get(e.operator, ""), list(e.values))
                                     for e in message.scope_selector.match_expressions],
                     yaml=message.yaml)


def limit_range_spec(message: pb.LimitRange) -> LimitRangeSpec:
    return LimitRangeSpec(labels=dict(message.labels), annotations=dict(message.annotations), yaml=message.yaml,
                          limits=[LimitItem(_TYPES.get(item.type, pb.LimitType.Name(item.type)),
                                            {k: dict(getattr(item, f)) for k, f in _BOUNDS if getattr(item, f)})
                                  for item in message.limits])


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("metadata") or {}


def _created(obj: dict[str, Any]) -> Any:
    text = _meta(obj).get("creationTimestamp")
    return timestamp(datetime.fromisoformat(text.replace("Z", "+00:00"))) if text else None


def resource_quota(s: Stored) -> pb.ResourceQuota:
    obj, meta = s.live, _meta(s.live)
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    text, _ = document({k: v for k, v in obj.items() if k != "status"})
    return pb.ResourceQuota(
        name=s.name, labels=meta.get("labels") or {}, annotations=meta.get("annotations") or {},
        hard={k: str(v) for k, v in (spec.get("hard") or {}).items()}, scopes=spec.get("scopes") or [],
        scope_selector=pb.ScopeSelector(match_expressions=[
            pb.ScopedResourceSelectorRequirement(scope_name=e.get("scopeName", ""),
                                                 operator=_OPERATOR_ENUM.get(e.get("operator"), 0),
                                                 values=e.get("values") or [])
            for e in (spec.get("scopeSelector") or {}).get("matchExpressions") or []]),
        status=pb.ResourceQuotaStatus(hard={k: str(v) for k, v in (status.get("hard") or {}).items()},
                                      used={k: str(v) for k, v in (status.get("used") or {}).items()}),
        yaml=text, etag=str(meta.get("resourceVersion") or ""), commit=s.commit, create_time=_created(obj),
        diff=document_diff(s.diff) if s.diff else None,
        committed_hard={k: str(v) for k, v in ((s.committed or {}).get("spec") or {}).get("hard", {}).items()})


def limit_range(s: Stored) -> pb.LimitRange:
    obj, meta = s.live, _meta(s.live)
    text, _ = document(obj)
    return pb.LimitRange(
        name=s.name, labels=meta.get("labels") or {}, annotations=meta.get("annotations") or {},
        limits=[pb.LimitRangeItem(type=_TYPE_ENUM.get(item.get("type"), 0),
                                  **{f: {r: str(q) for r, q in (item.get(k) or {}).items()} for k, f in _BOUNDS})
                for item in (obj.get("spec") or {}).get("limits") or []],
        yaml=text, etag=str(meta.get("resourceVersion") or ""), commit=s.commit, create_time=_created(obj),
        diff=document_diff(s.diff) if s.diff else None,
        refusals=[pb.LimitRangeRefusal(resource=r.resource, container=r.container, resource_name=r.resource_name,
                                       message=r.message) for r in s.refusals])


def usage(u: Usage) -> pb.QuotaUsage:
    return pb.QuotaUsage(
        name=u.name, collect_time=timestamp(u.collected), unreachable_clusters=u.unreachable,
        resources=[pb.QuotaResourceUsage(resource_quota=r.quota, resource=r.resource, hard=r.hard, used=r.used,
                                         hard_value=r.hard_value, used_value=r.used_value, percent=r.percent,
                                         peak=r.peak, suggested_hard=r.suggested_hard) for r in u.resources],
        alerts=[pb.QuotaAlert(resource_quota=a.quota, resource=a.resource, percent=a.percent,
                              threshold_percent=a.threshold, severity=_SEVERITY[a.severity], message=a.message,
                              alert=f"alerts/{a.alert}" if a.alert else "")
                for a in u.alerts],
        trends=[pb.QuotaTrend(resource_quota=t.quota, resource=t.resource,
                              points=[pb.QuotaUsageSample(sample_time=timestamp(when), used=used, percent=pct)
                                      for when, used, pct in t.points],
                              exhaustion_time=timestamp(t.exhaustion) if t.exhaustion else None,
                              rate_per_hour=t.rate_per_hour, confidence=t.confidence, projection=t.projection)
                for t in u.trends],
        unquoted_namespaces=[pb.NamespaceDemand(namespace=d.namespace, totals=d.totals) for d in u.unquoted])


def policy_values(message: pb.QuotaAlertPolicy) -> AlertPolicy:
    return AlertPolicy(name=message.name, enabled=message.enabled, warning=message.warning_percent,
                       critical=message.critical_percent, targets=list(message.notification_targets),
                       overrides=[Threshold(o.resource, o.warning_percent, o.critical_percent)
                                  for o in message.overrides], etag=message.etag)


def policy(p: AlertPolicy) -> pb.QuotaAlertPolicy:
    return pb.QuotaAlertPolicy(
        name=p.name, enabled=p.enabled, warning_percent=p.warning, critical_percent=p.critical,
        overrides=[pb.QuotaThresholdOverride(resource=o.resource, warning_percent=o.warning,
                                             critical_percent=o.critical) for o in p.overrides],
        notification_targets=p.targets, etag=p.etag, update_time=timestamp(p.updated) if p.updated else None,
        updated_by=p.updated_by)


def breaches(found: list[Breach]) -> pb.CheckManifestQuotasResponse:
    return pb.CheckManifestQuotasResponse(breaches=[
        pb.QuotaBreach(resource=b.resource, limited_by=b.limited_by, resource_name=b.resource_name,
                       requested=b.requested, used=b.used, hard=b.hard, excess=b.excess, message=b.message)
        for b in found])
