"""TLS and mutual TLS with certificates made here (cryptography): a CA, a server certificate for
127.0.0.1/localhost, client certificates from that CA and from a stranger's."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc

from kubecommit.v1 import clusters_pb2
from server.embedded import EmbeddedServer
from tests.security.conftest import call
from tests.support.auth import admin_token

GET_CLUSTER = "/kubecommit.v1.ClustersService/GetCluster"


@dataclass(frozen=True)
class Pair:
    cert: bytes
    key: bytes


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(subject: str, issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
           usage: ExtendedKeyUsageOID | None = None) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A certificate for `subject`, self-signed CA when `issuer` is None."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1)))
    if issuer is None:
        builder = builder.issuer_name(_name(subject)).add_extension(
            x509.BasicConstraints(ca=True, path_length=0), critical=True)
        return builder.sign(key, hashes.SHA256()), key
    builder = builder.issuer_name(issuer[0].subject).add_extension(
        x509.BasicConstraints(ca=False, path_length=None), critical=True)
    if usage == ExtendedKeyUsageOID.SERVER_AUTH:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return builder.sign(issuer[1], hashes.SHA256()), key


def _pem(cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> Pair:
    return Pair(cert.public_bytes(serialization.Encoding.PEM),
                key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))


@dataclass(frozen=True)
class Pki:
    ca: bytes
    ca_file: Path
    server_cert: Path
    server_key: Path
    client: Pair
    stranger: Pair


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca = _issue("kubecommit test CA", None)
    server = _pem(*_issue("kubecommit", ca, ExtendedKeyUsageOID.SERVER_AUTH))
    client = _pem(*_issue("alice", ca, ExtendedKeyUsageOID.CLIENT_AUTH))
    other_ca = _issue("someone else's CA", None)
    stranger = _pem(*_issue("mallory", other_ca, ExtendedKeyUsageOID.CLIENT_AUTH))
    ca_pem = ca[0].public_bytes(serialization.Encoding.PEM)
    files = {"ca.pem": ca_pem, "server.pem": server.cert, "server.key": server.key}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return Pki(ca_pem, folder / "ca.pem", folder / "server.pem", folder / "server.key", client, stranger)


def _healthy(channel: grpc.Channel) -> bool:
    try:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.UNAVAILABLE, error
        return False
    return reply.status == health_pb2.HealthCheckResponse.SERVING


def _secure(embedded: EmbeddedServer, pki: Pki, client: Pair | None = None) -> grpc.Channel:
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pki.ca, private_key=client.key if client else None,
        certificate_chain=client.cert if client else None)
    return grpc.secure_channel(embedded.address, credentials)


def test_tls_serves_clients_that_trust_the_ca(server_factory: Callable[..., EmbeddedServer], pki: Pki) -> None:
    embedded = server_factory(tls_cert=pki.server_cert, tls_key=pki.server_key)
    with _secure(embedded, pki) as ch:
        assert _healthy(ch)
        token = admin_token(embedded.settings.data_dir)
        got = call(ch, GET_CLUSTER, clusters_pb2.GetClusterRequest(name="clusters/prod"),
                   [("authorization", f"Bearer {token}")])
        assert got is None or got.code not in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.UNAVAILABLE)
    with grpc.insecure_channel(embedded.address) as plaintext:
        assert not _healthy(plaintext)


def test_tls_on_a_public_address_needs_no_insecure_flag(server_factory: Callable[..., EmbeddedServer],
                                                        pki: Pki) -> None:
    embedded = server_factory(listen="0.0.0.0:0", tls_cert=pki.server_cert, tls_key=pki.server_key)
    port = embedded.address.rsplit(":", 1)[1]
    credentials = grpc.ssl_channel_credentials(root_certificates=pki.ca)
    with grpc.secure_channel(f"127.0.0.1:{port}", credentials) as ch:
        assert _healthy(ch)


def test_mutual_tls_admits_only_clients_with_a_certificate_from_the_ca(
        server_factory: Callable[..., EmbeddedServer], pki: Pki) -> None:
    embedded = server_factory(tls_cert=pki.server_cert, tls_key=pki.server_key, tls_client_ca=pki.ca_file)
    with _secure(embedded, pki, pki.client) as ch:
        assert _healthy(ch)
    with _secure(embedded, pki) as ch:
        assert not _healthy(ch)
    with _secure(embedded, pki, pki.stranger) as ch:
        assert not _healthy(ch)
    with grpc.insecure_channel(embedded.address) as ch:
        assert not _healthy(ch)
