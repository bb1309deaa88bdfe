from __future__ import annotations

import base64
import json
import os
import stat
import zlib
from pathlib import Path

import pytest

from gitstore import Change, Precondition, Store, StoreKey, document_diff, field_diff
from gitstore.crypto import DecryptionError
from gitstore.secrets import LAST_APPLIED, redact

from .conftest import ALICE, DB_SECRET, SECRET, git

PLAINTEXTS = [b"super-secret-password", b"c3VwZXItc2VjcmV0LXBhc3N3b3Jk", b"plain-token-value-1234"]


def _all_object_bytes(repo: Path) -> bytes:
    """Every object of the repository, decompressed: loose objects and packed ones."""
    out = []
    for loose in (repo / "objects").glob("[0-9a-f][0-9a-f]/*"):
        out.append(zlib.decompress(loose.read_bytes()))
    listing = git(repo, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)").stdout
    for sha in listing.split():
        out.append(git(repo, "cat-file", "-p", sha).stdout.encode())
    return b"\n".join(out)


def test_key_file_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "store.key"
    k1 = StoreKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    k2 = StoreKey.load_or_create(path)
    assert k1.fingerprint == k2.fingerprint
    assert len(base64.b64decode(path.read_text())) == 32


def test_key_from_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv("KUBECOMMIT_STORE_KEY", raw)
    k = StoreKey.from_config(tmp_path / "unused.key")
    assert not (tmp_path / "unused.key").exists()
    assert k.fingerprint == StoreKey(base64.b64decode(raw)).fingerprint
    monkeypatch.setenv("KUBECOMMIT_STORE_KEY", "not base64 !!")
    with pytest.raises(Precondition):
        StoreKey.from_env()


def test_aead_round_trips_and_tamper_detection() -> None:
    key, other = StoreKey.generate(), StoreKey.generate()
    sealed = key.encrypt(b"kubeconfig bytes", b"clusters/prod")
    assert sealed != key.encrypt(b"kubeconfig bytes", b"clusters/prod")  # random nonce
    assert key.decrypt(sealed, b"clusters/prod") == b"kubeconfig bytes"
    for bad in (lambda: key.decrypt(sealed, b"clusters/dev"), lambda: other.decrypt(sealed, b"clusters/prod"),
                lambda: key.decrypt(sealed[:-1] + bytes([sealed[-1] ^ 1]), b"clusters/prod")):
        with pytest.raises(DecryptionError):
            bad()
    det = key.encrypt_deterministic(b"v", b"ad")
    assert det == key.encrypt_deterministic(b"v", b"ad") != key.encrypt_deterministic(b"v", b"ad2")
    assert key.decrypt_deterministic(det, b"ad") == b"v"


def test_secret_values_encrypted_at_rest_and_decrypted_on_read(store: Store) -> None:
    info = store.commit([Change.put(DB_SECRET, SECRET)], author=ALICE)
    doc = store.read(DB_SECRET)
    assert doc.data == SECRET and not doc.encrypted
    stored = git(store.path, "show", f"main:{DB_SECRET}").stdout
    assert "ENC[AES-SIV," in stored and "name: db" in stored
    store.pack()  # check packed objects too
    store.commit([Change.put(DB_SECRET, {**SECRET, "metadata": {"name": "db", "labels": {"a": "b"}}})],
                 author=ALICE)
    everything = _all_object_bytes(store.path)
    for plaintext in PLAINTEXTS:
        assert plaintext not in everything
    # deterministic: re-applying the same Secret is a no-op, not a new ciphertext
    assert store.commit([Change.put(DB_SECRET, store.read(DB_SECRET).data)], author=ALICE) is None
    assert store.read(DB_SECRET, ref=info.commit_id).data == SECRET


def test_store_without_key(tmp_path: Path, store: Store) -> None:
    store.commit([Change.put(DB_SECRET, SECRET)], author=ALICE)
    keyless = Store.open(store.path)
    locked = keyless.read(DB_SECRET)
    assert locked.encrypted and locked.data["stringData"]["token"].startswith("ENC[")
    with pytest.raises(Precondition):
        keyless.commit([Change.put("clusters/prod/secrets/x.yaml", SECRET)], author=ALICE)
    keyless.close()


def test_wrong_key_cannot_read(store: Store) -> None:
    store.commit([Change.put(DB_SECRET, SECRET)], author=ALICE)
    intruder = Store.open(store.path, key=StoreKey.generate())
    with pytest.raises(DecryptionError):
        intruder.read(DB_SECRET)
    intruder.close()


def test_key_never_in_repository(tmp_path: Path, store: Store) -> None:
    store.commit([Change.put(DB_SECRET, SECRET)], author=ALICE)
    key_text = (tmp_path / "keys" / "store.key").read_text().strip().encode()
    for f in store.path.rglob("*"):
        if f.is_file():
            assert key_text not in f.read_bytes()


def _applied_secret(password: str, annotation: str | None = None) -> dict:
    inner = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "data": {"password": password},
             "stringData": {"token": password + "-token"}}
    return {"apiVersion": "v1", "kind": "Secret", "data": {"password": password},
            "metadata": {"name": "db", "annotations": {LAST_APPLIED: annotation or json.dumps(inner)}}}


def test_redaction_reaches_inside_the_last_applied_annotation() -> None:
    old, new = _applied_secret("b2xkLXZhbHVl"), _applied_secret("bmV3LXZhbHVl")
    diff = document_diff("db", old, new)
    everything = diff.unified + repr(diff.fields)
    assert "b2xkLXZhbHVl" not in everything and "bmV3LXZhbHVl" not in everything
    assert '"password":"<redacted-changed>"' in diff.unified  # a change is still visible
    assert {c.path: c.redacted for c in diff.fields.changes} == {
        "data.password": True, f'metadata.annotations["{LAST_APPLIED}"]': True}
    # A document added whole carries its metadata (and the annotation) as one change: markers only.
    added = field_diff(None, new)
    assert "bmV3LXZhbHVl" not in repr(added) and "<redacted-changed>" in repr(added)
    unreadable = redact(_applied_secret("cGxhaW4=", annotation="not json cGxhaW4="))
    assert unreadable["metadata"]["annotations"][LAST_APPLIED] == "<redacted>"
    assert redact({"kind": "ConfigMap", "metadata": {"annotations": {LAST_APPLIED: "{}"}}})["metadata"] == \
        {"annotations": {LAST_APPLIED: "{}"}}
