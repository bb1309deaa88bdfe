"""Who is calling: the `authorization: Bearer <token>` metadata turned into a Caller.

A token is either a kubecommit token (`kc_...`, tokens.py) or, when a key is configured, a JWT
(jwtauth.py). Every failure is UNAUTHENTICATED with one of two messages, "missing" or "invalid":
nothing tells an unknown user from a wrong secret, a forged signature from an expired one. The
precise cause goes to the server log (never the token itself).
"""

from __future__ import annotations

import logging
import re
from typing import Iterable

from server import context
from server.context import Caller
from server.errors import Unauthenticated
from server.security.jwtauth import JwtVerifier
from server.security.roles import ROLES
from server.security.tokens import PREFIX, TokenStore

log = logging.getLogger("kubecommit.auth")

HEADER = "authorization"
# Above any kubecommit token and common JWTs, below gRPC's own 8 KiB metadata limit (past which
# the transport answers RESOURCE_EXHAUSTED before any code runs); longer is refused unparsed.
MAX_CREDENTIAL_BYTES = 6144
# RFC 6750 b64token after a case-insensitive scheme.
_BEARER = re.compile(r"^(?i:bearer) +([A-Za-z0-9._~+/=-]+)$")


def _refused(why: str) -> Unauthenticated:
    log.info("authentication failed", extra={"why": why, "request_id": context.current().request_id})
    return Unauthenticated("invalid, expired or revoked token", "INVALID_TOKEN")


class Authenticator:
    def __init__(self, tokens: TokenStore, jwt: JwtVerifier | None) -> None:
        self.tokens = tokens
        self.jwt = jwt

    def authenticate(self, metadata: Iterable[tuple[str, str | bytes]] | None) -> Caller:
        """The caller the metadata proves; Unauthenticated otherwise."""
        values = [value for key, value in metadata or () if key == HEADER]
        if not values:
            raise Unauthenticated(
                "this RPC needs a token: send `authorization: Bearer <token>` metadata",
                "TOKEN_MISSING")
        if len(values) > 1:
            raise _refused("several authorization values")
        value = values[0]
        if not isinstance(value, str) or len(value) > MAX_CREDENTIAL_BYTES:
            raise _refused("authorization value too long or not text")
        match = _BEARER.match(value)
        if match is None:
            raise _refused("not a bearer credential")
        credential = match.group(1)
        if credential.startswith(f"{PREFIX}_"):
            record = self.tokens.verify(credential)
            if record is None:
                raise _refused("unknown, wrong, revoked or expired token")
            caller = Caller(name=record.name, email=record.email, role=record.role,
                            clusters=record.clusters, namespaces=record.namespaces)
        elif self.jwt is not None:
            try:
                caller = self.jwt.verify(credential)
            except Exception as error:  # fail closed on anything a hostile token provokes
                raise _refused(f"jwt: {type(error).__name__}") from None  # its text may quote the token
        else:
            raise _refused("not a kubecommit token and no JWT key is configured")
        if caller.role not in ROLES:  # a role this server no longer has
            raise _refused(f"role {caller.role!r} does not exist")
        return caller
