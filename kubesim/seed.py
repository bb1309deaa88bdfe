"""Initial cluster contents: a bare kind-like cluster, or the demo cluster (nodes in three zones, a
tainted GPU node, web, shop and ml namespaces with workloads, quotas, limits, a CRD with a schema and
printer columns, a crash loop, pods with affinity and tolerations, an unschedulable GPU pod)."""

from __future__ import annotations

import base64

from kubesim.cluster import Cluster
from kubesim.controllers import CRASHLOOP_ANNOTATION

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def node(name: str, zone: str, instance_type: str, cpu: str, memory_gi: int, ip: str,
         taints: list[dict] | None = None, labels: dict[str, str] | None = None,
         extra: dict[str, str] | None = None) -> dict:
    resources = {"cpu": cpu, "memory": f"{memory_gi * 1024 * 1024}Ki", "pods": "110",
                 "ephemeral-storage": "101203452Ki", **(extra or {})}
    conditions = [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {
            "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
            "topology.kubernetes.io/zone": zone, "topology.kubernetes.io/region": zone[:-1],
            "node.kubernetes.io/instance-type": instance_type, **(labels or {})}},
        "spec": {"providerID": f"kubesim://{name}", "podCIDR": f"10.244.{ip.rsplit('.', 1)[1]}.0/24",
                 **({"taints": taints} if taints else {})},
        "status": {
            "capacity": resources, "allocatable": resources,
            "conditions": [{"type": t, "status": s, "reason": r, "message": m,
                            "lastHeartbeatTime": "2026-01-01T00:00:00Z", "lastTransitionTime": "2026-01-01T00:00:00Z"}
                           for t, s, r, m in conditions],
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {"kubeletVersion": "v1.31.0", "kubeProxyVersion": "v1.31.0", "osImage": "Ubuntu 24.04 LTS",
                         "kernelVersion": "6.8.0-kubesim", "containerRuntimeVersion": "containerd://1.7.18",
                         "architecture": "amd64", "operatingSystem": "linux", "machineID": name,
                         "systemUUID": name, "bootID": name},
        },
    }


def namespace(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def deployment(ns: str, name: str, image: str, replicas: int, *, port: int = 8080, env: list[dict] | None = None,
               resources: dict | None = None, annotations: dict | None = None, volumes: list[dict] | None = None,
               mounts: list[dict] | None = None) -> dict:
    container: dict = {"name": name, "image": image, "ports": [{"containerPort": port}]}
    if env:
        container["env"] = env
    if resources:
        container["resources"] = resources
    if mounts:
        container["volumeMounts"] = mounts
    pod_spec: dict = {"containers": [container]}
    if volumes:
        pod_spec["volumes"] = volumes
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}, "annotations": annotations or {}},
                                  "spec": pod_spec}}}


def service(ns: str, name: str, port: int, target: int) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
            "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": port, "targetPort": target}]}}


def configmap(ns: str, name: str, data: dict[str, str]) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": data}


def secret(ns: str, name: str, data: dict[str, str], type_: str = "Opaque") -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns}, "type": type_,
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}


WIDGET_SCHEMA = {"type": "object", "properties": {
    "spec": {"type": "object", "required": ["size"], "properties": {
        "size": {"type": "integer", "minimum": 1, "maximum": 10, "description": "How big the widget is."},
        "color": {"type": "string", "enum": ["blue", "red", "green"], "default": "blue"},
        "labels": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}},
    "status": {"type": "object", "properties": {"phase": {"type": "string"}}}}}
WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wg"]},
             "versions": [
                 {"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                  "schema": {"openAPIV3Schema": WIDGET_SCHEMA},
                  "additionalPrinterColumns": [
                      {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                      {"name": "Color", "type": "string", "jsonPath": ".spec.color"},
                      {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
                      {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]},
                 {"name": "v1beta1", "served": True, "storage": False, "subresources": {"status": {}},
                  "schema": {"openAPIV3Schema": WIDGET_SCHEMA}}]},
}

SMALL = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}


