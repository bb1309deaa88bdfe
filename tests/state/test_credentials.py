"""Sealed cluster credentials and channel signing secrets in the state database, against both
backends: written, replaced, deleted, seen by a second process of the same database (a replica),
and moved in from the per-cluster files older servers kept or the SQLite file of a server moving
to PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitstore import StoreKey
from gitstore.crypto import DecryptionError
from server.alerts.config import ChannelSecrets
from server.security.credentials import CredentialStore
from tests.support.postgres import PostgresServer


@pytest.mark.parametrize("table", ["clusters", "channels"])
def test_secrets_are_kept_replaced_and_deleted(tmp_path: Path, database_url: str, table: str) -> None:
    first = CredentialStore(tmp_path / "a", database_url)
    second = CredentialStore(tmp_path / "b" if database_url else tmp_path / "a", database_url)
    mine, theirs = getattr(first, table), getattr(second, table)
    try:
        mine.write("prod", b"sealed-1")
        assert theirs.read("prod") == b"sealed-1"  # a replica on the same database sees it
        mine.write("prod", b"sealed-2")
        assert theirs.read("prod") == b"sealed-2"
        other = first.channels if table == "clusters" else first.clusters
        assert other.read("prod") is None  # one table's names are not the other's
        theirs.delete("prod")
        assert mine.read("prod") is None and mine.read("never") is None
    finally:
        first.close()
        second.close()


def test_files_of_older_servers_are_moved_in_and_destroyed(tmp_path: Path, database_url: str) -> None:
    legacy = tmp_path / "credentials"
    legacy.mkdir()
    (legacy / "old.kubeconfig.enc").write_bytes(b"sealed-old")
    store = CredentialStore(tmp_path, database_url)
    try:
        assert store.clusters.read("old") == b"sealed-old"
        assert not legacy.exists()
    finally:
        store.close()


def test_moving_to_postgresql_takes_the_sqlite_secrets_along(tmp_path: Path, postgres: PostgresServer) -> None:
    embedded = CredentialStore(tmp_path)
    embedded.clusters.write("prod", b"sealed-prod")
    embedded.channels.write("pager", b"sealed-key")
    embedded.close()
    url = postgres.new_database()
    shared = CredentialStore(tmp_path, url)
    try:
        assert shared.clusters.read("prod") == b"sealed-prod"
        assert shared.channels.read("pager") == b"sealed-key"
        assert not (tmp_path / CredentialStore.FILE).exists()  # not left behind in a second place
    finally:
        shared.close()


def test_channel_secrets_are_sealed_and_older_key_files_moved_in(tmp_path: Path, database_url: str) -> None:
    """Older servers kept `channels/<id>.key` in plain text (0600) in one replica's directory."""
    legacy = tmp_path / "channels"
    legacy.mkdir()
    (legacy / "pager.key").write_text("old-secret")
    key = StoreKey.generate()
    store = CredentialStore(tmp_path, database_url)
    try:
        signing = ChannelSecrets(store.channels, key, tmp_path)
        assert signing.read("pager") == b"old-secret" and not legacy.exists()
        made = signing.new("chat")
        assert signing.read("chat") == made.encode() and signing.read("never") == b""
        assert made.encode() not in (store.channels.read("chat") or b"")  # sealed, not stored as is
        # Bound to its channel: one channel's sealed secret does not open as another's.
        store.channels.write("stolen", store.channels.read("chat") or b"")
        with pytest.raises(DecryptionError):
            signing.read("stolen")
        signing.forget("chat")
        assert signing.read("chat") == b""
    finally:
        store.close()
