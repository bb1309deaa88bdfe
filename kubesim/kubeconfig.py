"""Kubeconfig files pointing at a running simulator (server URL, bearer token, CA for TLS)."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml


def kubeconfig_text(server: str, name: str = "kubesim", token: str | None = None,
                    ca_pem: bytes | None = None, namespace: str = "default") -> str:
    cluster: dict = {"server": server}
    if ca_pem:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    user: dict = {"token": token} if token else {}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": cluster}],
        "users": [{"name": name, "user": user}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name, "namespace": namespace}}],
        "current-context": name,
        "preferences": {},
    }
    return yaml.dump(config, Dumper=yaml.CSafeDumper, sort_keys=False)


def write_kubeconfig(path: str | Path, text: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)
    return path