def seed_minimal(c: Cluster) -> None:
    for ns in SYSTEM_NAMESPACES:
        c.put_object(namespace(ns))
    c.put_object(node("kubesim-node", "local-a", "kubesim.small", "4", 8, "172.18.0.2"))
    c.put_object({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes", "namespace": "default",
                                                                       "labels": {"component": "apiserver"}},
                  "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "targetPort": 6443}]}})


def seed_demo(c: Cluster) -> None:
    for ns in SYSTEM_NAMESPACES + ("web", "shop", "ml"):
        c.put_object(namespace(ns))
    c.put_object(node("node-1", "eu-west-1a", "m5.xlarge", "4", 16, "10.0.1.10",
                      labels={"node-role.kubernetes.io/control-plane": ""}))
    c.put_object(node("node-2", "eu-west-1b", "m5.xlarge", "4", 16, "10.0.2.10", labels={"disktype": "ssd"}))
    c.put_object(node("node-3", "eu-west-1c", "m5.2xlarge", "8", 32, "10.0.3.10", labels={"disktype": "ssd"}))
    c.put_object(node("node-gpu-1", "eu-west-1a", "g4dn.xlarge", "4", 16, "10.0.1.20",
                      taints=[{"key": "gpu", "value": "true", "effect": "NoSchedule"}],
                      labels={"accelerator": "nvidia-tesla-t4"}, extra={"nvidia.com/gpu": "1"}))
    c.put_object({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes", "namespace": "default",
                                                                       "labels": {"component": "apiserver"}},
                  "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "targetPort": 6443}]}})
    # kube-system
    c.put_object(configmap("kube-system", "coredns", {"Corefile": ".:53 {\n    errors\n    health\n    forward . /etc/resolv.conf\n}\n"}))
    c.put_object(deployment("kube-system", "coredns", "registry.k8s.io/coredns/coredns:v1.11.1", 2, port=53,
                            resources={"requests": {"cpu": "100m", "memory": "70Mi"}, "limits": {"memory": "170Mi"}}))
    # web
    c.put_object(configmap("web", "frontend-config", {"API_URL": "http://cart.shop.svc:8080", "LOG_LEVEL": "info",
                                                      "nginx.conf": "server {\n  listen 80;\n  location / { root /usr/share/nginx/html; }\n}\n"}))
    c.put_object(secret("web", "frontend-tls", {"tls.crt": "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n",
                                                "tls.key": "-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n"},
                        "kubernetes.io/tls"))
    c.put_object(deployment("web", "frontend", "nginx:1.27", 3, port=80, resources=SMALL,
                            env=[{"name": "API_URL", "valueFrom": {"configMapKeyRef": {"name": "frontend-config", "key": "API_URL"}}}],
                            volumes=[{"name": "config", "configMap": {"name": "frontend-config"}}],
                            mounts=[{"name": "config", "mountPath": "/etc/nginx/conf.d"}]))
    c.put_object(service("web", "frontend", 80, 80))
    c.put_object({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "web-quota", "namespace": "web"},
                  "spec": {"hard": {"pods": "20", "requests.cpu": "4", "requests.memory": "8Gi", "limits.cpu": "8",
                                    "limits.memory": "16Gi", "services": "10", "configmaps": "20", "secrets": "20",
                                    "persistentvolumeclaims": "5"}}})
    c.put_object({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "web-limits", "namespace": "web"},
                  "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "256Mi"},
                                       "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
                                       "max": {"cpu": "2", "memory": "2Gi"}}]}})
    # shop
    c.put_object(configmap("shop", "cart-config", {"CACHE_TTL": "30s", "DB_HOST": "postgres.shop.svc"}))
    c.put_object(secret("shop", "db-credentials", {"username": "shop", "password": "s3cr3t-passw0rd"}))
    c.put_object(deployment("shop", "cart", "ghcr.io/example/cart:2.3.1", 2, resources=SMALL,
                            env=[{"name": "DB_HOST", "valueFrom": {"configMapKeyRef": {"name": "cart-config", "key": "DB_HOST"}}},
                                 {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "password"}}}]))
    c.put_object(service("shop", "cart", 8080, 8080))
    c.put_object(deployment("shop", "checkout", "ghcr.io/example/checkout:1.8.0", 1, resources=SMALL))
    c.put_object(service("shop", "checkout", 8080, 8080))
    c.put_object(deployment("shop", "api-gateway", "gcr.io/distroless/static:nonroot", 1))
    c.put_object(deployment("shop", "payments-worker", "ghcr.io/example/payments:0.9.2", 1,
                            annotations={CRASHLOOP_ANNOTATION: "true"}))
    postgres = deployment("shop", "postgres", "postgres:16", 1, port=5432)
    postgres.update(kind="StatefulSet")
    postgres["spec"]["serviceName"] = "postgres"
    c.put_object(postgres)
    c.put_object(service("shop", "postgres", 5432, 5432))
    # requests by default (the quota needs them) but no default limits: api-gateway runs without limits
    c.put_object({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "shop-defaults", "namespace": "shop"},
                  "spec": {"limits": [{"type": "Container",
                                       "defaultRequest": {"cpu": "100m", "memory": "128Mi"}}]}})
    c.put_object({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "shop-quota", "namespace": "shop"},
                  "spec": {"hard": {"pods": "10", "requests.cpu": "2", "requests.memory": "4Gi", "services": "5"}}})
    # a CRD with a couple of custom objects
    c.put_object(WIDGET_CRD, "apiextensions.k8s.io")
    for name, size, color in (("gizmo", 3, "blue"), ("sprocket", 5, "red")):
        c.put_object({"apiVersion": "example.com/v1", "kind": "Widget",
                      "metadata": {"name": name, "namespace": "shop", "labels": {"color": color}},
                      "spec": {"size": size, "color": color}, "status": {"phase": "Ready"}}, "example.com")
    seed_ml(c)


