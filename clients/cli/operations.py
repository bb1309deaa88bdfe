"""`kubecommit jobs ...`, `alerts ...`, `channels ...` and `metrics ...`: the server's scheduled
jobs (list, get, run now, pause, resume), the alerts they raise (list, get, watch, acknowledge,
resolve, silence), the rules that raise them (`alerts rules`), the webhooks that receive them
(`channels`) and the time series the samplers record (`metrics`), over OperationsService."""

from __future__ import annotations

import sys
import time
from typing import Any, Callable, Optional

import typer
from google.protobuf import field_mask_pb2

from clients.cli.admin import seconds
from clients.cli.clusters import enum_value, when
from clients.cli.connection import remote
from clients.cli.errors import CliError, given
from clients.cli.printers import table
from kubecommit.v1 import operations_pb2 as pb

jobs_app = typer.Typer(help="The server's scheduled jobs: list, run now, pause, resume.", no_args_is_help=True)
alerts_app = typer.Typer(help="Alerts raised by the server's jobs: list, acknowledge, resolve, silence.",
                         no_args_is_help=True)
JOB = typer.Argument(..., help="A job's name as `jobs list` shows it (samplers or jobs/samplers).")
ALERT = typer.Argument(..., help="An alert's name as `alerts list` shows it (alerts/ID or ID).")
rules_app = typer.Typer(help="The rules that raise alerts: list, get, create, update, delete.", no_args_is_help=True)
alerts_app.add_typer(rules_app, name="rules")
channels_app = typer.Typer(help="Webhooks that receive alert changes: create, list, get, update, delete, deliveries.",
                           no_args_is_help=True)
RULE = typer.Argument(..., help="A rule's name as `alerts rules list` shows it (quota-usage or alertRules/quota-usage).")
CHANNEL = typer.Argument(..., help="A channel's name (oncall or notificationChannels/oncall).")
FILTER = typer.Option("", "--filter", help="The server's filter, e.g. `paused=true` or `state=firing severity=critical`.")


def _full(collection: str, name: str) -> str:
    """Accepts `samplers` as well as `jobs/samplers`: what a person types and what lists print."""
    return name if name.startswith(f"{collection}/") else f"{collection}/{name}"


def _every(page: Callable[[str], Any], field: str) -> list[Any]:
    """All pages of a list call, so a long list is never silently cut at the server's page size."""
    items: list[Any] = []
    token = ""
    while True:
        answer = page(token)
        items.extend(getattr(answer, field))
        token = answer.next_page_token
        if not token:
            return items


def _job_rows(jobs: list[pb.Job]) -> None:
    def state(j: pb.Job) -> str:
        return "running" if j.running else "paused" if j.paused else "scheduled"

    def result(j: pb.Job) -> str:
        outcome = pb.JobOutcome.Name(j.last_outcome).removeprefix("JOB_OUTCOME_").lower()
        return "" if j.last_outcome == pb.JOB_OUTCOME_UNSPECIFIED else (
            f"{outcome}: {j.last_error}" if j.last_error else outcome)
    table(["NAME", "SCHEDULE", "STATE", "NEXT RUN (UTC)", "LAST RUN (UTC)", "LAST RESULT", "RUNS"],
          [[j.name.removeprefix("jobs/"), j.schedule, state(j), when(j.next_run_time) or "-",
            when(j.last_run_time) or "-", result(j) or "-", str(j.run_count)] for j in jobs])


@jobs_app.command("list")
def jobs_list(ctx: typer.Context, filter_: str = FILTER) -> None:
    """Every job with its schedule, next run and last result."""
    rpc = remote(ctx)
    _job_rows(_every(lambda token: rpc.call(rpc.operations.ListJobs, pb.ListJobsRequest(
        filter=filter_, page_token=token)), "jobs"))


def _job_verb(ctx: typer.Context, name: str, verb: Callable[..., pb.Job], request: type, done: str) -> None:
    rpc = remote(ctx)
    job = rpc.call(verb(rpc.operations), request(name=_full("jobs", name)))
    typer.echo(f"{job.name} {done}")


