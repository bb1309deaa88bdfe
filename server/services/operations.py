"""OperationsService: jobs, time series, alerts, notification channels and alert rules. Parses,
calls the domain (server/jobs, server/alerts), converts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator

import grpc
from google.protobuf import empty_pb2

from kubecommit.v1 import operations_pb2 as pb, operations_pb2_grpc
from server.context import current as current_call
from server.alerts.access import may_handle, seen
from server.alerts.config import AlertRule, Channel
from server.alerts.notify import Delivery
from server.alerts.store import Alert, Severity, State
from server.errors import FailedPrecondition, InvalidArgument
from server.jobs.operations import Operations
from server.jobs.runner import JobStatus
from server.jobs.state import FAILED, SUCCEEDED
from server.messages import duration, timestamp
from server.runtime import Runtime

Context = grpc.aio.ServicerContext
_OUTCOMES = {"": pb.JOB_OUTCOME_UNSPECIFIED, SUCCEEDED: pb.JOB_OUTCOME_SUCCEEDED, FAILED: pb.JOB_OUTCOME_FAILED}
_STATES = {State.FIRING: pb.ALERT_STATE_FIRING, State.ACKNOWLEDGED: pb.ALERT_STATE_ACKNOWLEDGED,
           State.RESOLVED: pb.ALERT_STATE_RESOLVED}
_FORMATS = {"json": pb.CHANNEL_FORMAT_JSON, "slack": pb.CHANNEL_FORMAT_SLACK}
_KINDS = {"quota": pb.ALERT_RULE_KIND_QUOTA, "health": pb.ALERT_RULE_KIND_HEALTH, "drift": pb.ALERT_RULE_KIND_DRIFT,
          "backup": pb.ALERT_RULE_KIND_BACKUP, "mirror": pb.ALERT_RULE_KIND_MIRROR}
_RESOLUTIONS = {"raw": "raw", "m5": "5m", "h1": "1h"}


def _id(name: str, collection: str, field: str = "name") -> str:
    value = name.removeprefix(f"{collection}/")
    if not value or "/" in value or value == name:
        raise InvalidArgument.field(field, f"{name!r} is not a name of the form {collection}/{{id}}")
    return value


def _job(status: JobStatus) -> pb.Job:
    r = status.record
    out = pb.Job(name=f"jobs/{status.job.name}", description=status.job.description,
                 schedule=str(status.job.schedule), paused=r.paused, running=status.running,
                 last_run_time=timestamp(r.last_run), last_outcome=_OUTCOMES[r.outcome], last_error=r.error,
                 last_summary=r.summary, next_run_time=timestamp(status.next_run), run_count=r.runs)
    if r.last_run is not None:
        out.last_duration.CopyFrom(duration(r.duration))
    return out


def _alert(a: Alert) -> pb.Alert:
    return pb.Alert(name=f"alerts/{a.id}", rule=f"alertRules/{a.rule}", subject=a.subject,
                    severity=int(a.severity), state=_STATES[a.state], message=a.message,
                    first_seen_time=timestamp(a.first_seen), last_seen_time=timestamp(a.last_seen),
                    resolve_time=timestamp(a.resolved), silenced_until=timestamp(a.silenced_until),
                    acknowledged_by=a.acknowledged_by)


def _severity(value: int, field: str, default: str) -> str:
    if value == pb.ALERT_SEVERITY_UNSPECIFIED:
        return default
    try:
        return Severity(value).name
    except ValueError:
        raise InvalidArgument.field(field, "not a known severity") from None


def _delivery(d: Delivery) -> pb.NotificationDelivery:
    return pb.NotificationDelivery(alert=f"alerts/{d.alert}", change=d.change, attempt=d.attempt,
                                   time=timestamp(d.time), status_code=d.status, error=d.error)


def _channel(c: Channel, secret: str = "") -> pb.NotificationChannel:
    return pb.NotificationChannel(name=f"notificationChannels/{c.id}", url=c.url, format=_FORMATS[c.format],
                                  min_severity=int(Severity[c.min_severity]), disabled=not c.enabled,
                                  description=c.description, secret=secret, etag=c.etag, updated_by=c.updated_by)


def _channel_values(c: pb.NotificationChannel) -> dict[str, Any]:
    formats = {v: k for k, v in _FORMATS.items()}
    return {"url": c.url, "format": formats.get(c.format, "json"),
            "min_severity": _severity(c.min_severity, "notification_channel.min_severity", "WARNING"),
            "enabled": not c.disabled, "description": c.description}


def _rule(r: AlertRule) -> pb.AlertRule:
    return pb.AlertRule(name=f"alertRules/{r.id}", kind=_KINDS[r.kind], disabled=not r.enabled,
                        warning_percent=r.warning_percent, critical_percent=r.critical_percent,
                        severity=int(Severity[r.severity]), description=r.description, etag=r.etag,
                        updated_by=r.updated_by)


def _rule_values(r: pb.AlertRule) -> dict[str, Any]:
    kinds = {v: k for k, v in _KINDS.items()}
    return {"kind": kinds.get(r.kind, ""), "enabled": not r.disabled, "warning_percent": r.warning_percent,
            "critical_percent": r.critical_percent,
            "severity": _severity(r.severity, "alert_rule.severity", "WARNING"), "description": r.description}


def _mask(paths: list[str]) -> list[str]:
    """Contract field names -> domain ones (`disabled` is the domain's `enabled`)."""
    return ["enabled" if p == "disabled" else p for p in paths]


class OperationsServicer(operations_pb2_grpc.OperationsServiceServicer):
    def __init__(self, operations: Operations) -> None:
        self.ops = operations

    # -- jobs ----------------------------------------------------------------------------------

    async def ListJobs(self, request: pb.ListJobsRequest, context: Context) -> pb.ListJobsResponse:
        page, token = await self.ops.list_jobs(request.filter, request.page_size, request.page_token)
        return pb.ListJobsResponse(jobs=[_job(s) for s in page], next_page_token=token)

    async def GetJob(self, request: pb.GetJobRequest, context: Context) -> pb.Job:
        return _job(await self.ops.runner.get(_id(request.name, "jobs")))

    async def RunJob(self, request: pb.RunJobRequest, context: Context) -> pb.Job:
        if not self.ops.enabled:
            raise FailedPrecondition("jobs are off on this server (jobs_enabled: false)", "JOBS_DISABLED")
        return _job(await self.ops.runner.run_now(_id(request.name, "jobs")))

    async def PauseJob(self, request: pb.PauseJobRequest, context: Context) -> pb.Job:
        return _job(await self.ops.runner.pause(_id(request.name, "jobs")))

    async def ResumeJob(self, request: pb.ResumeJobRequest, context: Context) -> pb.Job:
        return _job(await self.ops.runner.resume(_id(request.name, "jobs")))

    # -- time series ---------------------------------------------------------------------------

    async def ListTimeSeries(self, request: pb.ListTimeSeriesRequest, context: Context) -> pb.ListTimeSeriesResponse:
        page, token = await self.ops.list_series(request.prefix, request.page_size, request.page_token)
        return pb.ListTimeSeriesResponse(series=page, next_page_token=token)

    async def QueryTimeSeries(self, request: pb.QueryTimeSeriesRequest, context: Context) -> pb.QueryTimeSeriesResponse:
        if not request.series:
            raise InvalidArgument.field("series", "a series name is required")
        if not request.HasField("start_time"):
            raise InvalidArgument.field("start_time", "the start of the range is required")
        end = request.end_time.ToDatetime(timezone.utc) if request.HasField("end_time") else datetime.now(timezone.utc)
        result = await self.ops.series.query_async(request.series, request.start_time.ToDatetime(timezone.utc), end,
                                                   int(request.step.ToTimedelta().total_seconds()))
        return pb.QueryTimeSeriesResponse(
            series=result.name, step=duration(result.step), resolution=_RESOLUTIONS[result.resolution],
            points=[pb.TimeSeriesPoint(time=timestamp(p.time), value=p.value) for p in result.points])

    # -- alerts --------------------------------------------------------------------------------

    async def ListAlerts(self, request: pb.ListAlertsRequest, context: Context) -> pb.ListAlertsResponse:
        page, token = await self.ops.list_alerts(request.filter, request.page_size, request.page_token)
        return pb.ListAlertsResponse(alerts=[_alert(a) for a in page], next_page_token=token)

    async def GetAlert(self, request: pb.GetAlertRequest, context: Context) -> pb.Alert:
        return _alert(seen(await self.ops.alerts.get(_id(request.name, "alerts"))))

    async def AcknowledgeAlert(self, request: pb.AcknowledgeAlertRequest, context: Context) -> pb.Alert:
        alert = may_handle(await self.ops.alerts.get(_id(request.name, "alerts")))
        caller = current_call().caller
        return _alert(await self.ops.alerts.acknowledge(alert.id, f"{caller.name} <{caller.email}>"))

    async def ResolveAlert(self, request: pb.ResolveAlertRequest, context: Context) -> pb.Alert:
        alert = may_handle(await self.ops.alerts.get(_id(request.name, "alerts")))
        return _alert(await self.ops.alerts.resolve(alert.id))

    async def SilenceAlert(self, request: pb.SilenceAlertRequest, context: Context) -> pb.Alert:
        seconds = request.duration.ToTimedelta().total_seconds()
        if not 0 < seconds <= 30 * 86400:
            raise InvalidArgument.field("duration", "between a second and 30 days")
        alert = may_handle(await self.ops.alerts.get(_id(request.name, "alerts")))
        until = datetime.now(timezone.utc) + timedelta(seconds=seconds)
        return _alert(await self.ops.alerts.silence(alert.id, until))

    async def WatchAlerts(self, request: pb.WatchAlertsRequest, context: Context) -> AsyncIterator[pb.WatchAlertsResponse]:
        async for alert, change in self.ops.watch_alerts(request.filter):
            yield pb.WatchAlertsResponse(alert=_alert(alert), change=change)

    # -- notification channels -----------------------------------------------------------------

    async def CreateNotificationChannel(self, request: pb.CreateNotificationChannelRequest,
                                        context: Context) -> pb.NotificationChannel:
        channel = Channel(id=request.notification_channel_id, **_channel_values(request.notification_channel))
        created, secret = await self.ops.config.create_channel(channel)
        return _channel(created, secret=secret)

    async def GetNotificationChannel(self, request: pb.GetNotificationChannelRequest,
                                     context: Context) -> pb.NotificationChannel:
        return _channel(await self.ops.config.get(Channel, _id(request.name, "notificationChannels")))

    async def ListNotificationChannels(self, request: pb.ListNotificationChannelsRequest,
                                       context: Context) -> pb.ListNotificationChannelsResponse:
        page, token = await self.ops.list_channels(request.page_size, request.page_token)
        return pb.ListNotificationChannelsResponse(notification_channels=[_channel(c) for c in page],
                                                   next_page_token=token)

    async def UpdateNotificationChannel(self, request: pb.UpdateNotificationChannelRequest,
                                        context: Context) -> pb.NotificationChannel:
        c = request.notification_channel
        return _channel(await self.ops.config.update(
            Channel, _id(c.name, "notificationChannels", "notification_channel.name"), _channel_values(c),
            _mask(list(request.update_mask.paths)), c.etag))

    async def DeleteNotificationChannel(self, request: pb.DeleteNotificationChannelRequest,
                                        context: Context) -> empty_pb2.Empty:
        await self.ops.config.delete(Channel, _id(request.name, "notificationChannels"))
        return empty_pb2.Empty()

    async def ListNotificationDeliveries(self, request: pb.ListNotificationDeliveriesRequest,
                                         context: Context) -> pb.ListNotificationDeliveriesResponse:
        page, token = await self.ops.list_deliveries(_id(request.parent, "notificationChannels", "parent"),
                                                     request.page_size, request.page_token)
        return pb.ListNotificationDeliveriesResponse(next_page_token=token, deliveries=[_delivery(d) for d in page])

    async def TestNotificationChannel(self, request: pb.TestNotificationChannelRequest,
                                      context: Context) -> pb.TestNotificationChannelResponse:
        attempts = await self.ops.test_channel(_id(request.name, "notificationChannels"))
        return pb.TestNotificationChannelResponse(deliveries=[_delivery(d) for d in attempts],
                                                  delivered=bool(attempts) and not attempts[-1].error)

    # -- alert rules ---------------------------------------------------------------------------

    async def ListAlertRules(self, request: pb.ListAlertRulesRequest, context: Context) -> pb.ListAlertRulesResponse:
        page, token = await self.ops.list_rules(request.page_size, request.page_token)
        return pb.ListAlertRulesResponse(alert_rules=[_rule(r) for r in page], next_page_token=token)

    async def GetAlertRule(self, request: pb.GetAlertRuleRequest, context: Context) -> pb.AlertRule:
        return _rule(await self.ops.config.rule(_id(request.name, "alertRules")))

    async def CreateAlertRule(self, request: pb.CreateAlertRuleRequest, context: Context) -> pb.AlertRule:
        rule = AlertRule(id=request.alert_rule_id, **_rule_values(request.alert_rule))
        return _rule(await self.ops.config.put(rule, create=True))

    async def UpdateAlertRule(self, request: pb.UpdateAlertRuleRequest, context: Context) -> pb.AlertRule:
        r = request.alert_rule
        return _rule(await self.ops.config.update(AlertRule, _id(r.name, "alertRules", "alert_rule.name"),
                                                  _rule_values(r), _mask(list(request.update_mask.paths)), r.etag))

    async def DeleteAlertRule(self, request: pb.DeleteAlertRuleRequest, context: Context) -> empty_pb2.Empty:
        await self.ops.config.delete(AlertRule, _id(request.name, "alertRules"))
        return empty_pb2.Empty()


def register(runtime: Runtime, server: grpc.aio.Server) -> None:
    assert runtime.operations is not None, "the composition root builds Operations before services"
    operations_pb2_grpc.add_OperationsServiceServicer_to_server(OperationsServicer(runtime.operations), server)
