"""`kubecommit config ...` and `kubecommit login`: named contexts like kubectl's kubeconfig.

A context holds server, token or token-file, ca, cluster and namespace. `login` checks a token
against the server before storing it in a 0600 file and pointing the context at it, so a token
never has to live in shell history or in the config file itself.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Optional

import typer

from clients.cli.connection import CONTEXT_KEYS, Config, Target, target, write_private
from clients.cli.errors import CliError
from clients.cli.printers import dump_yaml, table
from kubecommit.v1 import clusters_pb2

config_app = typer.Typer(help="Contexts: where to connect, as whom, and the default cluster and namespace.",
                         no_args_is_help=True)


def _known(config: Config, name: str) -> None:
    if name not in config.contexts:
        raise CliError(f"context {name!r} not found in {config.path}",
                       f"known contexts: {', '.join(sorted(config.contexts)) or 'none'}")


@config_app.command("set-context")
def set_context(
    name: str = typer.Argument(..., help="The context's name."),
    server: Optional[str] = typer.Option(None, "--server", help="HOST[:PORT] (port 50051 when omitted)."),
    token_file: Optional[Path] = typer.Option(None, "--token-file", help="A file holding the bearer token."),
    ca: Optional[Path] = typer.Option(None, "--ca", help="CA certificate of a TLS server."),
    cluster: Optional[str] = typer.Option(None, "--cluster", help="Default cluster."),
    namespace: Optional[str] = typer.Option(None, "--namespace", "-n", help="Default namespace."),
    current: bool = typer.Option(False, "--current", help="Also make it the current context."),
) -> None:
    """Create or update a context (only the given settings change)."""
    config = Config.load()
    existed = name in config.contexts
    entry = config.contexts.setdefault(name, {})
    given = {"server": server, "token-file": token_file and str(token_file.expanduser().resolve()),
             "ca": ca and str(ca.expanduser().resolve()), "cluster": cluster, "namespace": namespace}
    entry.update({k: v for k, v in given.items() if v is not None})
    if current or not config.current:
        config.current = name
    config.save()
    typer.echo(f'Context "{name}" {"modified" if existed else "created"}.')


@config_app.command("use-context")
def use_context(name: str = typer.Argument(...)) -> None:
    """Make a context the current one."""
    config = Config.load()
    _known(config, name)
    config.current = name
    config.save()
    typer.echo(f'Switched to context "{name}".')


@config_app.command("current-context")
def current_context() -> None:
    """Print the current context's name."""
    config = Config.load()
    if not config.current:
        raise CliError("current-context is not set", "kubecommit config use-context NAME")
    typer.echo(config.current)


@config_app.command("get-contexts")
def get_contexts() -> None:
    """Every context; `*` marks the current one."""
    config = Config.load()
    table(["CURRENT", "NAME", "SERVER", "CLUSTER", "NAMESPACE"],
          [["*" if name == config.current else "", name, c.get("server", ""), c.get("cluster", ""),
            c.get("namespace", "")] for name, c in sorted(config.contexts.items())])


@config_app.command("delete-context")
def delete_context(name: str = typer.Argument(...)) -> None:
    """Remove a context (and forget it as current)."""
    config = Config.load()
    _known(config, name)
    del config.contexts[name]
    if config.current == name:
        config.current = ""
    config.save()
    typer.echo(f'Deleted context "{name}".')


@config_app.command("view")
def view() -> None:
    """The config file, tokens redacted."""
    config = Config.load()
    contexts = {name: {k: ("REDACTED" if k == "token" else v) for k, v in c.items() if k in CONTEXT_KEYS}
                for name, c in config.contexts.items()}
    sys.stdout.write(dump_yaml({"current-context": config.current, "contexts": contexts}))


def login(
    ctx: typer.Context,
    name: Optional[str] = typer.Option(None, "--name", help="Context to store it in; the current, else `default`."),
    token_stdin: bool = typer.Option(False, "--token-stdin", help="Read the token from stdin instead of a prompt."),
) -> None:
    """Check a token against the server, then store it (mode 0600) for a context."""
    root = target(ctx)
    token = sys.stdin.readline().strip() if token_stdin else getpass.getpass("Token: ").strip()
    if not token:
        raise CliError("no token given", "paste the token printed by `kubecommit token create`", usage=True)
    config = Config.load()
    context = name or root.context or config.current or "default"
    settings = config.contexts.get(context, {})
    server = root.server or settings.get("server")
    probe = Target(server, token, None, root.data_dir, root.ca or (Path(settings["ca"]) if settings.get("ca") else None))
    rpc = probe.remote()
    rpc.call(rpc.clusters.ListClusters, clusters_pb2.ListClustersRequest(page_size=1))
    path = config.token_dir() / context
    write_private(path, token + "\n")
    entry = config.contexts.setdefault(context, {})
    entry.pop("token", None)
    entry["token-file"] = str(path)
    if server:
        entry["server"] = server
    config.current = config.current or context
    config.save()
    typer.echo(f'Logged in to {rpc.server}; token stored in {path} for context "{context}".')
