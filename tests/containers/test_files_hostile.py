"""Hostile file transfers through ContainersService: a directory whose name reads as a tar option
is still a directory, and uploaded tars whose members link outside the target or carry
setuid/setgid modes (or device files) are refused before anything reaches the container."""

from __future__ import annotations

import io
import stat
import tarfile
import uuid
from typing import Callable

import grpc
import pytest

from kubecommit.v1 import containers_pb2 as pb
from tests.containers.conftest import container_name
from tests.containers.test_files import download, upload
from tests.support.status import details


def archive(*members: tuple[str, Callable[[tarfile.TarInfo], None]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, shape in members:
            info = tarfile.TarInfo(name)
            shape(info)
            tar.addfile(info, io.BytesIO(b"x" * info.size) if info.isfile() else None)
    return buffer.getvalue()


def file(info: tarfile.TarInfo) -> None:
    info.size = 1


def test_a_directory_named_like_an_option_downloads_as_itself(stub) -> None:
    name = container_name(stub)
    directory = f"/tmp/--checkpoint-action=exec=id-{uuid.uuid4().hex[:6]}"
    upload(stub, name, directory, archive(("inside.txt", file)), tar=True)
    info, data, is_tar = download(stub, name, directory)
    assert is_tar and info.type == "directory"
    with tarfile.open(fileobj=io.BytesIO(data)) as got:
        assert [m.name.rsplit("/", 1)[-1] for m in got.getmembers() if m.isfile()] == ["inside.txt"]


def _hardlink_out(info: tarfile.TarInfo) -> None:
    info.type, info.linkname = tarfile.LNKTYPE, "../../etc/shadow"


def _symlink_out(info: tarfile.TarInfo) -> None:
    info.type, info.linkname = tarfile.SYMTYPE, "/etc"


def _setuid(info: tarfile.TarInfo) -> None:
    info.size, info.mode = 1, 0o4755


def _setgid(info: tarfile.TarInfo) -> None:
    info.size, info.mode = 1, 0o2755


def _device(info: tarfile.TarInfo) -> None:
    info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3


def _symlink_up(info: tarfile.TarInfo) -> None:
    info.type, info.linkname = tarfile.SYMTYPE, "."


@pytest.mark.parametrize("members", [
    [("shadow", _hardlink_out)], [("etc", _symlink_out)], [("su", _setuid)], [("sg", _setgid)],
    [("null", _device)], [("here", _symlink_up), ("here/x", file)],
], ids=["hardlink-outside", "symlink-absolute", "setuid", "setgid", "device", "through-own-symlink"])
def test_unsafe_tar_members_are_refused(stub, members) -> None:
    name = container_name(stub)
    target = f"/tmp/vet-{uuid.uuid4().hex[:6]}"
    with pytest.raises(grpc.RpcError) as error:
        upload(stub, name, target, archive(*members), tar=True)
    got = details(error.value)
    assert (got.code, list(got.violations)) == (grpc.StatusCode.INVALID_ARGUMENT, ["data"]), got
    assert got.reason in ("UNSAFE_TAR_MEMBER", "PATH_ESCAPE")
    with pytest.raises(grpc.RpcError) as missing:  # nothing reached the container
        stub.ListFiles(pb.ListFilesRequest(container=name, path=target))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_single_file_upload_with_setuid_mode_is_refused(stub) -> None:
    with pytest.raises(grpc.RpcError) as error:
        upload(stub, container_name(stub), f"/tmp/su-{uuid.uuid4().hex[:6]}", b"x", mode=stat.S_ISUID | 0o755)
    got = details(error.value)
    assert (got.code, list(got.violations), got.reason) == (grpc.StatusCode.INVALID_ARGUMENT, ["target.mode"],
                                                           "UNSAFE_MODE")
