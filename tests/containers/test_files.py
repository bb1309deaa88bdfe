"""Files in containers through exec (tar, ls, stat, cat, rm): byte-identical round trips, listings,
deletes, and refusals for paths outside the root, oversized uploads and missing tools."""

from __future__ import annotations

import io
import os
import tarfile
import uuid
from typing import Iterator

import grpc
import pytest

from kubecommit.v1 import containers_pb2 as pb
from server.containers import files
from tests.containers.conftest import container_name
from tests.support.status import details


def upload(stub, container: str, path: str, data: bytes, **target: object) -> pb.UploadFileResponse:
    def frames() -> Iterator[pb.UploadFileRequest]:
        yield pb.UploadFileRequest(target=pb.UploadTarget(container=container, path=path, **target))
        for start in range(0, len(data), 100_000):
            yield pb.UploadFileRequest(data=data[start:start + 100_000])
    return stub.UploadFile(frames())


def download(stub, container: str, path: str) -> tuple[pb.FileInfo, bytes, bool]:
    responses = list(stub.DownloadFile(pb.DownloadFileRequest(container=container, path=path)))
    return responses[0].info, b"".join(r.data for r in responses), responses[0].tar


def test_file_round_trip_is_byte_identical(stub) -> None:
    name = container_name(stub)
    data = os.urandom(300_000) + b"\x00\n\xff"
    path = f"/tmp/up-{uuid.uuid4().hex[:6]}.bin"
    written = upload(stub, name, path, data, mode=0o600)
    assert written.bytes_written == len(data) and written.file.size_bytes == len(data)
    assert written.file.mode == 0o600 and written.file.type == "file"
    info, got, is_tar = download(stub, name, path)
    assert got == data and not is_tar and info.size_bytes == len(data)
    with pytest.raises(grpc.RpcError) as error:
        upload(stub, name, path, b"again")
    assert error.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert upload(stub, name, path, b"again", overwrite=True).bytes_written == 5
    assert download(stub, name, path)[1] == b"again"


def test_directory_round_trip_as_tar(stub) -> None:
    name = container_name(stub)
    contents = {"a.txt": b"alpha\n", "sub/b.bin": os.urandom(5000), "sub/deeper/c": b""}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for rel, data in contents.items():
            info = tarfile.TarInfo(rel)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    target = f"/srv/{uuid.uuid4().hex[:6]}"
    upload(stub, name, target, buffer.getvalue(), tar=True)
    info, data, is_tar = download(stub, name, target)
    assert is_tar and info.type == "directory"
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        got = {m.name.split("/", 1)[1]: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}
    assert got == contents

    listed = stub.ListFiles(pb.ListFilesRequest(container=name, path=target)).files
    assert {(f.name, f.type) for f in listed} == {("a.txt", "file"), ("sub", "directory")}
    deep = stub.ListFiles(pb.ListFilesRequest(container=name, path=target, recursive=True)).files
    assert {f.path for f in deep} >= {f"{target}/sub/b.bin", f"{target}/sub/deeper/c"}
    sized = {f.path: f.size_bytes for f in deep}
    assert sized[f"{target}/sub/b.bin"] == 5000
    limited = stub.ListFiles(pb.ListFilesRequest(container=name, path=target, recursive=True, limit=2))
    assert len(limited.files) == 2 and limited.truncated

    with pytest.raises(grpc.RpcError) as error:
        stub.DeleteFile(pb.DeleteFileRequest(container=name, path=target))
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    stub.DeleteFile(pb.DeleteFileRequest(container=name, path=target, recursive=True))
    with pytest.raises(grpc.RpcError) as error:
        stub.ListFiles(pb.ListFilesRequest(container=name, path=target))
    assert error.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("path", ["relative/x", "/tmp/../etc/passwd", "/app/.."])
def test_paths_outside_the_root_are_refused(stub, path: str) -> None:
    name = container_name(stub)
    for call in (lambda: stub.ListFiles(pb.ListFilesRequest(container=name, path=path)),
                 lambda: list(stub.DownloadFile(pb.DownloadFileRequest(container=name, path=path))),
                 lambda: upload(stub, name, path, b"x")):
        with pytest.raises(grpc.RpcError) as error:
            call()
        d = details(error.value)
        assert d.code == grpc.StatusCode.INVALID_ARGUMENT and (d.violations.keys() & {"path", "target.path"})


def test_tar_members_escaping_the_target_are_refused(stub) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("../../etc/evil")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(grpc.RpcError) as error:
        upload(stub, container_name(stub), "/tmp/t", buffer.getvalue(), tar=True)
    assert details(error.value).reason == "PATH_ESCAPE"


def test_upload_over_the_limit(stub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_UPLOAD", 150_000)  # the server runs in this process
    with pytest.raises(grpc.RpcError) as error:
        upload(stub, container_name(stub), "/tmp/big.bin", b"x" * 200_001)
    assert details(error.value).code == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_missing_files_and_tools(stub) -> None:
    name = container_name(stub)
    with pytest.raises(grpc.RpcError) as error:
        list(stub.DownloadFile(pb.DownloadFileRequest(container=name, path="/no/such/file")))
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    distroless = container_name(stub, "clusters/demo/namespaces/shop", "app=api-gateway")
    with pytest.raises(grpc.RpcError) as error:
        stub.ListFiles(pb.ListFilesRequest(container=distroless, path="/"))
    assert details(error.value).reason == "TOOL_NOT_FOUND"