@jobs_app.command("get")
def jobs_get(ctx: typer.Context, name: str = JOB) -> None:
    """One job: what it does, its schedule and what its last run did."""
    rpc = remote(ctx)
    job = rpc.call(rpc.operations.GetJob, pb.GetJobRequest(name=_full("jobs", name)))
    _job_rows([job])
    for label, value in (("description", job.description), ("last summary", job.last_summary)):
        if value:
            typer.echo(f"{label}: {value}")


@jobs_app.command("run")
def jobs_run(ctx: typer.Context, name: str = JOB) -> None:
    """Runs the job now (also when paused); it runs in the background on the server."""
    _job_verb(ctx, name, lambda ops: ops.RunJob, pb.RunJobRequest, "started")


@jobs_app.command("pause")
def jobs_pause(ctx: typer.Context, name: str = JOB) -> None:
    """No more scheduled runs until resumed (`jobs run` still runs it)."""
    _job_verb(ctx, name, lambda ops: ops.PauseJob, pb.PauseJobRequest, "paused")


@jobs_app.command("resume")
def jobs_resume(ctx: typer.Context, name: str = JOB) -> None:
    """Back on its schedule."""
    _job_verb(ctx, name, lambda ops: ops.ResumeJob, pb.ResumeJobRequest, "resumed")


def _alert_rows(alerts: list[pb.Alert]) -> None:
    table(["NAME", "SEVERITY", "STATE", "SUBJECT", "RULE", "FIRST SEEN (UTC)", "SILENCED UNTIL (UTC)", "MESSAGE"],
          [[a.name, pb.AlertSeverity.Name(a.severity).removeprefix("ALERT_SEVERITY_").lower(),
            pb.AlertState.Name(a.state).removeprefix("ALERT_STATE_").lower(), a.subject, a.rule,
            when(a.first_seen_time), when(a.silenced_until) or "-", a.message] for a in alerts])


@alerts_app.command("list")
def alerts_list(ctx: typer.Context, filter_: str = FILTER) -> None:
    """Alerts with severity, state and subject; `--filter state=firing` for the open ones."""
    rpc = remote(ctx)
    _alert_rows(_every(lambda token: rpc.call(rpc.operations.ListAlerts, pb.ListAlertsRequest(
        filter=filter_, page_token=token)), "alerts"))


@alerts_app.command("ack")
def alerts_ack(ctx: typer.Context, name: str = ALERT) -> None:
    """Acknowledges the alert in your name: someone is on it."""
    rpc = remote(ctx)
    alert = rpc.call(rpc.operations.AcknowledgeAlert, pb.AcknowledgeAlertRequest(name=_full("alerts", name)))
    typer.echo(f"{alert.name} acknowledged by {alert.acknowledged_by}")


@alerts_app.command("resolve")
def alerts_resolve(ctx: typer.Context, name: str = ALERT) -> None:
    """Marks the alert resolved; it fires again if its condition comes back."""
    rpc = remote(ctx)
    alert = rpc.call(rpc.operations.ResolveAlert, pb.ResolveAlertRequest(name=_full("alerts", name)))
    typer.echo(f"{alert.name} resolved")


@alerts_app.command("silence")
def alerts_silence(ctx: typer.Context, name: str = ALERT,
                   duration: str = typer.Option(..., "--for", help="How long notifications stay off: 30m, 12h, 2d."),
                   ) -> None:
    """Stops notifications for the alert for a while."""
    request = pb.SilenceAlertRequest(name=_full("alerts", name))
    request.duration.FromSeconds(int(seconds(duration)))
    rpc = remote(ctx)
    alert = rpc.call(rpc.operations.SilenceAlert, request)
    typer.echo(f"{alert.name} silenced until {when(alert.silenced_until)} UTC")




@alerts_app.command("get")
def alerts_get(ctx: typer.Context, name: str = ALERT) -> None:
    """One alert's row."""
    rpc = remote(ctx)
    _alert_rows([rpc.call(rpc.operations.GetAlert, pb.GetAlertRequest(name=_full("alerts", name)))])