def seed_ml(c: Cluster) -> None:
    """Namespace ml: GPU scheduling, affinity and a quota close to its limit (3 of 4 pods,
    1750m of 2 cores), for the services that explain quotas and placement."""
    c.put_object({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "ml-quota", "namespace": "ml"},
                  "spec": {"hard": {"pods": "4", "requests.cpu": "2", "requests.memory": "4Gi",
                                    "requests.nvidia.com/gpu": "2"}}})
    c.put_object(secret("ml", "hf-token", {"token": "hf_kubesim_example_token"}))
    gpu = {"requests": {"cpu": "1", "memory": "2Gi", "nvidia.com/gpu": "1"}, "limits": {"nvidia.com/gpu": "1"}}
    pods = [
        ("trainer", {"app": "trainer"}, gpu, {
            "nodeSelector": {"accelerator": "nvidia-tesla-t4"},
            "tolerations": [{"key": "gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"}]}),
        # needs the GPU node but does not tolerate its taint: Pending with the scheduler's message
        ("inference", {"app": "inference"}, {"requests": {"cpu": "500m", "memory": "1Gi"}},
         {"nodeSelector": {"accelerator": "nvidia-tesla-t4"}}),
        # requests but no limits; next to the trainer (same zone), preferably on an ssd node; a token in
        # a plain env value instead of a secretKeyRef
        ("notebook", {"app": "notebook"}, {"requests": {"cpu": "250m", "memory": "512Mi"}}, {"affinity": {
            "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "trainer"}}, "topologyKey": "topology.kubernetes.io/zone"}]},
            "nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 50, "preference": {"matchExpressions": [
                    {"key": "disktype", "operator": "In", "values": ["ssd"]}]}}]}}}),
    ]
    for name, labels, resources, spec in pods:
        container: dict = {"name": name, "image": "ghcr.io/example/ml:1.4.0", "resources": resources}
        if name == "notebook":
            container["env"] = [{"name": "HF_TOKEN", "value": "hf_kubesim_example_token"}]
        c.put_object({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "ml", "labels": labels},
                      "spec": {"containers": [container], **spec}})


def seed(c: Cluster, demo: bool) -> None:
    (seed_demo if demo else seed_minimal)(c)
