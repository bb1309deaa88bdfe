"""One cluster's API clients, with bounded, retried calls off the event loop.

The official client is synchronous; every call runs on the pool's executor with a request
timeout, idempotent calls are retried with backoff on transient failures, and failures come back
as domain errors (server.kube.errors.translate) naming the cluster.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import random
import shutil
import tempfile
import time
from concurrent.futures import Executor
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from kubernetes import client, config
from kubernetes.dynamic import DynamicClient

from server.errors import InvalidArgument, KubecommitError, NotFound
from server.kube.errors import retryable, translate
from server.kube.kubeconfig import Kubeconfig
from server.kube.resources import ApiResource
from server.observability.tracing import inject

log = logging.getLogger("kubecommit.kube")
T = TypeVar("T")


class _BoundedDynamicClient(DynamicClient):
    """The dynamic client's discovery requests pass no timeout, and the client then waits forever
    on a cluster that went silent (a partition): each attempt lost a thread of the pool for good,
    and the process could not exit, its shutdown waiting for those threads."""

    def __init__(self, api_client: client.ApiClient, cache_file: str, timeout: tuple[float, float]) -> None:
        self._timeout = timeout  # before the base class, whose constructor may already discover
        super().__init__(api_client, cache_file=cache_file)

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        params.setdefault("_request_timeout", self._timeout)
        return super().request(method, path, body, **params)


class ClusterConnection:
    def __init__(self, name: str, kubeconfig: Kubeconfig | None, *, executor: Executor,
                 timeout: float, cache_dir: Path, retries: int = 2, watch_timeout: float = 300.0,
                 on_write: Callable[[str, ApiResource, str, bool], None] | None = None) -> None:
        """`kubeconfig=None` uses the in-cluster service account (kubecommit inside Kubernetes).
        `on_write(cluster, resource, resourceVersion, deleted)` hears of every write this
        connection made (the watch cache waits for it before it answers: read-your-writes)."""
        self.name = name
        self._on_write = on_write
        self.executor = executor
        self.timeout = timeout
        self.retries = retries
        # How long the API server is asked to keep a watch open (server.kube.streams.open_watch).
        self.watch_timeout = watch_timeout
        self.configuration = client.Configuration()
        cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        # The client writes certificate and key data to files; keep them in a private folder of
        # this connection's (0700) and remove it on close, instead of /tmp until the process exits.
        self._files = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=cache_dir))
        if kubeconfig is None:
            config.load_incluster_config(client_configuration=self.configuration)
        else:
            config.load_kube_config_from_dict(kubeconfig.data, context=kubeconfig.context,
                                              client_configuration=self.configuration,
                                              persist_config=False, temp_file_path=str(self._files))
        # Retries are ours (bounded by the call's timeout), not urllib3's silent ones.
        self.configuration.retries = False
        self.server = self.configuration.host
        self.api_client = client.ApiClient(self.configuration)
        # The dynamic client caches discovery in a file: one per connection, never shared.
        self._cache_file = self._files / "discovery.json"
        self._dynamic: _BoundedDynamicClient | None = None
        self._resources: list[ApiResource] | None = None
        self._discovery = asyncio.Lock()
        # Called by `close` (the shared HTTP session of the cluster's streams closes with it).
        self.on_close: list[Callable[[], None]] = []

    def close(self) -> None:
        for closer in self.on_close:
            closer()
        self.on_close.clear()
        self.api_client.close()
        shutil.rmtree(self._files, ignore_errors=True)

    # -- calls ----------------------------------------------------------------------------

    async def call(self, fn: Callable[..., T], *args: Any, idempotent: bool = True,
                   timeout: float | None = None, **kwargs: Any) -> T:
        """Runs a blocking client call on the executor, bounded and retried."""
        budget = timeout or self.timeout
        deadline = time.monotonic() + budget
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            remaining = max(0.1, deadline - time.monotonic())
            try:
                # The executor thread runs in the caller's context: its trace span goes along.
                return await asyncio.wait_for(loop.run_in_executor(
                    self.executor, contextvars.copy_context().run, partial(fn, *args, **kwargs)),
                    remaining + 0.5)
            except asyncio.TimeoutError as error:
                failure: KubecommitError = translate(TimeoutError(str(error)), self.name)
            except KubecommitError:
                raise
            except Exception as error:  # the client raises many types; all are translated
                failure = translate(error, self.name)
            attempt += 1
            pause = min(2.0, 0.2 * 2 ** (attempt - 1)) * (0.5 + random.random())
            if not (idempotent and retryable(failure)) or attempt > self.retries \
                    or time.monotonic() + pause >= deadline:
                raise failure
            log.info("retrying cluster call", extra={"cluster": self.name, "attempt": attempt,
                                                     "reason": failure.reason})
            await asyncio.sleep(pause)

    def _request_timeout(self, timeout: float | None) -> tuple[float, float]:
        total = timeout or self.timeout
        return (min(5.0, total), total)

    def _request_sync(self, method: str, path: str, body: Any, query: list[tuple[str, Any]],
                      content_type: str | None, timeout: float | None) -> Any:
        headers = {"Accept": "application/json"}
        inject(headers)  # W3C traceparent of the RPC this call serves
        if content_type:
            headers["Content-Type"] = content_type
        elif body is not None:
            headers["Content-Type"] = "application/json"
        request = self.api_client.param_serialize(
            method, path, query_params=query, header_params=headers, body=body,
            auth_settings=["BearerToken"])
        response = self.api_client.call_api(*request, _request_timeout=self._request_timeout(timeout))
        response.read()
        if not 200 <= response.status <= 299:
            self.api_client.response_deserialize(response, {})  # raises ApiException with the Status
        data = response.data
        if not data:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return data.decode("utf-8", "replace")

    async def request(self, method: str, path: str, body: Any = None, *,
                      query: dict[str, Any] | None = None, content_type: str | None = None,
                      timeout: float | None = None) -> Any:
        """A raw REST call returning parsed JSON (or text); GETs are retried, writes are not."""
        params = [(k, v) for k, v in (query or {}).items() if v is not None and v != ""]
        return await self.call(self._request_sync, method.upper(), path, body, params, content_type,
                               timeout, idempotent=method.upper() in ("GET", "HEAD"), timeout=timeout)

    # -- discovery ------------------------------------------------------------------------

    def _discover_sync(self) -> list[ApiResource]:
        if self._dynamic is None:
            self._dynamic = _BoundedDynamicClient(self.api_client, str(self._cache_file), self._request_timeout(None))
        else:
            self._dynamic.resources.invalidate_cache()
        found: dict[tuple[str, str], ApiResource] = {}
        for r in self._dynamic.resources.search():
            if not getattr(r, "name", None) or "/" in r.name or not r.preferred or not r.kind \
                    or r.kind.endswith("List") and r.name.endswith("list"):
                continue
            item = ApiResource(group=r.group or "", version=r.api_version, plural=r.name, kind=r.kind,
                               namespaced=bool(r.namespaced), verbs=tuple(r.verbs or ()),
                               short_names=tuple(r.short_names or ()))
            found.setdefault((item.group, item.plural), item)
        return sorted(found.values(), key=lambda r: (r.group, r.plural))

    async def resources(self, refresh: bool = False) -> list[ApiResource]:
        """Every kind the cluster serves (preferred versions); cached until refreshed."""
        async with self._discovery:  # one discovery at a time: the dynamic client is shared
            if self._resources is None or refresh:
                self._resources = await self.call(self._discover_sync)
            return self._resources

    async def resolve(self, query: str, field: str = "resource_type") -> ApiResource:
        """A type named any way kubectl accepts; refreshes discovery once on a miss, so CRDs
        created since the last look are found."""
        if not query:
            raise InvalidArgument.field(field, "a resource type is required")
        for refresh in (False, True):
            matches = [r for r in await self.resources(refresh) if r.matches(query)]
            exact = [r for r in matches if query in (r.type, r.plural, r.kind) or query in r.short_names]
            if matches:  # an exact name wins over a looser match (`Deployment.apps`, case)
                return (exact or matches)[0]
        raise NotFound(f"cluster {self.name} does not serve resource type {query!r}", "UNKNOWN_RESOURCE_TYPE",
                       metadata={"cluster": self.name, "resource_type": query})

    async def resolve_kind(self, api_version: str, kind: str) -> ApiResource:
        """The resource of a manifest's apiVersion/kind."""
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        for refresh in (False, True):
            for r in await self.resources(refresh):
                if r.kind == kind and r.group == group:
                    return r
        raise InvalidArgument.field("manifest", f"cluster {self.name} does not serve {api_version} {kind}",
                                    "UNKNOWN_KIND")

    # -- objects --------------------------------------------------------------------------

    async def get_object(self, rt: ApiResource, namespace: str, name: str) -> dict[str, Any]:
        return await self.request("GET", rt.path(namespace, name))

    async def list_objects(self, rt: ApiResource, namespace: str = "", *, label_selector: str = "",
                           field_selector: str = "", limit: int = 0, continue_token: str = "",
                           timeout: float | None = None) -> dict[str, Any]:
        return await self.request("GET", rt.path(namespace), query={
            "labelSelector": label_selector, "fieldSelector": field_selector,
            "limit": limit or None, "continue": continue_token}, timeout=timeout)

    async def apply(self, rt: ApiResource, obj: dict[str, Any], *, field_manager: str,
                    force: bool = False, dry_run: bool = False) -> dict[str, Any]:
        """Server-side apply (create or update)."""
        metadata = obj.get("metadata") or {}
        applied = await self.request(
            "PATCH", rt.path(metadata.get("namespace", ""), metadata["name"]), obj,
            query={"fieldManager": field_manager, "force": "true" if force else None,
                   "dryRun": "All" if dry_run else None},
            content_type="application/apply-patch+yaml")
        if not dry_run:
            self._written(rt, applied, deleted=False)
        return applied

    async def remove_metadata_keys(self, rt: ApiResource, namespace: str, name: str, *, labels: Iterable[str] = (),
                                   annotations: Iterable[str] = (), field_manager: str,
                                   dry_run: bool = False) -> dict[str, Any]:
        """Removes label and annotation keys whoever owns them, with a JSON merge patch (`null`
        deletes a key). Server-side apply cannot: leaving a field out of an applied configuration
        removes it only if no other field manager owns it."""
        metadata = {part: {key: None for key in keys} for part, keys in (("labels", labels), ("annotations", annotations))
                    if keys}
        patched = await self.request("PATCH", rt.path(namespace, name), {"metadata": metadata},
                                     query={"fieldManager": field_manager, "dryRun": "All" if dry_run else None},
                                     content_type="application/merge-patch+json")
        if not dry_run:
            self._written(rt, patched, deleted=False)
        return patched

    def _written(self, rt: ApiResource, obj: Any, *, deleted: bool) -> None:
        version = str(((obj if isinstance(obj, dict) else {}).get("metadata") or {}).get("resourceVersion") or "")
        if self._on_write is not None and version:
            self._on_write(self.name, rt, version, deleted)

    async def delete_object(self, rt: ApiResource, namespace: str, name: str, *,
                            dry_run: bool = False, resource_version: str = "") -> Any:
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}
        if resource_version:
            body["preconditions"] = {"resourceVersion": resource_version}
        deleted = await self.request("DELETE", rt.path(namespace, name), body,
                                     query={"dryRun": "All" if dry_run else None})
        if not dry_run:
            self._written(rt, deleted, deleted=True)
        return deleted

    async def version(self, timeout: float | None = None) -> dict[str, Any]:
        return await self.request("GET", "/version", timeout=timeout)