@alerts_app.command("watch")
def alerts_watch(ctx: typer.Context, filter_: str = FILTER) -> None:
    """The open alerts, then a line per change (firing, resolved, ...) until Ctrl-C."""
    rpc = remote(ctx)
    try:
        for event in rpc.stream(rpc.operations.WatchAlerts, pb.WatchAlertsRequest(filter=filter_)):
            a = event.alert
            typer.echo(f"{event.change.upper():<12} {a.name} "
                       f"{pb.AlertSeverity.Name(a.severity).removeprefix('ALERT_SEVERITY_').lower()} "
                       f"{a.subject} {a.message}")
            sys.stdout.flush()
    except KeyboardInterrupt:
        return


def _severity(value: str, option: str) -> int:
    return enum_value(pb.AlertSeverity, "ALERT_SEVERITY_", value, option)


def _rule_rows(rules: list[pb.AlertRule]) -> None:
    table(["NAME", "KIND", "STATE", "WARNING %", "CRITICAL %", "SEVERITY", "STORED", "DESCRIPTION"],
          [[r.name.removeprefix("alertRules/"), pb.AlertRuleKind.Name(r.kind).removeprefix("ALERT_RULE_KIND_").lower(),
            "disabled" if r.disabled else "enabled", f"{r.warning_percent:g}" if r.warning_percent else "-",
            f"{r.critical_percent:g}" if r.critical_percent else "-",
            pb.AlertSeverity.Name(r.severity).removeprefix("ALERT_SEVERITY_").lower()
            if r.severity else "-", f"by {r.updated_by}" if r.etag else "built-in", r.description] for r in rules])


WARNING = typer.Option(None, "--warning", help="Quota: percent of hard that warns; health: score below which it warns.")
CRITICAL = typer.Option(None, "--critical", help="Quota: percent that is critical; health: score below which it is.")
SEVERITY = typer.Option(None, "--severity", help="Drift and backup rules: info, warning or critical.")
DESCRIPTION = typer.Option(None, "--description")


@rules_app.command("list")
def rules_list(ctx: typer.Context) -> None:
    """Rules in force: stored ones and the built-in defaults not overridden."""
    rpc = remote(ctx)
    _rule_rows(_every(lambda token: rpc.call(rpc.operations.ListAlertRules, pb.ListAlertRulesRequest(
        page_token=token)), "alert_rules"))


@rules_app.command("get")
def rules_get(ctx: typer.Context, name: str = RULE) -> None:
    """One rule."""
    rpc = remote(ctx)
    _rule_rows([rpc.call(rpc.operations.GetAlertRule, pb.GetAlertRuleRequest(name=_full("alertRules", name)))])


def _rule_fields(warning: Optional[float], critical: Optional[float], severity: Optional[str],
                 description: Optional[str], disabled: Optional[bool]) -> dict[str, Any]:
    return {"warning_percent": warning, "critical_percent": critical,
            "severity": _severity(severity, "--severity") if severity is not None else None,
            "description": description, "disabled": disabled}


@rules_app.command("create")
def rules_create(ctx: typer.Context, rule_id: str = typer.Argument(..., help="The new rule's id (a DNS label)."),
                 kind: str = typer.Option(..., "--kind", help="quota, health, drift, backup or mirror."),
                 warning: Optional[float] = WARNING, critical: Optional[float] = CRITICAL,
                 severity: Optional[str] = SEVERITY, description: Optional[str] = DESCRIPTION,
                 disabled: bool = typer.Option(False, "--disabled", help="Stored but raising nothing yet."),
                 ) -> None:
    """A new rule, stored as a commit in your name; the server checks its thresholds."""
    fields = given(_rule_fields(warning, critical, severity, description, disabled))
    rule = pb.AlertRule(kind=enum_value(pb.AlertRuleKind, "ALERT_RULE_KIND_", kind, "--kind"), **fields)
    rpc = remote(ctx)
    _rule_rows([rpc.call(rpc.operations.CreateAlertRule, pb.CreateAlertRuleRequest(alert_rule_id=rule_id,
                                                                                     alert_rule=rule))])


@rules_app.command("update")
def rules_update(ctx: typer.Context, name: str = RULE, warning: Optional[float] = WARNING,
                 critical: Optional[float] = CRITICAL, severity: Optional[str] = SEVERITY,
                 description: Optional[str] = DESCRIPTION,
                 disabled: Optional[bool] = typer.Option(None, "--disabled/--enabled"),
                 ) -> None:
    """Changes only the given fields (a built-in default is stored by its first update)."""
    fields = given(_rule_fields(warning, critical, severity, description, disabled),
                   "--warning, --critical, --severity, --description or --disabled/--enabled")
    rpc = remote(ctx)
    _rule_rows([rpc.call(rpc.operations.UpdateAlertRule, pb.UpdateAlertRuleRequest(
        alert_rule=pb.AlertRule(name=_full("alertRules", name), **fields),
        update_mask=field_mask_pb2.FieldMask(paths=sorted(fields))))])


