"""The released contract (protos/released.binpb, frozen by `buf breaking`) holds exactly the shipped
services listed in protos/released-services.txt: services still being built may change freely."""

from __future__ import annotations

from google.protobuf import descriptor_pb2

from tests.conftest import REPO


def test_released_contract_is_the_list_of_shipped_services() -> None:
    listed = {line.strip() for line in (REPO / "protos/released-services.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    image = descriptor_pb2.FileDescriptorSet.FromString((REPO / "protos/released.binpb").read_bytes())
    ours = {f.name for f in image.file if f.name.startswith("kubecommit/")}
    assert ours == listed
    for name in listed:
        assert (REPO / "protos" / name).exists(), name
