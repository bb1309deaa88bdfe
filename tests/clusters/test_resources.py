"""ListResources across clusters (pagination that crosses from one cluster to the next),
GetResource and CompareResources, plus ListClusters' filters, ordering and pages."""

from __future__ import annotations

import base64
from typing import Iterator

import grpc
import pytest

from kubecommit.v1 import clusters_pb2 as pb
from kubecommit.v1 import common_pb2
from kubesim import Simulator
from tests.clusters.helpers import closed_port_kubeconfig, create
from tests.support.status import details


@pytest.fixture(scope="module")
def clusters(stub, sim, sim2) -> dict[str, Simulator]:
    """alpha (the session simulator, read only) and beta (sim2, changed here), one unreachable."""
    def change(cluster):
        rt = cluster.kind_type("Deployment", "apps")
        frontend = cluster.get(rt, "web", "frontend")
        frontend["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
        frontend["spec"]["replicas"] = 5
        cluster.save(rt, frontend)

    sim2.call(change)
    create(stub, "alpha", sim.kubeconfig_text(), provider=pb.PROVIDER_AWS, tags={"env": "prod"})
    create(stub, "beta", sim2.kubeconfig_text(), provider=pb.PROVIDER_TENCENT, tags={"env": "dev"})
    create(stub, "gamma", closed_port_kubeconfig(), provider=pb.PROVIDER_AWS, tags={"env": "dev"},
           allow_disconnected=True)
    return {"alpha": sim, "beta": sim2}


def all_pages(stub, **fields) -> Iterator[pb.ListResourcesResponse]:
    token = ""
    while True:
        page = stub.ListResources(pb.ListResourcesRequest(page_token=token, **fields))
        yield page
        token = page.next_page_token
        if not token:
            return


def test_pages_cross_clusters(stub, clusters):
    pages = list(all_pages(stub, parent="clusters/-", resource_type="deployments.apps", page_size=4))
    names = [r.name for p in pages for r in p.resources]
    assert all(len(p.resources) <= 4 for p in pages) and len(pages) >= 3
    assert len(names) == len(set(names)) == 12
    assert names.index("clusters/beta/namespaces/web/deployments.apps/frontend") > \
        names.index("clusters/alpha/namespaces/web/deployments.apps/frontend")
    assert "unreachable" in pages[-1].unreachable["clusters/gamma"]


def test_selectors_namespace_kind_names_and_chosen_clusters(stub, clusters):
    page = stub.ListResources(pb.ListResourcesRequest(parent="clusters/-", resource_type="deploy",
                                                      namespace="web", label_selector="app=frontend",
                                                      clusters=["alpha", "clusters/beta"]))
    assert [r.name for r in page.resources] == ["clusters/alpha/namespaces/web/deployments.apps/frontend",
                                               "clusters/beta/namespaces/web/deployments.apps/frontend"]
    assert not page.unreachable
    pods = stub.ListResources(pb.ListResourcesRequest(parent="clusters/alpha", resource_type="Pod",
                                                      field_selector="status.phase=Running"))
    assert pods.resources and all(p.kind == "Pod" and p.cluster == "clusters/alpha" for p in pods.resources)
    nodes = stub.ListResources(pb.ListResourcesRequest(parent="clusters/beta", resource_type="nodes",
                                                       namespace="web"))
    assert len(nodes.resources) == 4 and nodes.resources[0].name.startswith("clusters/beta/nodes/")


@pytest.mark.parametrize("fields, field", [
    ({"parent": "clusters/-", "resource_type": "deployments.apps", "page_token": "garbage!"}, "page_token"),
    ({"parent": "cluster/alpha", "resource_type": "pods"}, "parent"),
    ({"parent": "clusters/alpha", "resource_type": "pods", "namespace": "Bad_NS"}, "namespace"),
    ({"parent": "clusters/alpha", "resource_type": "pods", "clusters": ["beta"]}, "clusters"),
])
def test_bad_list_requests(stub, clusters, fields, field):
    with pytest.raises(grpc.RpcError) as caught:
        stub.ListResources(pb.ListResourcesRequest(**fields))
    assert field in details(caught.value).violations


def test_page_token_of_another_query_is_refused(stub, clusters):
    first = stub.ListResources(pb.ListResourcesRequest(parent="clusters/-", resource_type="pods", page_size=2))
    with pytest.raises(grpc.RpcError) as caught:
        stub.ListResources(pb.ListResourcesRequest(parent="clusters/-", resource_type="services", page_size=2,
                                                   page_token=first.next_page_token))
    assert "different query" in details(caught.value).violations["page_token"]


def test_get_resource_is_the_live_object(stub, clusters):
    obj = stub.GetResource(pb.GetResourceRequest(name="clusters/beta/namespaces/web/deployments.apps/frontend"))
    live = clusters["beta"].call(lambda c: c.get(c.kind_type("Deployment", "apps"), "web", "frontend"))
    assert obj.etag == live["metadata"]["resourceVersion"]
    assert obj.object["spec"]["replicas"] == 5 and "replicas: 5" in obj.yaml
    assert (obj.kind, obj.namespace, obj.object_name, obj.labels["app"]) == ("Deployment", "web", "frontend", "frontend")
    node = stub.GetResource(pb.GetResourceRequest(name="clusters/beta/nodes/node-1"))
    assert node.kind == "Node" and node.namespace == ""
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetResource(pb.GetResourceRequest(name="clusters/beta/namespaces/web/deployments.apps/nope"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetResource(pb.GetResourceRequest(name="clusters/beta/deployments.apps/frontend"))
    assert "namespaced" in details(caught.value).violations["name"]


def test_compare_reports_field_differences(stub, clusters):
    name = "clusters/{}/namespaces/web/deployments.apps/frontend"
    response = stub.CompareResources(pb.CompareResourcesRequest(
        names=[name.format("alpha"), name.format("beta"), "clusters/beta/namespaces/web/deployments.apps/nope"]))
    assert response.reference == name.format("alpha") and not response.identical
    beta, missing = response.comparisons
    changes = {c.path: c for c in beta.changes}
    image = changes["spec.template.spec.containers[name=frontend].image"]
    assert image.change_type == common_pb2.CHANGE_TYPE_MODIFIED
    assert (image.old_value.string_value, image.new_value.string_value) == ("nginx:1.27", "nginx:1.28")
    assert changes["spec.replicas"].new_value.number_value == 5 and beta.summary.modified == 2
    assert not missing.found
    same = stub.CompareResources(pb.CompareResourcesRequest(
        names=["clusters/alpha/namespaces/shop/configmaps/cart-config",
               "clusters/beta/namespaces/shop/configmaps/cart-config"]))
    assert same.identical and not same.comparisons[0].changes
    secret = stub.CompareResources(pb.CompareResourcesRequest(
        names=["clusters/alpha/namespaces/shop/secrets/db-credentials",
               "clusters/alpha/namespaces/web/secrets/frontend-tls"]))
    assert all(c.redacted for c in secret.comparisons[0].changes if c.path.startswith("data"))
    assert "s3cr3t" not in str(secret)


def test_list_clusters_filters_orders_and_pages(stub, clusters):
    def names(**fields) -> list[str]:
        return [c.name.removeprefix("clusters/") for c in stub.ListClusters(pb.ListClustersRequest(**fields)).clusters]

    assert names(filter="provider = AWS") == ["alpha", "gamma"]
    assert names(filter='provider = aws AND tags.env = "dev"') == ["gamma"]
    assert names(filter="state = CONNECTED AND tags.env = dev") == ["beta"]
    assert names(filter="state != CONNECTED") == ["gamma"]
    assert names(order_by="name desc") == ["gamma", "beta", "alpha"]
    first = stub.ListClusters(pb.ListClustersRequest(page_size=2))
    assert first.total_size == 3 and len(first.clusters) == 2 and first.next_page_token
    rest = stub.ListClusters(pb.ListClustersRequest(page_size=2, page_token=first.next_page_token))
    assert [c.name for c in rest.clusters] == ["clusters/gamma"] and not rest.next_page_token
    for bad, field in (("colour = red", "filter"), ("provider ~ AWS", "filter")):
        with pytest.raises(grpc.RpcError) as caught:
            stub.ListClusters(pb.ListClustersRequest(filter=bad))
        assert field in details(caught.value).violations
    with pytest.raises(grpc.RpcError) as caught:
        stub.ListClusters(pb.ListClustersRequest(order_by="region"))
    assert "order_by" in details(caught.value).violations


def test_secret_values_are_never_returned(stub, clusters):
    name = "clusters/alpha/namespaces/shop/secrets/db-credentials"
    got = stub.GetResource(pb.GetResourceRequest(name=name))
    assert dict(got.object["data"]) == {"username": "<redacted>", "password": "<redacted>"}
    assert "s3cr3t" not in got.yaml and base64.b64encode(b"s3cr3t-passw0rd").decode() not in got.yaml
    listed = [o for page in all_pages(stub, parent="clusters/alpha", resource_type="secrets", namespace="shop")
              for o in page.resources]
    assert listed and all(set(o.object["data"].values()) == {"<redacted>"} for o in listed)