@rules_app.command("delete")
def rules_delete(ctx: typer.Context, name: str = RULE) -> None:
    """Deletes a stored rule; a built-in one goes back to its default."""
    rpc = remote(ctx)
    rpc.call(rpc.operations.DeleteAlertRule, pb.DeleteAlertRuleRequest(name=_full("alertRules", name)))
    typer.echo(f"{_full('alertRules', name)} deleted")


def _channel_rows(channels: list[pb.NotificationChannel]) -> None:
    table(["NAME", "URL", "FORMAT", "MIN SEVERITY", "STATE", "UPDATED BY", "DESCRIPTION"],
          [[c.name.removeprefix("notificationChannels/"), c.url,
            pb.ChannelFormat.Name(c.format).removeprefix("CHANNEL_FORMAT_").lower(),
            pb.AlertSeverity.Name(c.min_severity).removeprefix("ALERT_SEVERITY_").lower(),
            "disabled" if c.disabled else "enabled", c.updated_by or "-", c.description] for c in channels])


def _channel_fields(url: Optional[str], format_: Optional[str], min_severity: Optional[str],
                    description: Optional[str], disabled: Optional[bool]) -> dict[str, Any]:
    return {"url": url, "description": description, "disabled": disabled,
            "format": enum_value(pb.ChannelFormat, "CHANNEL_FORMAT_", format_, "--format") if format_ else None,
            "min_severity": _severity(min_severity, "--min-severity") if min_severity else None}


FORMAT = typer.Option(None, "--format", help="json (Alertmanager's webhook payload) or slack.")
MIN_SEVERITY = typer.Option(None, "--min-severity", help="Alerts below it are not sent: info, warning, critical.")


@channels_app.command("create")
def channels_create(ctx: typer.Context, channel_id: str = typer.Argument(..., help="The new channel's id (a DNS label)."),
                    url: str = typer.Option(..., "--url", help="The webhook's https (or loopback http) URL."),
                    format_: Optional[str] = FORMAT, min_severity: Optional[str] = MIN_SEVERITY,
                    description: Optional[str] = DESCRIPTION,
                    disabled: bool = typer.Option(False, "--disabled")) -> None:
    """A webhook for alert changes. Its signing secret is printed once, alone on stdout."""
    fields = given(_channel_fields(url, format_, min_severity, description, disabled))
    rpc = remote(ctx)
    made = rpc.call(rpc.operations.CreateNotificationChannel, pb.CreateNotificationChannelRequest(
        notification_channel_id=channel_id, notification_channel=pb.NotificationChannel(**fields)))
    sys.stderr.write(f"created {made.name}; its HMAC-SHA256 secret (shown only now):\n")
    typer.echo(made.secret)


@channels_app.command("list")
def channels_list(ctx: typer.Context) -> None:
    """Every channel (never their secrets)."""
    rpc = remote(ctx)
    _channel_rows(_every(lambda token: rpc.call(rpc.operations.ListNotificationChannels,
                                                pb.ListNotificationChannelsRequest(page_token=token)),
                         "notification_channels"))


@channels_app.command("get")
def channels_get(ctx: typer.Context, name: str = CHANNEL) -> None:
    """One channel."""
    rpc = remote(ctx)
    _channel_rows([rpc.call(rpc.operations.GetNotificationChannel, pb.GetNotificationChannelRequest(
        name=_full("notificationChannels", name)))])


