"""Between the clusters domain and the contract, both ways: requests into domain values
(server/clusters/model.py) and domain values into messages. The only module of the domain that
knows messages; live objects leave the server here, with Secret values redacted."""

from __future__ import annotations

from kubecommit.v1 import clusters_pb2, common_pb2
from server.clusters import model
from server.clusters.operations import Probe
from server.registry import PROVIDERS, ClusterRecord
from server.errors import InvalidArgument
from server.messages import document, duration, field_changes, timestamp
from server.names import cluster_name


def provider_name(value: int, field: str = "cluster.provider") -> str:
    """Proto enum -> stored name; unspecified is `other`."""
    if value == clusters_pb2.PROVIDER_UNSPECIFIED:
        return "other"
    try:
        return clusters_pb2.Provider.Name(value).removeprefix("PROVIDER_").lower()
    except ValueError:
        raise InvalidArgument.field(field, f"unknown provider {value}") from None


def cluster_message(record: ClusterRecord) -> clusters_pb2.Cluster:
    provider = record.provider if record.provider in PROVIDERS else "other"
    return clusters_pb2.Cluster(
        name=cluster_name(record.id), display_name=record.display_name,
        provider=clusters_pb2.Provider.Value(f"PROVIDER_{provider.upper()}"), region=record.region,
        tags=record.tags, description=record.description, context=record.context, server=record.server,
        server_version=record.server_version,
        state=clusters_pb2.ClusterState.Value(f"CLUSTER_STATE_{record.state.upper()}"),
        state_message=record.state_message, node_count=record.node_count, created_by=record.created_by,
        create_time=timestamp(record.create_time), update_time=timestamp(record.update_time),
        last_sync_time=timestamp(record.last_sync_time), resource_count=record.resource_count,
        etag=record.etag)


def kubernetes_object(live: model.LiveObject) -> common_pb2.KubernetesObject:
    """A live object as the contract shows it; list items lack apiVersion/kind on real servers,
    so they come from discovery. Secret values are never returned (keys are, values read
    `<redacted>`): the API writes secrets but does not hand them out."""
    cluster, rt, obj = live.cluster, live.rt, live.obj
    obj.setdefault("apiVersion", rt.api_version)
    obj.setdefault("kind", rt.kind)
    text, shown = document(obj)
    metadata = obj.get("metadata") or {}
    created = metadata.get("creationTimestamp")
    message = common_pb2.KubernetesObject(
        name=str(model.object_name(cluster, rt, obj)), cluster=cluster_name(cluster), api_version=obj["apiVersion"],
        kind=obj["kind"], namespace=metadata.get("namespace", "") if rt.namespaced else "",
        object_name=metadata.get("name", ""),
        yaml=text, object=shown, etag=metadata.get("resourceVersion", ""), labels=metadata.get("labels") or {})
    if created:
        try:
            message.create_time.FromJsonString(created)
        except ValueError:  # a cluster's malformed timestamp leaves the field unset
            pass
    return message


# -- requests into domain values ---------------------------------------------------------------

def cluster_spec(cluster: clusters_pb2.Cluster) -> model.ClusterSpec:
    return model.ClusterSpec(
        name=cluster.name, display_name=cluster.display_name,
        provider=provider_name(cluster.provider) if cluster.provider else "", region=cluster.region,
        tags=dict(cluster.tags), description=cluster.description, kubeconfig=cluster.kubeconfig,
        context=cluster.context, etag=cluster.etag)


def resource_query(request: clusters_pb2.ListResourcesRequest) -> model.ResourceQuery:
    return model.ResourceQuery(
        parent=request.parent, resource_type=request.resource_type, namespace=request.namespace,
        label_selector=request.label_selector, field_selector=request.field_selector,
        clusters=list(request.clusters), page_size=request.page_size, page_token=request.page_token)


def watch_query(request: clusters_pb2.WatchResourcesRequest) -> model.WatchQuery:
    return model.WatchQuery(
        parent=request.parent, resource_type=request.resource_type, namespace=request.namespace,
        label_selector=request.label_selector, field_selector=request.field_selector, name=request.name,
        clusters=list(request.clusters))


# -- domain values into messages ---------------------------------------------------------------

def test_response(record: ClusterRecord, result: Probe) -> clusters_pb2.TestClusterResponse:
    return clusters_pb2.TestClusterResponse(
        connected=result.connected, latency=duration(result.latency), server_version=result.server_version,
        server=record.server, node_count=result.node_count, error=result.error.message if result.error else "")


