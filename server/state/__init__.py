"""Relational state (tokens, audit, ...) behind one small interface with two backends: a SQLite
file per component in the data directory (the embedded default) or one PostgreSQL database
shared by every replica (`database_url`). See server/state/database.py."""

from server.state.database import Database, Dialect, Executor, Migration, Schema, redact_url

__all__ = ["Database", "Dialect", "Executor", "Migration", "Schema", "redact_url"]
