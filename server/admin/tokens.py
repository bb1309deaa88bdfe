"""Tokens through the API: create (the secret returned once), list with a filter, revoke by id.
The TokenStore is the one the server authenticates against, so a revocation holds on the next
call."""

from __future__ import annotations

import asyncio
import enum
import re
import time
from dataclasses import dataclass

from server import paging
from server.errors import FieldViolation, InvalidArgument
from server.filtering import parse_terms
from server.security.tokens import TokenRecord, TokenStore

_NAME = re.compile(r"^tokens/([0-9a-f]{16})$")
# TokenStore names its arguments; the API's fields are these.
_FIELDS = {"name": "token.display_name", "role": "token.role", "email": "token.email",
           "expires_in": "token.ttl", "clusters": "token.clusters", "namespaces": "token.namespaces"}


class State(enum.StrEnum):
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


def state_of(record: TokenRecord, now: float) -> State:
    if record.revoked_at is not None:
        return State.REVOKED
    return State.ACTIVE if record.active(now) else State.EXPIRED


@dataclass(frozen=True)
class TokenSpec:
    display_name: str
    role: str
    email: str = ""
    clusters: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    # Seconds from now; None: never expires.
    expires_in: float | None = None


def token_id(name: str, field: str = "name") -> str:
    match = _NAME.match(name)
    if match is None:
        raise InvalidArgument.field(field, f"{name!r} is not a token name (tokens/ and 16 hex digits)")
    return match.group(1)


async def create_token(tokens: TokenStore, spec: TokenSpec) -> tuple[str, TokenRecord]:
    """(the bearer token, its record); invalid fields are named as the API names them."""
    try:
        return await asyncio.to_thread(tokens.create, spec.display_name, spec.role, spec.email,
                                       spec.clusters, spec.namespaces, spec.expires_in)
    except InvalidArgument as error:
        violations = [FieldViolation(_FIELDS.get(v.field, v.field), v.description) for v in error.violations]
        message = "; ".join(f"{v.field}: {v.description}" for v in violations) or error.message
        raise InvalidArgument(message, error.reason, violations) from None


async def list_tokens(tokens: TokenStore, filter_text: str, size: int, token: str
                      ) -> tuple[list[TokenRecord], str]:
    """Oldest first: one page of the tokens matching `filter` (display_name, role, state)."""
    equality = ("=", "!=")
    terms = parse_terms(filter_text, {"display_name": equality, "role": equality, "state": equality})
    now = time.time()

    def value(record: TokenRecord, field: str) -> str:
        if field == "state":
            return state_of(record, now).value
        return record.name if field == "display_name" else record.role

    def wanted(term_value: str, field: str) -> str:
        return term_value.upper().removeprefix("STATE_") if field == "state" else term_value

    matching = [r for r in await asyncio.to_thread(tokens.list)
                if all((value(r, t.field) == wanted(t.value, t.field)) != (t.op == "!=") for t in terms)]
    return paging.offset_page(matching, ("tokens", filter_text), size, token)


async def revoke_token(tokens: TokenStore, name: str) -> TokenRecord:
    """Revoke one token by its resource name; NOT_FOUND when it is unknown or already revoked."""
    (record,) = await asyncio.to_thread(tokens.revoke, token_id(name), by_name=False)
    return record
