"""Entry point of the `kubecommit` console script.

Sub-commands that run things (`serve`, `sim`) live here; the server and the simulator stay
unaware of each other: `serve --demo` is where the two meet. Commands that call a server live in
one module per verb group (resources, containers, versions, clusters, contexts, operations); admin
commands (`token`, `audit`: through the API, or offline with `--data-dir`) in admin.py; `state migrate`
(offline) in state.py. Every error leaves through `main()` as one
`error:`/`hint:` pair on stderr.
"""

from __future__ import annotations

import asyncio
import os
import sys
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Optional

import typer

from clients.cli import (admin, affinity, clusters, containers, contexts, crds, labels, mcp, operations, quotas,
                         resources, scans, state, versions)
from clients.cli.connection import Target
from clients.cli.errors import CliError, report

app = typer.Typer(
    name="kubecommit",
    help="Operate many Kubernetes clusters through one API; every YAML change is a git commit.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(show: bool) -> None:
    if show:
        typer.echo(f"kubecommit {package_version('kubecommit')}")
        raise typer.Exit()


@app.callback()
def connection(
    ctx: typer.Context,
    server: Optional[str] = typer.Option(None, envvar="KUBECOMMIT_SERVER",
                                         help="HOST[:PORT] of a kubecommit server (port 50051 when omitted); "
                                              "the context's, else 127.0.0.1:50051."),
    token: Optional[str] = typer.Option(None, envvar="KUBECOMMIT_TOKEN",
                                        help="Bearer token; else the context's, else the data dir's admin.token."),
    context: Optional[str] = typer.Option(None, "--context", envvar="KUBECOMMIT_CONTEXT",
                                          help="A context of the config file (kubecommit config get-contexts)."),
    data_dir: Path = typer.Option(Path(".data"), envvar="KUBECOMMIT_DATA_DIR", help="Where admin.token is looked up."),
    ca: Optional[Path] = typer.Option(None, envvar="KUBECOMMIT_CA", help="CA certificate for a TLS server."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Options for the commands that call a server."""
    ctx.obj = Target(server, token, context, data_dir, ca)


@app.command()
def serve(
    listen: Optional[str] = typer.Option(None, help="HOST:PORT to bind; port 0 picks a free one."),
    data_dir: Optional[Path] = typer.Option(None, help="Where the store, keys and tokens live."),
    config: Optional[Path] = typer.Option(None, help="YAML file of settings (see docs/configuration.md)."),
    log_level: Optional[str] = typer.Option(None),
    log_format: Optional[str] = typer.Option(None, help="json or text."),
    reflection: Optional[bool] = typer.Option(None, "--reflection/--no-reflection"),
    tls_cert: Optional[Path] = typer.Option(None),
    tls_key: Optional[Path] = typer.Option(None),
    tls_client_ca: Optional[Path] = typer.Option(None, help="Require client certificates from this CA."),
    insecure: Optional[bool] = typer.Option(None, "--insecure", help="Allow plaintext on non-loopback addresses."),
    demo: bool = typer.Option(False, "--demo", help="Also run a kubesim cluster, registered as clusters/demo."),
) -> None:
    """Run the kubecommit gRPC server until SIGTERM/SIGINT."""
    from server.app import serve as run_server
    from server.config import Settings
    from server.errors import KubecommitError
    from server.logging_config import configure

    try:
        settings = Settings.load(config, overrides={
            "listen": listen, "data_dir": data_dir, "log_level": log_level,
            "log_format": log_format, "reflection": reflection, "tls_cert": tls_cert,
            "tls_key": tls_key, "tls_client_ca": tls_client_ca, "insecure": insecure,
        })
        configure(settings.log_level, settings.log_format)
        if demo:
            from clients.cli import demo as demo_cluster

            asyncio.run(demo_cluster.serve(settings))
        else:
            asyncio.run(run_server(settings))
    except KubecommitError as error:
        typer.echo(f"kubecommit: {error}", err=True)
        raise typer.Exit(2)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
             add_help_option=False)
def sim(ctx: typer.Context) -> None:
    """Run the Kubernetes API simulator (same flags as `python -m kubesim`)."""
    from kubesim.__main__ import main as sim_main

    raise typer.Exit(sim_main(list(ctx.args)) or 0)


# Commands that call a running server.
app.add_typer(clusters.clusters_app, name="clusters")
app.add_typer(crds.crds_app, name="crds")
app.add_typer(contexts.config_app, name="config")
app.command()(contexts.login)
for verb in (resources.get, resources.describe, resources.delete, resources.apply, versions.history, versions.show, versions.diff,
             versions.rollback, versions.merge, versions.commits, resources.compare, containers.logs, containers.cp,
             containers.ls, containers.rm, containers.sessions):
    app.command()(verb)
app.command("api-resources")(resources.api_resources)
app.command("exec")(containers.exec_command)
app.command("log-exports")(containers.log_exports)
app.add_typer(versions.tag_app, name="tag")
app.add_typer(versions.branch_app, name="branch")
app.add_typer(versions.drift_app, name="drift")
app.add_typer(versions.backup_app, name="backup")
app.add_typer(labels.labels_app, name="labels")
app.add_typer(containers.exec_policy_app, name="exec-policy")
app.command("mcp")(mcp.mcp)
app.add_typer(scans.scan_app, name="scan")
app.add_typer(affinity.affinity_app, name="affinity")
app.add_typer(quotas.quotas_app, name="quotas")
app.add_typer(operations.jobs_app, name="jobs")
app.add_typer(operations.alerts_app, name="alerts")
app.add_typer(operations.channels_app, name="channels")
app.add_typer(operations.metrics_app, name="metrics")

# Admin commands: AdminService, or a data directory offline (clients/cli/admin.py).
app.add_typer(admin.token_app, name="token")
app.command()(admin.audit)
# Offline, on a stopped server's data directory: its SQLite state into PostgreSQL.
app.add_typer(state.state_app, name="state")


def main() -> None:
    try:
        app()
    except CliError as error:
        report(error)
        sys.exit(error.code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # a bug: one line for the user, the traceback on request
        if os.environ.get("KUBECOMMIT_DEBUG"):
            raise
        report(CliError(f"internal error: {type(error).__name__}: {error}",
                        "rerun with KUBECOMMIT_DEBUG=1 for the traceback and report it"))
        sys.exit(1)


if __name__ == "__main__":
    main()
