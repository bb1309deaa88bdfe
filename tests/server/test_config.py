"""Settings precedence and checks (pure logic) and the plaintext guard (through the server)."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path
from unittest.mock import patch

import pytest

from server.app import KubecommitServer, is_loopback
from server.config import Settings
from server.errors import FailedPrecondition, InvalidArgument
from server.runtime import Runtime


def test_flags_beat_environment_beat_file(tmp_path: Path) -> None:
    config = tmp_path / "kubecommit.yaml"
    config.write_text("listen: 127.0.0.1:1000\nlog-level: DEBUG\nreflection: false\nmax_receive_message_bytes: 10\n")
    env = {"KUBECOMMIT_LISTEN": "127.0.0.1:2000", "KUBECOMMIT_MAX_RECEIVE_MESSAGE_BYTES": "20"}
    settings = Settings.load(config, env=env, overrides={"listen": "127.0.0.1:3000", "data_dir": None})
    assert settings.listen == "127.0.0.1:3000"
    assert settings.max_receive_message_bytes == 20
    assert settings.log_level == "DEBUG"
    assert settings.reflection is False
    assert settings.data_dir == Path(".data")


@pytest.mark.parametrize("env,field", [
    ({"KUBECOMMIT_REFLECTION": "maybe"}, "reflection"),
    ({"KUBECOMMIT_MAX_SEND_MESSAGE_BYTES": "lots"}, "max_send_message_bytes"),
    ({"KUBECOMMIT_STREAM_HEARTBEAT_SECONDS": "0"}, "stream_heartbeat_seconds"),
])
def test_bad_values_name_the_setting(env: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidArgument) as failure:
        Settings.load(env=env)
    assert failure.value.violations[0].field == field


def test_unknown_setting_in_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("listne: 1.2.3.4:5\n")
    with pytest.raises(InvalidArgument, match="listne"):
        Settings.load(config, env={})


@pytest.mark.parametrize("listen,loopback", [
    ("127.0.0.1:50051", True), ("localhost:1", True), ("[::1]:1", True),
    ("0.0.0.0:50051", False), ("10.0.0.1:1", False), ("example.com:1", False),
])
def test_loopback_detection(listen: str, loopback: bool) -> None:
    assert is_loopback(listen) is loopback


async def test_plaintext_on_public_address_is_refused_unless_insecure(tmp_path: Path) -> None:
    server = KubecommitServer(Settings(listen="0.0.0.0:0", data_dir=tmp_path))
    with pytest.raises(FailedPrecondition, match="--insecure"):
        await server.start()
    server = KubecommitServer(Settings(listen="0.0.0.0:0", data_dir=tmp_path, insecure=True))
    address = await server.start()
    assert address.startswith("0.0.0.0:") and not address.endswith(":0")
    await server.stop(0)


async def test_a_busy_address_is_bind_failed_and_leaves_nothing_open(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = KubecommitServer(Settings(listen=f"127.0.0.1:{taken.getsockname()[1]}", data_dir=tmp_path))
        opened: list[Runtime] = []
        create = Runtime.create

        async def recording(settings: Settings) -> Runtime:
            opened.append(await create(settings))
            return opened[-1]

        with patch.object(Runtime, "create", recording):
            with pytest.raises(FailedPrecondition) as refused:
                await server.start()
    assert refused.value.reason == "BIND_FAILED" and server.runtime is None
    with pytest.raises(sqlite3.ProgrammingError):  # the runtime it opened was closed again
        opened[0].audit.query()
    # The data directory is free for the next start.
    again = KubecommitServer(Settings(listen="127.0.0.1:0", data_dir=tmp_path))
    await again.start()
    await again.stop(0)


async def test_an_unreadable_tls_file_names_its_setting(tmp_path: Path) -> None:
    server = KubecommitServer(Settings(listen="127.0.0.1:0", data_dir=tmp_path,
                                       tls_cert=tmp_path / "missing.crt", tls_key=tmp_path / "missing.key"))
    with pytest.raises(InvalidArgument) as refused:
        await server.start()
    assert [v.field for v in refused.value.violations] == ["tls_key"] and server.runtime is None


def test_every_setting_is_documented() -> None:
    import dataclasses

    from tests.conftest import REPO

    documented = (REPO / "docs/configuration.md").read_text()
    missing = [f.name for f in dataclasses.fields(Settings) if f"`{f.name}`" not in documented]
    assert not missing, f"docs/configuration.md does not describe: {missing}"
