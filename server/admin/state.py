"""Every component's relational state, for `kubecommit state migrate` (server/state/transfer.py):
the one list of what a server keeps in its data directory's SQLite files or in PostgreSQL."""

from __future__ import annotations

from server import registry
from server.alerts import notify, store as alerts
from server.containers import records
from server.jobs import state as jobs, timeseries
from server.mcp import history
from server.security import audit, credentials, tokens
from server.state import Schema
from server.versions import intents

SCHEMAS: tuple[Schema, ...] = (
    tokens.SCHEMA, audit.SCHEMA, records.SCHEMA, jobs.SCHEMA, alerts.SCHEMA, notify.SCHEMA,
    timeseries.SCHEMA, history.SCHEMA, intents.SCHEMA, credentials.SCHEMA, registry.SCHEMA,
)
