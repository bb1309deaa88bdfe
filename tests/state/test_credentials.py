"""Sealed cluster credentials in the state database, against both backends: written, replaced,
deleted, seen by a second process of the same database (a replica), and moved in from the
per-cluster files older servers kept."""

from __future__ import annotations

from pathlib import Path

from server.security.credentials import CredentialStore
from tests.support.postgres import PostgresServer


def test_credentials_are_kept_replaced_and_deleted(tmp_path: Path, database_url: str) -> None:
    first = CredentialStore(tmp_path / "a", database_url)
    second = CredentialStore(tmp_path / "b" if database_url else tmp_path / "a", database_url)
    try:
        first.write("prod", b"sealed-1")
        assert second.read("prod") == b"sealed-1"  # a replica on the same database sees it
        first.write("prod", b"sealed-2")
        assert second.read("prod") == b"sealed-2"
        second.delete("prod")
        assert first.read("prod") is None and first.read("never") is None
    finally:
        first.close()
        second.close()


def test_files_of_older_servers_are_moved_in_and_destroyed(tmp_path: Path, database_url: str) -> None:
    legacy = tmp_path / "credentials"
    legacy.mkdir()
    (legacy / "old.kubeconfig.enc").write_bytes(b"sealed-old")
    store = CredentialStore(tmp_path, database_url)
    try:
        assert store.read("old") == b"sealed-old"
        assert not legacy.exists()
    finally:
        store.close()


def test_moving_to_postgresql_takes_the_sqlite_credentials_along(tmp_path: Path, postgres: PostgresServer) -> None:
    embedded = CredentialStore(tmp_path)
    embedded.write("prod", b"sealed-prod")
    embedded.close()
    url = postgres.new_database()
    shared = CredentialStore(tmp_path, url)
    try:
        assert shared.read("prod") == b"sealed-prod"
        assert not (tmp_path / CredentialStore.FILE).exists()  # not left behind in a second place
    finally:
        shared.close()
