"""`kubecommit state migrate`: copy a single-process install's SQLite state (tokens, audit, exec
sessions and log exports, jobs, alerts and webhook deliveries, samples, scans, intents, cluster
credentials and reachability) into the PostgreSQL database replicas share (docs/deploy.md).
Offline, on the data directory, with the server stopped: it reads the files the server writes."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

state_app = typer.Typer(help="The server's relational state (SQLite files or PostgreSQL).", no_args_is_help=True)


@state_app.command("migrate")
def migrate(
    to: Optional[str] = typer.Option(None, "--to", envvar="KUBECOMMIT_DATABASE_URL",
                                     help="postgresql:// URL of the target database (the server's database_url)."),
    data_dir: Path = typer.Option(Path(".data"), "--data-dir", envvar="KUBECOMMIT_DATA_DIR",
                                  help="The stopped server's data directory."),
    replace: bool = typer.Option(False, "--replace",
                                 help="Overwrite target tables that already hold rows (they are emptied first)."),
) -> None:
    """Copy every SQLite state table of DATA_DIR into PostgreSQL; run again, it skips what is copied."""
    from server.admin.state import SCHEMAS
    from server.errors import KubecommitError
    from server.state.transfer import StateMigration

    console = Console(stderr=True)
    try:
        migration = StateMigration(data_dir, to or "", SCHEMAS)
    except KubecommitError as error:
        typer.echo(f"kubecommit: {error}", err=True)
        raise typer.Exit(2)
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=False) as progress:
            tasks = {(c.schema.component, table): progress.add_task(f"{c.schema.component}: {table}", total=rows)
                     for c in migration.components if not c.done or replace for table, rows in c.rows.items()}
            done = migration.run(replace, lambda component, table, rows: progress.advance(
                tasks[(component, table)], rows))
    except KubecommitError as error:
        typer.echo(f"kubecommit: {error}", err=True)
        raise typer.Exit(2)
    finally:
        migration.close()
    for component in done:
        console.print(f"{component.schema.component}: {component.outcome}"
                      + (f" ({sum(component.rows.values())} rows)" if component.rows else ""))
    console.print(f"Done. Start the server with database_url set to {migration.target.where} and the same store key.")
