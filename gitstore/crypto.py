"""The store key and its AEAD helpers (cryptography).

One 32-byte master key; two sub-keys are derived with HKDF-SHA256:
- ``encrypt``/``decrypt``: AES-256-GCM with a random 96-bit nonce, for arbitrary blobs
  (backups, stored kubeconfigs). Output: ``b"KC1" + nonce + ciphertext+tag``.
- ``encrypt_deterministic``/``decrypt_deterministic``: AES-SIV (RFC 5297, 512-bit key), for
  Secret values: the same plaintext and associated data give the same ciphertext, so an
  unchanged value keeps its blob and diffs as unchanged; it reveals only equality.

The key comes from the environment (``KUBECOMMIT_STORE_KEY``, base64) or a key file created
on first use with mode 0600. It is never written into the repository.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import InvalidDocument, Precondition

ENV_VAR = "KUBECOMMIT_STORE_KEY"
KEY_BYTES = 32
_MAGIC = b"KC1"
_NONCE_BYTES = 12


class DecryptionError(InvalidDocument):
    """Ciphertext was tampered with, truncated, or made with another key."""

    reason = "DECRYPTION_FAILED"


def _derive(master: bytes, label: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=label).derive(master)


class StoreKey:
    """Holds the master key; construct with :meth:`load_or_create`, :meth:`from_env` or bytes."""

    def __init__(self, master: bytes) -> None:
        if len(master) != KEY_BYTES:
            raise Precondition(f"store key must be {KEY_BYTES} bytes", subject="key")
        self._gcm = AESGCM(_derive(master, b"kubecommit/gcm", 32))
        self._siv = AESSIV(_derive(master, b"kubecommit/siv", 64))
        self.fingerprint = _derive(master, b"kubecommit/fingerprint", 8).hex()

    def __repr__(self) -> str:
        return f"StoreKey(fingerprint={self.fingerprint})"

    @classmethod
    def generate(cls) -> StoreKey:
        return cls(os.urandom(KEY_BYTES))

    @staticmethod
    def _decode(text: str, source: str) -> bytes:
        try:
            return base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise Precondition(f"store key in {source} is not base64", subject="key") from exc

    @classmethod
    def from_env(cls, var: str = ENV_VAR) -> StoreKey | None:
        """The key from an environment variable (base64), or None when unset."""
        value = os.environ.get(var)
        return cls(cls._decode(value, var)) if value else None

    @classmethod
    def load_or_create(cls, path: str | os.PathLike[str]) -> StoreKey:
        """Read the key file, creating it (mode 0600, exclusive create) on first start."""
        key_path = Path(path)
        try:
            return cls(cls._decode(key_path.read_text(), str(key_path)))
        except FileNotFoundError:
            pass
        key_path.parent.mkdir(parents=True, exist_ok=True)
        master = os.urandom(KEY_BYTES)
        try:
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process won the race: use its key
            return cls(cls._decode(key_path.read_text(), str(key_path)))
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.b64encode(master).decode() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return cls(master)

    @classmethod
    def from_config(cls, path: str | os.PathLike[str], var: str = ENV_VAR) -> StoreKey:
        """The environment variable wins; otherwise the key file (created if absent)."""
        return cls.from_env(var) or cls.load_or_create(path)

    def encrypt(self, plaintext: bytes, associated_data: bytes = b"") -> bytes:
        """Randomised AEAD (AES-256-GCM) for blobs: backups, kubeconfigs."""
        nonce = os.urandom(_NONCE_BYTES)
        return _MAGIC + nonce + self._gcm.encrypt(nonce, plaintext, associated_data)

    def decrypt(self, ciphertext: bytes, associated_data: bytes = b"") -> bytes:
        if not ciphertext.startswith(_MAGIC) or len(ciphertext) < len(_MAGIC) + _NONCE_BYTES + 16:
            raise DecryptionError("not a kubecommit ciphertext", subject="ciphertext")
        nonce = ciphertext[len(_MAGIC): len(_MAGIC) + _NONCE_BYTES]
        try:
            return self._gcm.decrypt(nonce, ciphertext[len(_MAGIC) + _NONCE_BYTES:], associated_data)
        except InvalidTag as exc:
            raise DecryptionError("authentication failed (tampered or wrong key)",
                                  subject="ciphertext") from exc

    def encrypt_deterministic(self, plaintext: bytes, associated_data: bytes = b"") -> bytes:
        """Deterministic AEAD (AES-SIV): equal inputs give equal outputs."""
        return self._siv.encrypt(plaintext, [associated_data])

    def decrypt_deterministic(self, ciphertext: bytes, associated_data: bytes = b"") -> bytes:
        try:
            return self._siv.decrypt(ciphertext, [associated_data])
        except InvalidTag as exc:
            raise DecryptionError("authentication failed (tampered or wrong key)",
                                  subject="ciphertext") from exc
