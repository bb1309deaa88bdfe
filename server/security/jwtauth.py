"""Bearer JWTs from an identity provider, verified with one configured key.

The key decides the algorithms: a PEM public key allows only the asymmetric algorithms of its
type (RS*/PS* for RSA, ES* for EC, EdDSA for Ed25519), raw bytes only HS*. So a token signed
with HS256 using the public key as the secret (the classic algorithm confusion) never verifies.
Claims map to the caller: name (`sub` by default), role, optional `email`, `clusters` and
`namespaces` (lists or comma-separated strings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from server.config import Settings
from server.context import Caller
from server.errors import FailedPrecondition, InvalidArgument
from server.security.roles import ROLES
from server.security.scope import scope_list

_FAMILIES: dict[type, tuple[str, ...]] = {
    rsa.RSAPublicKey: ("RS", "PS"),
    ec.EllipticCurvePublicKey: ("ES",),
    ed25519.Ed25519PublicKey: ("EdDSA",),
}
MIN_HMAC_KEY_BYTES = 32


class InvalidClaims(Exception):
    """A signed token whose claims do not describe a caller kubecommit knows."""


@dataclass(frozen=True)
class JwtVerifier:
    key: Any
    algorithms: tuple[str, ...]
    issuer: str
    audience: str
    name_claim: str
    role_claim: str
    leeway: float

    @classmethod
    def from_settings(cls, settings: Settings) -> "JwtVerifier | None":
        """None when no key is configured; refuses to start on a key no algorithm fits."""
        if settings.jwt_key is None:
            return None
        try:
            raw = settings.jwt_key.read_bytes()
        except OSError as error:
            raise InvalidArgument.field("jwt_key", f"cannot read {settings.jwt_key}: {error.strerror}")
        wanted = [a.strip() for a in settings.jwt_algorithms.split(",") if a.strip()]
        key: Any
        if raw.lstrip().startswith(b"-----BEGIN"):
            try:
                key = load_pem_public_key(raw.strip())
            except ValueError:
                raise InvalidArgument.field("jwt_key", f"{settings.jwt_key} is not a PEM public key")
            family = next((f for t, f in _FAMILIES.items() if isinstance(key, t)), ())
            allowed = tuple(a for a in wanted if a.startswith(family)) if family else ()
        else:
            key = raw.strip()
            if len(key) < MIN_HMAC_KEY_BYTES:
                raise InvalidArgument.field(
                    "jwt_key", f"an HMAC key needs at least {MIN_HMAC_KEY_BYTES} bytes")
            allowed = tuple(a for a in wanted if a.startswith("HS"))
        if not allowed:
            raise FailedPrecondition(
                f"jwt_algorithms {settings.jwt_algorithms!r} has none that fits the key in "
                f"{settings.jwt_key}", "JWT_KEY_MISMATCH")
        return cls(key, allowed, settings.jwt_issuer, settings.jwt_audience,
                   settings.jwt_name_claim, settings.jwt_role_claim, settings.jwt_leeway_seconds)

    def verify(self, token: str) -> Caller:
        """The caller a valid token names; jwt.PyJWTError or InvalidClaims otherwise."""
        required = ["exp", self.name_claim, self.role_claim]
        claims = jwt.decode(
            token, self.key, algorithms=list(self.algorithms),
            issuer=self.issuer or None, audience=self.audience or None, leeway=self.leeway,
            options={"require": required + (["iss"] if self.issuer else []) + (["aud"] if self.audience else [])},
        )
        name, role, email = claims[self.name_claim], claims[self.role_claim], claims.get("email", "")
        if not all(isinstance(v, str) for v in (name, role, email)) or not name or role not in ROLES:
            raise InvalidClaims("name, role or email claim")
        try:
            return Caller(name=name, email=email or f"{name}@kubecommit.local", role=role,
                          clusters=_list_claim(claims, "clusters"),
                          namespaces=_list_claim(claims, "namespaces"))
        except InvalidArgument as error:
            raise InvalidClaims(str(error)) from None


def _list_claim(claims: dict[str, Any], claim: str) -> tuple[str, ...]:
    value = claims.get(claim, [])
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidClaims(f"{claim} claim")
    return scope_list(value, claim)
