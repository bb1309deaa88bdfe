"""The data directory holds no plaintext token or kubeconfig: every file is read, and every git
object of the store decompressed, and searched for the secrets that went in."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

from dulwich.repo import Repo

from kubesim.kubeconfig import kubeconfig_text
from server.embedded import EmbeddedServer
from server.runtime import ADMIN_TOKEN_FILE
from tests.support.auth import admin_token, make_token
from tests.support.clusters import register_cluster

KUBECONFIG_TOKEN = "kubeconfig-bearer-0f9e8d7c6b5a-do-not-store"


def _contents(data_dir: Path) -> Iterator[tuple[str, bytes]]:
    """(where, bytes) for every file, and for every object of every git repository inside."""
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        yield str(path.relative_to(data_dir)), path.read_bytes()
    for head in data_dir.rglob("HEAD"):
        if (head.parent / "objects").is_dir():
            repo = Repo(str(head.parent))
            try:
                for sha in repo.object_store:
                    yield f"{head.parent.name}:{sha.decode()}", repo.object_store[sha].as_raw_string()
            finally:
                repo.close()


def _secret(token: str) -> str:
    """The secret part of `kc_<id>_<secret>`: the secret itself may hold `_` (base64url)."""
    prefix, token_id, secret = token.split("_", 2)
    assert prefix == "kc" and len(token_id) == 16 and len(secret) == 43, token
    return secret


def _holding(data_dir: Path, secret: str) -> list[str]:
    return [where for where, data in _contents(data_dir) if secret.encode() in data]


def test_tokens_are_stored_only_as_hashes(server_factory: Callable[..., EmbeddedServer]) -> None:
    embedded = server_factory()
    data = embedded.settings.data_dir
    made = [make_token(embedded, f"user{i}", role) for i, role in enumerate(("viewer", "operator", "admin"))]
    for token in made:
        secret = _secret(token)
        assert _holding(data, secret) == [], token
    # The first-start admin token is the one plaintext credential, by design, owner-only.
    assert _holding(data, _secret(admin_token(data))) == [ADMIN_TOKEN_FILE]


def test_kubeconfigs_are_encrypted_at_rest(server_factory: Callable[..., EmbeddedServer]) -> None:
    embedded = server_factory()
    config = kubeconfig_text("https://127.0.0.1:6443", "vault", token=KUBECONFIG_TOKEN)
    register_cluster(embedded, "vault", config)
    embedded.stop()  # everything flushed and closed
    data = embedded.settings.data_dir
    assert any("vault" in where or b"vault" in raw for where, raw in _contents(data))  # registered...
    assert _holding(data, KUBECONFIG_TOKEN) == []  # ...its credentials are not readable
    assert _holding(data, "users:") == []  # nor any other part of the kubeconfig text
