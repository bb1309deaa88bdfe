"""Authentication through real channels: what gets in, what is refused, and that every refusal
looks the same whatever the cause."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Callable

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from kubecommit.v1 import clusters_pb2
from server.config import Settings
from server.embedded import EmbeddedServer
from server.errors import FailedPrecondition, InvalidArgument
from server.security.authn import MAX_CREDENTIAL_BYTES
from server.security.jwtauth import JwtVerifier
from server.security.tokens import TokenStore
from tests.security.conftest import call
from tests.support.auth import admin_token, make_token
from tests.support.status import Details

GET_CLUSTER = "/kubecommit.v1.ClustersService/GetCluster"
REQUEST = clusters_pb2.GetClusterRequest(name="clusters/prod")
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def refused(got: Details | None) -> bool:
    return got is not None and got.code == UNAUTHENTICATED and got.reason == "INVALID_TOKEN" \
        and got.message == "invalid, expired or revoked token"


def admitted(got: Details | None) -> bool:
    return got is None or got.code not in (UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED)


def test_health_and_reflection_need_no_token(plain: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(plain).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    listed = list(reflection_pb2_grpc.ServerReflectionStub(plain).ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5))
    assert listed[0].list_services_response.service


def test_no_token_is_refused_and_says_how_to_send_one(plain: grpc.Channel) -> None:
    got = call(plain, GET_CLUSTER, REQUEST)
    assert got is not None and got.code == UNAUTHENTICATED and got.reason == "TOKEN_MISSING"
    assert "authorization: Bearer" in got.message and got.metadata["request_id"]


def test_admin_token_from_the_data_dir_gets_in(plain: grpc.Channel, sec_server: EmbeddedServer) -> None:
    assert admitted(call(plain, GET_CLUSTER, REQUEST, bearer(admin_token(sec_server.settings.data_dir))))


def test_bad_credentials_all_look_the_same(plain: grpc.Channel, sec_server: EmbeddedServer) -> None:
    real = make_token(sec_server, "mallory", "viewer")
    token_id = real.split("_")[1]
    bad = [
        real[:-1] + ("A" if real[-1] != "A" else "B"),  # right id, wrong secret
        f"kc_{'0' * 16}_{real.split('_', 2)[2]}",  # no such id
        f"kc_{token_id}_short",  # malformed
        "kc_",
        "not-a-token",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.",  # a JWT with alg none, and no JWT key set
    ]
    for token in bad:
        assert refused(call(plain, GET_CLUSTER, REQUEST, bearer(token))), token
    for value in (f"Basic {real}", real, f"Bearer  {real} extra", "Bearer", f"Bearer {real}?"):
        assert refused(call(plain, GET_CLUSTER, REQUEST, [("authorization", value)])), value
    twice = [*bearer(real), *bearer(real)]
    assert refused(call(plain, GET_CLUSTER, REQUEST, twice))
    assert admitted(call(plain, GET_CLUSTER, REQUEST, [("authorization", f"bearer {real}")]))


def test_oversized_credentials_are_refused_and_the_server_stays_up(plain: grpc.Channel) -> None:
    assert refused(call(plain, GET_CLUSTER, REQUEST, bearer("kc_" + "a" * (MAX_CREDENTIAL_BYTES + 100))))
    # Past gRPC's own 16 KiB metadata limit the transport refuses before any code runs.
    got = call(plain, GET_CLUSTER, REQUEST, bearer("a" * 40_000))
    assert got is not None and got.code in (UNAUTHENTICATED, grpc.StatusCode.RESOURCE_EXHAUSTED)
    health = health_pb2_grpc.HealthStub(plain).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert health.status == health_pb2.HealthCheckResponse.SERVING


def test_revoked_token_is_refused_at_once(plain: grpc.Channel, sec_server: EmbeddedServer) -> None:
    token = make_token(sec_server, "leaver", "operator")
    assert admitted(call(plain, GET_CLUSTER, REQUEST, bearer(token)))
    store = TokenStore(sec_server.settings.data_dir)
    try:
        [revoked] = store.revoke(token.split("_")[1])
    finally:
        store.close()
    assert revoked.name == "leaver" and revoked.revoked_at is not None
    assert refused(call(plain, GET_CLUSTER, REQUEST, bearer(token)))


def test_expired_token_is_refused(plain: grpc.Channel, sec_server: EmbeddedServer) -> None:
    token = make_token(sec_server, "temp", "viewer", expires_in=0.5)
    assert admitted(call(plain, GET_CLUSTER, REQUEST, bearer(token)))
    time.sleep(0.6)
    assert refused(call(plain, GET_CLUSTER, REQUEST, bearer(token)))


def test_token_for_a_role_that_no_longer_exists_is_refused(plain: grpc.Channel,
                                                           sec_server: EmbeddedServer) -> None:
    token = make_token(sec_server, "old-timer", "operator")
    with sqlite3.connect(sec_server.settings.data_dir / TokenStore.FILE) as db:
        db.execute("UPDATE tokens SET role = 'superuser' WHERE id = ?", (token.split("_")[1],))
    assert refused(call(plain, GET_CLUSTER, REQUEST, bearer(token)))


def test_first_start_writes_an_owner_only_admin_token_once(server_factory: Callable[..., EmbeddedServer],
                                                           tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = server_factory(data_dir=data)
    token_file = data / "admin.token"
    assert token_file.stat().st_mode & 0o777 == 0o600
    token = token_file.read_text().strip()
    first.stop()
    token_file.unlink()  # read and removed, as an operator would
    again = server_factory(data_dir=data)
    assert not token_file.exists()  # never recreated once tokens exist
    with grpc.insecure_channel(again.address) as ch:
        assert admitted(call(ch, GET_CLUSTER, REQUEST, bearer(token)))


# JWTs: one server per key kind.

HMAC_KEY = b"0123456789abcdef0123456789abcdef-hmac-key"


def _claims(**overrides: object) -> dict[str, object]:
    claims: dict[str, object] = {"sub": "carol", "role": "operator", "email": "carol@example.com",
                                 "exp": int(time.time()) + 300, "iss": "https://idp.example", "aud": "kubecommit"}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture(scope="module")
def jwt_servers(server_factory: Callable[..., EmbeddedServer], tmp_path_factory: pytest.TempPathFactory,
                rsa_key: rsa.RSAPrivateKey) -> dict[str, EmbeddedServer]:
    keys = tmp_path_factory.mktemp("jwt-keys")
    ec_key = ec.generate_private_key(ec.SECP256R1())
    (keys / "hmac").write_bytes(HMAC_KEY)
    (keys / "rsa.pem").write_bytes(_pem(rsa_key))
    (keys / "ec.pem").write_bytes(_pem(ec_key))
    common = {"jwt_issuer": "https://idp.example", "jwt_audience": "kubecommit"}
    servers = {name: server_factory(jwt_key=keys / file, **common)
               for name, file in (("HS256", "hmac"), ("RS256", "rsa.pem"), ("ES256", "ec.pem"))}
    servers["ec_private"] = ec_key  # type: ignore[assignment]
    return servers


def _tampered(token: str) -> str:
    """The same signature over claims promoted to admin."""
    header, payload, signature = token.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    forged = jwt.utils.base64url_encode(json.dumps({**claims, "role": "admin"}).encode()).decode()
    return f"{header}.{forged}.{signature}"


def _ask(embedded: EmbeddedServer, token: str) -> Details | None:
    with grpc.insecure_channel(embedded.address) as ch:
        return call(ch, GET_CLUSTER, REQUEST, bearer(token))


def test_jwts_signed_with_the_configured_key_get_in(jwt_servers: dict, rsa_key: rsa.RSAPrivateKey) -> None:
    assert admitted(_ask(jwt_servers["HS256"], jwt.encode(_claims(), HMAC_KEY, "HS256")))
    assert admitted(_ask(jwt_servers["RS256"], jwt.encode(_claims(), rsa_key, "RS256")))
    assert admitted(_ask(jwt_servers["ES256"], jwt.encode(_claims(), jwt_servers["ec_private"], "ES256")))


def test_jwt_claims_carry_role_and_scope(jwt_servers: dict) -> None:
    scoped = jwt.encode(_claims(clusters=["staging"]), HMAC_KEY, "HS256")
    got = _ask(jwt_servers["HS256"], scoped)
    assert got is not None and got.code == grpc.StatusCode.PERMISSION_DENIED and got.reason == "OUT_OF_SCOPE"


def test_bad_jwts_are_refused_like_bad_tokens(jwt_servers: dict, rsa_key: rsa.RSAPrivateKey) -> None:
    hs = jwt_servers["HS256"]
    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    bad = {
        "expired": jwt.encode(_claims(exp=int(time.time()) - 3600), HMAC_KEY, "HS256"),
        "forged": jwt.encode(_claims(), b"another-key-of-32-bytes-or-more!!", "HS256"),
        "no expiry": jwt.encode(_claims(exp=None), HMAC_KEY, "HS256"),
        "wrong issuer": jwt.encode(_claims(iss="https://evil.example"), HMAC_KEY, "HS256"),
        "wrong audience": jwt.encode(_claims(aud="someone-else"), HMAC_KEY, "HS256"),
        "unknown role": jwt.encode(_claims(role="superuser"), HMAC_KEY, "HS256"),
        "no role": jwt.encode(_claims(role=None), HMAC_KEY, "HS256"),
        "bad scope": jwt.encode(_claims(namespaces=["Not A Label"]), HMAC_KEY, "HS256"),
        "alg none": jwt.encode(_claims(), None, "none"),
        "tampered": _tampered(jwt.encode(_claims(role="viewer"), HMAC_KEY, "HS256")),
        "garbage": "a.b.c",
    }
    for why, token in bad.items():
        assert refused(_ask(hs, token)), why
    rs = jwt_servers["RS256"]
    assert refused(_ask(rs, jwt.encode(_claims(), other_rsa, "RS256"))), "other RSA key"
    # Algorithm confusion: the public key as an HMAC secret.
    public_pem = _pem(rsa_key)
    confused = jwt.api_jws.PyJWS()
    confused._algorithms["HS256"].prepare_key = lambda key: key  # type: ignore[attr-defined]
    token = confused.encode(jwt.api_jwt.PyJWT()._encode_payload(_claims()), public_pem, "HS256")
    assert refused(_ask(rs, token)), "HS256 with the RSA public key"


def test_a_jwt_key_no_algorithm_fits_stops_the_start(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    short, pem = tmp_path / "short", tmp_path / "rsa.pem"
    short.write_bytes(b"too-short")
    pem.write_bytes(_pem(rsa_key))
    with pytest.raises(InvalidArgument, match="at least 32 bytes"):
        JwtVerifier.from_settings(Settings(jwt_key=short))
    with pytest.raises(FailedPrecondition, match="none that fits"):
        JwtVerifier.from_settings(Settings(jwt_key=pem, jwt_algorithms="HS256,ES256"))
    with pytest.raises(InvalidArgument, match="cannot read"):
        JwtVerifier.from_settings(Settings(jwt_key=tmp_path / "missing"))
    assert JwtVerifier.from_settings(Settings(jwt_key=pem)).algorithms == ("RS256",)
    assert JwtVerifier.from_settings(Settings()) is None
