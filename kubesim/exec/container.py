"""Per-container state for exec: a seeded filesystem (with ConfigMap/Secret volumes mounted) and
the environment a real container would see."""

from __future__ import annotations

import base64
import posixpath
from typing import Callable

from kubesim.exec.fs import FileSystem
from kubesim.exec.shell import Shell

# (kind, namespace, name) -> object or None; lets us resolve env and volumes without the store.
Lookup = Callable[[str, str, str], dict | None]


def is_distroless(image: str) -> bool:
    return "distroless" in image


def build_fs(pod: dict, container: dict, lookup: Lookup) -> FileSystem:
    fs = FileSystem()
    for d in ("/bin", "/etc", "/tmp", "/var/log", "/root", "/app", "/proc", "/usr/bin"):
        fs.mkdir(d, parents=True)
    name = pod["metadata"]["name"]
    fs.write("/etc/hostname", f"{name}\n".encode())
    fs.write("/etc/os-release", b'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.0\n')
    fs.write("/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
    fs.write("/app/README.md", f"# {container['name']}\nimage: {container.get('image', '')}\n".encode())
    fs.write("/app/config.yaml", b"listen: :8080\nlogLevel: info\n")
    ns = pod["metadata"].get("namespace", "default")
    volumes = {v["name"]: v for v in pod["spec"].get("volumes") or []}
    for mount in container.get("volumeMounts") or []:
        fs.mkdir(mount["mountPath"], parents=True)
        vol = volumes.get(mount["name"], {})
        files: dict[str, bytes] = {}
        if "configMap" in vol:
            cm = lookup("ConfigMap", ns, vol["configMap"].get("name", "")) or {}
            files = {k: v.encode() for k, v in (cm.get("data") or {}).items()}
        elif "secret" in vol:
            sec = lookup("Secret", ns, vol["secret"].get("secretName", "")) or {}
            files = {k: base64.b64decode(v) for k, v in (sec.get("data") or {}).items()}
        for fname, data in files.items():
            fs.write(posixpath.join(mount["mountPath"], fname), data)
    return fs


def build_env(pod: dict, container: dict, lookup: Lookup) -> dict[str, str]:
    meta = pod["metadata"]
    ns = meta.get("namespace", "default")
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOSTNAME": meta["name"], "HOME": "/root",
           "KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    for e in container.get("env") or []:
        src = e.get("valueFrom") or {}
        value = e.get("value", "")
        if "configMapKeyRef" in src:
            ref = src["configMapKeyRef"]
            value = ((lookup("ConfigMap", ns, ref.get("name", "")) or {}).get("data") or {}).get(ref["key"], "")
        elif "secretKeyRef" in src:
            ref = src["secretKeyRef"]
            raw = ((lookup("Secret", ns, ref.get("name", "")) or {}).get("data") or {}).get(ref["key"], "")
            value = base64.b64decode(raw).decode(errors="replace")
        elif "fieldRef" in src:
            path = src["fieldRef"].get("fieldPath", "")
            value = {"metadata.name": meta["name"], "metadata.namespace": ns,
                     "spec.nodeName": pod["spec"].get("nodeName", ""),
                     "status.podIP": pod.get("status", {}).get("podIP", "")}.get(path, "")
        env[e["name"]] = value
    return env


class ContainerRuntime:
    """Filesystems survive between exec sessions, like a running container's would."""

    def __init__(self) -> None:
        self.filesystems: dict[tuple[str, str, str], FileSystem] = {}

    def shell(self, pod: dict, container: dict, lookup: Lookup, tty: bool) -> Shell:
        meta = pod["metadata"]
        key = (meta.get("namespace", ""), meta["name"], container["name"])
        fs = self.filesystems.get(key)
        if fs is None:
            fs = self.filesystems[key] = build_fs(pod, container, lookup)
        return Shell(fs, build_env(pod, container, lookup), hostname=meta["name"],
                     distroless=is_distroless(container.get("image", "")), tty=tty)

    def forget_pod(self, namespace: str, name: str) -> None:
        for key in [k for k in self.filesystems if k[:2] == (namespace, name)]:
            del self.filesystems[key]

    def clear(self) -> None:
        self.filesystems.clear()
