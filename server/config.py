"""Server settings from defaults, an optional YAML file, KUBECOMMIT_* environment variables and
flags, later sources winning. One dataclass, so every knob is listed in one place."""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from server.errors import InvalidArgument

MIB = 1024 * 1024


@dataclass
class Settings:
    # host:port; port 0 picks a free port and the server prints the one it bound.
    listen: str = "127.0.0.1:50051"
    data_dir: Path = Path(".data")
    log_level: str = "INFO"
    # `json` for machines (one object per line), `text` for people.
    log_format: str = "json"
    reflection: bool = True
    # Manifests and uploads are bounded; larger requests get RESOURCE_EXHAUSTED from gRPC.
    max_receive_message_bytes: int = 8 * MIB
    max_send_message_bytes: int = 32 * MIB
    shutdown_grace_seconds: float = 10.0
    # The whole stop, drain included, is bounded by this: a stop still running then prints every
    # thread's and task's stack to stderr and exits with code 1 (a process must not outlive its
    # stop; Kubernetes' default terminationGracePeriodSeconds is 30). 0 = the grace period + 20 s.
    shutdown_timeout_seconds: float = 0.0
    # Every call to a cluster is bounded by this.
    cluster_timeout_seconds: float = 15.0
    # Watches (informers, WatchResources, the pods of a log follow) ask the API server to end them
    # after a random 1-2x of this and are reopened; one silent for longer than that plus
    # cluster_timeout_seconds is taken for a partition (client-go's informers: 5-10 min).
    cluster_watch_timeout_seconds: float = 300.0
    # Answers that ask many clusters at once (quota usage and lists across `clusters/-`) wait this
    # long for each; slower clusters are reported as unreachable, not waited for.
    fanout_timeout_seconds: float = 3.0
    # Kubeconfigs with `exec`/`auth-provider` credentials run programs on this server: off unless
    # the operator trusts every caller allowed to register clusters.
    allow_exec_credentials: bool = False
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # When set, clients must present a certificate signed by this CA (mutual TLS).
    tls_client_ca: Path | None = None
    # Allow plaintext on a non-loopback address.
    insecure: bool = False
    # Bearer JWTs (docs/security.md): the verification key, a PEM public key or a file holding
    # an HMAC secret (32+ bytes); the key's type picks among these algorithms.
    jwt_key: Path | None = None
    jwt_algorithms: str = "HS256,RS256,ES256"
    # Checked when set (`iss` / `aud` claims).
    jwt_issuer: str = ""
    jwt_audience: str = ""
    # Claims naming the caller and its role (viewer, operator, admin).
    jwt_name_claim: str = "sub"
    jwt_role_claim: str = "role"
    jwt_leeway_seconds: float = 30.0
    # Per caller: sustained calls per second and burst (0 = no limit), concurrently open streams.
    rate_limit_per_second: float = 100.0
    rate_limit_burst: int = 400
    max_streams_per_caller: int = 32
    # An idle StreamLogs or ExecStream gets a heartbeat message this often, so proxies and load
    # balancers that drop idle HTTP/2 streams keep it open.
    stream_heartbeat_seconds: float = 30.0
    # Shared state (tokens, audit, exec records, jobs, alerts, samples) in PostgreSQL for replicas
    # (docs/deploy.md): `postgresql://user:password@host:port/db`; empty = SQLite files in
    # data_dir. Its password is never logged.
    database_url: str = ""
    # Audit log retention: the newest rows up to this count and age are kept.
    audit_max_rows: int = 1_000_000
    audit_max_age_days: float = 365.0
    # A watch cache (list + watch per cluster and kind that carries labels, server/kube/cache.py)
    # that label selections, key inventories and compliance checks read when it is synced; off,
    # they list from the clusters every time. Bounded per cluster (docs/configuration.md).
    watch_cache_enabled: bool = True
    watch_cache_max_objects: int = 100_000
    # Work the server does by itself (docs/jobs.md). Off, the server only acts when called.
    jobs_enabled: bool = True
    # How often the runner looks for due jobs.
    jobs_tick_seconds: float = 1.0
    # Out-of-band changes: `import` commits them (author: the recorder), `alert` only raises a
    # drift alert, `off` does neither. A cluster's tag `drift-recorder` overrides it.
    drift_recorder_mode: str = "import"
    drift_recorder_schedule: str = "every 5m"
    # Scheduled backups of the store: a cron expression or `every <n>[smhd]`; empty = none.
    backup_schedule: str = "0 2 * * *"
    # `full`, or `incremental`: each backup builds on the previous one, a full every N backups.
    backup_mode: str = "full"
    backup_full_every: int = 7
    # Scheduled backups kept: the newest N that are younger than the age (bases of kept
    # incrementals are always kept).
    backup_keep_count: int = 30
    backup_keep_days: float = 30.0
    # Samplers of cluster metrics and quota usage, and the health watch.
    sample_schedule: str = "every 1m"
    health_schedule: str = "every 1m"
    # Time series: raw samples for a day, 5-minute averages for a week, hourly ones up to this.
    timeseries_retention_days: float = 30.0
    # Resolved alerts and webhook delivery records are kept this long.
    alert_retention_days: float = 90.0
    # Webhook deliveries: per-attempt timeout and attempts (exponential backoff between them).
    webhook_timeout_seconds: float = 5.0
    webhook_attempts: int = 4
    # Prometheus metrics over HTTP at /metrics on HOST:PORT; empty = off (port 0 picks one).
    metrics_listen: str = ""
    # A git remote (git://, ssh://, https://) that every store change is pushed to, in the
    # background; credentials in it are never logged (pass it through the environment).
    mirror_url: str = ""
    # Failed pushes are retried with exponential backoff up to this pause.
    mirror_retry_max_seconds: float = 60.0
    # The remote is also compared with the store this often when nothing changed.
    mirror_interval_seconds: float = 30.0
    # Replicas with a leader (docs/deploy.md): the Lease's name turns election on (it needs
    # mirror_url); the Lease is held in the cluster of `lease_kubeconfig`, or in-cluster if unset.
    lease_name: str = ""
    lease_namespace: str = "default"
    lease_kubeconfig: Path | None = None
    # client-go's semantics: retry period < renew deadline < lease duration.
    lease_duration_seconds: float = 15.0
    lease_renew_deadline_seconds: float = 10.0
    lease_retry_period_seconds: float = 2.0
    # HOST:PORT at which callers reach this replica (followers name the leader's); default listen.
    advertise_address: str = ""
    # Followers forward calls that need the leader to it at its advertise_address (docs/deploy.md);
    # off, they answer FAILED_PRECONDITION NOT_LEADER naming that address instead.
    forward_to_leader: bool = True
    # With TLS: the CA that signed the replicas' serving certificates, trusted when forwarding
    # (default: the system's roots); under mutual TLS a follower presents tls_cert/tls_key.
    forward_ca: Path | None = None
    # Cost rules of scans (server/mcp/scanners/usage.py): what a requested CPU core and GiB of memory
    # cost per hour.
    scan_price_cpu_hour: float = 0.031
    scan_price_gib_hour: float = 0.004
    # Hourly price per node instance type, `m5.xlarge=0.192,g4dn.xlarge=0.526` (node cost rule).
    scan_node_prices: str = ""
    # The MCP server over streamable HTTP (`/mcp`), next to the gRPC server: host:port, off when
    # empty. Every request needs `Authorization: Bearer <token>` and runs with that caller's rights.
    mcp_http_listen: str = ""

    def __post_init__(self) -> None:
        if self.stream_heartbeat_seconds <= 0:
            raise InvalidArgument.field("stream_heartbeat_seconds", "must be positive")
        if self.watch_cache_max_objects <= 0:
            raise InvalidArgument.field("watch_cache_max_objects", "must be positive")

    @classmethod
    def load(
        cls,
        config_file: Path | None = None,
        env: Mapping[str, str] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> "Settings":
        values: dict[str, Any] = {}
        if config_file is not None:
            try:
                loaded = yaml.load(config_file.read_text(), Loader=yaml.CSafeLoader) or {}
            except (OSError, yaml.YAMLError) as error:
                raise InvalidArgument.field("config", f"cannot read {config_file}: {error}")
            if not isinstance(loaded, dict):
                raise InvalidArgument.field("config", f"{config_file} must hold a mapping")
            values.update({k.replace("-", "_"): v for k, v in loaded.items()})
        env = os.environ if env is None else env
        for f in dataclasses.fields(cls):
            key = f"KUBECOMMIT_{f.name.upper()}"
            if key in env:
                values[f.name] = env[key]
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise InvalidArgument.field("config", f"unknown setting(s): {', '.join(unknown)}")
        hints = typing.get_type_hints(cls)
        return cls(**{name: _coerce(name, hints[name], value) for name, value in values.items()})


def _coerce(name: str, hint: Any, value: Any) -> Any:
    """Turns strings from the environment or YAML scalars into the field's type."""
    if value is None:
        return None
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    try:
        if hint is bool and isinstance(value, str):
            if value.lower() not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(f"not a boolean: {value!r}")
            return value.lower() in {"1", "true", "yes", "on"}
        if hint in (int, float, str, Path, bool):
            return hint(value)
    except (TypeError, ValueError) as error:
        raise InvalidArgument.field(name, f"invalid value {value!r}: {error}")
    raise InvalidArgument.field(name, f"invalid value {value!r}")
