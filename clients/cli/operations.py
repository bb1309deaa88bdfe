"""`kubecommit jobs ...` and `kubecommit alerts ...`: the server's scheduled jobs (list, run now,
pause, resume) and the alerts they raise (list, acknowledge, resolve, silence) over
OperationsService."""

from __future__ import annotations

from typing import Any, Callable

import typer

from clients.cli.admin import seconds
from clients.cli.clusters import when
from clients.cli.connection import remote
from clients.cli.printers import table
from kubecommit.v1 import operations_pb2 as pb

jobs_app = typer.Typer(help="The server's scheduled jobs: list, run now, pause, resume.", no_args_is_help=True)
alerts_app = typer.Typer(help="Alerts raised by the server's jobs: list, acknowledge, resolve, silence.",
                         no_args_is_help=True)
JOB = typer.Argument(..., help="A job's name as `jobs list` shows it (samplers or jobs/samplers).")
ALERT = typer.Argument(..., help="An alert's name as `alerts list` shows it (alerts/ID or ID).")
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