def sync_response(event: model.SyncProgress | model.SyncResult) -> clusters_pb2.SyncClusterResponse:
    if isinstance(event, model.SyncProgress):
        return clusters_pb2.SyncClusterResponse(progress=common_pb2.Progress(
            stage=event.stage, message=event.message, done=event.done, total=event.total))
    return clusters_pb2.SyncClusterResponse(result=clusters_pb2.SyncResult(
        commit=event.commit, resources_discovered=event.resources_discovered, objects_read=event.objects_read,
        objects_written=event.objects_written, objects_deleted=event.objects_deleted,
        objects_by_type=event.objects_by_type, errors=event.errors,
        read_duration=duration(event.read_seconds), write_duration=duration(event.write_seconds)))


def cluster_health(health: model.ClusterHealth) -> clusters_pb2.ClusterHealth:
    return clusters_pb2.ClusterHealth(
        name=f"{cluster_name(health.cluster)}/health",
        status=common_pb2.HealthStatus.Value(f"HEALTH_STATUS_{health.status.name}"), score=health.score,
        live=health.live, ready=health.ready, readiness_checks=health.readiness_checks,
        nodes=[clusters_pb2.NodeHealth(name=n.name, ready=n.ready, conditions=n.conditions,
                                       schedulable=n.schedulable) for n in health.nodes],
        issues=[common_pb2.Issue(severity=common_pb2.Severity.Value(f"SEVERITY_{i.severity.name}"),
                                 reason=i.reason, message=i.message, resource=i.resource,
                                 score_impact=i.score_impact) for i in health.issues],
        check_time=timestamp(health.check_time), latency=duration(health.latency))


def health_summary(summary: model.HealthSummary) -> clusters_pb2.SummarizeClustersResponse:
    return clusters_pb2.SummarizeClustersResponse(
        cluster_count=summary.cluster_count, by_health=summary.by_health, by_provider=summary.by_provider,
        node_count=summary.node_count, pod_count=summary.pod_count, average_score=summary.average_score,
        clusters=[cluster_health(h) for h in summary.clusters])


def _usage(usage: model.ResourceUsage) -> clusters_pb2.ResourceUsage:
    return clusters_pb2.ResourceUsage(
        capacity=usage.capacity, allocatable=usage.allocatable, requests=usage.requests, limits=usage.limits,
        usage=usage.usage, usage_percent=usage.usage_percent, requests_percent=usage.requests_percent)


def cluster_metrics(metrics: model.ClusterMetrics) -> clusters_pb2.ClusterMetrics:
    return clusters_pb2.ClusterMetrics(
        name=f"{cluster_name(metrics.cluster)}/metrics", cpu=_usage(metrics.cpu), memory=_usage(metrics.memory),
        metrics_available=metrics.metrics_available, metrics_message=metrics.metrics_message,
        node_count=metrics.node_count, pod_count=metrics.pod_count, service_count=metrics.service_count,
        deployment_count=metrics.deployment_count, namespace_count=metrics.namespace_count,
        collect_time=timestamp(metrics.collect_time))


def resource_stats(stats: model.ResourceStats) -> clusters_pb2.ClusterResourceStats:
    return clusters_pb2.ClusterResourceStats(
        name=f"{cluster_name(stats.cluster)}/resourceStats",
        types=[clusters_pb2.ResourceTypeStats(resource=t.resource, kind=t.kind, count=t.count,
                                              by_namespace=t.by_namespace, short_names=t.short_names)
               for t in stats.types],
        total_objects=stats.total_objects, pods_by_phase=stats.pods_by_phase)


def resource_page(page: model.ResourcePage) -> clusters_pb2.ListResourcesResponse:
    return clusters_pb2.ListResourcesResponse(
        resources=[kubernetes_object(o) for o in page.objects], next_page_token=page.next_page_token,
        unreachable=page.unreachable)


def watch_event(event: model.WatchEvent | model.WatchUnreachable) -> clusters_pb2.WatchResourcesResponse:
    if isinstance(event, model.WatchUnreachable):
        return clusters_pb2.WatchResourcesResponse(unreachable={cluster_name(event.cluster): event.reason})
    return clusters_pb2.WatchResourcesResponse(
        type=clusters_pb2.WatchEventType.Value(f"WATCH_EVENT_TYPE_{event.type.name}"),
        resource=kubernetes_object(event.resource))


def comparison(report: model.ComparisonReport) -> clusters_pb2.CompareResourcesResponse:
    response = clusters_pb2.CompareResourcesResponse(reference=report.reference, identical=report.identical)
    for item in report.comparisons:
        message = clusters_pb2.ResourceComparison(name=item.name, found=item.diff is not None)
        if item.diff is not None:
            changes, summary = field_changes(item.diff)
            message.changes.extend(changes)
            message.summary.CopyFrom(summary)
        response.comparisons.append(message)
    return response