@channels_app.command("update")
def channels_update(ctx: typer.Context, name: str = CHANNEL, url: Optional[str] = typer.Option(None, "--url"),
                    format_: Optional[str] = FORMAT, min_severity: Optional[str] = MIN_SEVERITY,
                    description: Optional[str] = DESCRIPTION,
                    disabled: Optional[bool] = typer.Option(None, "--disabled/--enabled")) -> None:
    """Changes only the given fields."""
    fields = given(_channel_fields(url, format_, min_severity, description, disabled),
                   "--url, --format, --min-severity, --description or --disabled/--enabled")
    rpc = remote(ctx)
    _channel_rows([rpc.call(rpc.operations.UpdateNotificationChannel, pb.UpdateNotificationChannelRequest(
        notification_channel=pb.NotificationChannel(name=_full("notificationChannels", name), **fields),
        update_mask=field_mask_pb2.FieldMask(paths=sorted(fields))))])


@channels_app.command("delete")
def channels_delete(ctx: typer.Context, name: str = CHANNEL) -> None:
    """Deletes the channel; nothing more is sent to it."""
    rpc = remote(ctx)
    rpc.call(rpc.operations.DeleteNotificationChannel, pb.DeleteNotificationChannelRequest(
        name=_full("notificationChannels", name)))
    typer.echo(f"{_full('notificationChannels', name)} deleted")


@channels_app.command("deliveries")
def channels_deliveries(ctx: typer.Context, name: str = CHANNEL) -> None:
    """The channel's delivery log, newest first: every attempt with the receiver's answer."""
    rpc = remote(ctx)
    parent = _full("notificationChannels", name)
    rows = _every(lambda token: rpc.call(rpc.operations.ListNotificationDeliveries, pb.ListNotificationDeliveriesRequest(
        parent=parent, page_token=token)), "deliveries")
    table(["TIME (UTC)", "ALERT", "CHANGE", "ATTEMPT", "STATUS", "ERROR"],
          [[when(d.time), d.alert, d.change, str(d.attempt), str(d.status_code or "-"), d.error] for d in rows])


metrics_app = typer.Typer(help="Time series the server samples: cluster metrics and quota usage over time.",
                          no_args_is_help=True)


@metrics_app.command("list")
def metrics_list(ctx: typer.Context, prefix: str = typer.Argument("", help="Only series starting with it, e.g. "
                                                                            "clusters/prod/.")) -> None:
    """The names of the recorded series."""
    rpc = remote(ctx)
    for name in _every(lambda token: rpc.call(rpc.operations.ListTimeSeries, pb.ListTimeSeriesRequest(
            prefix=prefix, page_token=token)), "series"):
        typer.echo(name)


@metrics_app.command("query")
def metrics_query(ctx: typer.Context, series: str = typer.Argument(..., help="A series name as `metrics list` shows it."),
                  since: str = typer.Option("1h", "--since", help="How far back: 30m, 12h, 7d."),
                  step: str = typer.Option("", "--step", help="Seconds per point (5m, 1h); the stored resolution "
                                                              "when empty.")) -> None:
    """The points of one series: TIME VALUE, oldest first."""
    request = pb.QueryTimeSeriesRequest(series=series)
    request.start_time.FromSeconds(int(time.time() - seconds(since)))
    if step:
        request.step.FromSeconds(int(seconds(step)))
    rpc = remote(ctx)
    got = rpc.call(rpc.operations.QueryTimeSeries, request)
    table(["TIME (UTC)", "VALUE"], [[when(p.time), f"{p.value:g}"] for p in got.points])
    sys.stderr.write(f"{got.series}: {len(got.points)} points, step {got.step.ToTimedelta()}, "
                     f"resolution {got.resolution}\n")


@channels_app.command("test")
def channels_test(ctx: typer.Context, name: str = CHANNEL) -> None:
    """Sends the channel a test notification now (signed, retried like any delivery) and shows
    each attempt; exit 1 when the receiver did not accept it."""
    rpc = remote(ctx)
    got = rpc.call(rpc.operations.TestNotificationChannel, pb.TestNotificationChannelRequest(
        name=_full("notificationChannels", name)))
    table(["ATTEMPT", "TIME (UTC)", "STATUS", "ERROR"],
          [[str(d.attempt), when(d.time), str(d.status_code or "-"), d.error] for d in got.deliveries])
    if not got.delivered:
        raise CliError(f"{_full('notificationChannels', name)}: the receiver did not accept the test notification",
                       "check the URL and that the receiver answers 2xx; `kubecommit channels deliveries` keeps the log")
    sys.stderr.write(f"{_full('notificationChannels', name)}: delivered\n")
