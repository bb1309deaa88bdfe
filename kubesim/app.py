"""HTTP surface of the simulator: the Kubernetes REST paths on top of Cluster.

One catch-all route parses `/api/v1/...` and `/apis/GROUP/VERSION/...` into (resource, namespace,
name, subresource) so CRDs need no route registration.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import yaml
from aiohttp import web

from kubesim import disruption, errors, openapi, portforward, protobuf
from kubesim.cluster import PATCH_TYPES, Cluster
from kubesim.controllers import Controllers
from kubesim.errors import ApiError
from kubesim.exec.protocol import ExecOptions, serve_exec
from kubesim.logs import LogQuery, parse_since
from kubesim.patch import json_patch, merge_patch, strategic_merge
from kubesim.registry import COMPUTED_GROUPS, SCALE_GROUP_VERSION, ResourceType
from kubesim.selectors import labels_match, parse_field_selector, parse_label_selector
from kubesim.store import Expired
from kubesim.tables import Column, crd_columns, to_table

VERSION_INFO = {
    "major": "1", "minor": "31", "gitVersion": "v1.31.0-kubesim", "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean", "buildDate": "2024-08-13T07:28:49Z", "goVersion": "go1.22.5", "compiler": "gc",
    "platform": "linux/amd64",
}
HEALTH_CHECKS = ("ping", "log", "etcd", "informer-sync", "poststarthook/start-apiextensions-controllers",
                 "poststarthook/crd-informer-synced", "poststarthook/bootstrap-controller")
PUBLIC_PATHS = ("/version", "/healthz", "/livez", "/readyz")
JSON_BODY_TYPES = ("application/json", "application/yaml", "")
PROTOBUF = "application/vnd.kubernetes.protobuf"
INITIAL_EVENTS_END = "k8s.io/initial-events-end"
WARNINGS = web.RequestKey("warnings", list)  # Warning headers for the response
BOOKMARK_INTERVAL = 15  # seconds between bookmarks on a quiet watch that asked for them
# Lines of a follow's backlog rendered and written at a time.
FOLLOW_PIECE_LINES = 1000


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(data, separators=(",", ":")).encode(), status=status,
                        content_type="application/json")


@dataclass
class Target:
    """A parsed resource URL."""

    rt: ResourceType
    version: str
    namespace: str | None
    name: str
    sub: str


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in ("true", "1")


def _int_param(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise errors.bad_request(f'invalid value for {name}: "{raw}" is not an integer') from None


def _dry_run(request: web.Request, body: Any = None) -> bool:
    values = request.query.getall("dryRun", [])
    if isinstance(body, dict) and isinstance(body.get("dryRun"), list):
        values = values + body["dryRun"]
    for v in values:
        if v != "All":
            raise errors.bad_request(f'Invalid dryRun value "{v}". Valid options are "All".')
    return bool(values)


def _manager(request: web.Request) -> str:
    manager = request.query.get("fieldManager")
    if manager:
        return manager
    return request.headers.get("User-Agent", "unknown").split("/", 1)[0] or "unknown"


def _send_initial_events(request: web.Request) -> bool | None:
    """The WatchList parameter: None when absent; when set it needs resourceVersionMatch=NotOlderThan."""
    raw = request.query.get("sendInitialEvents")
    if raw is None:
        return None
    if request.query.get("resourceVersionMatch") != "NotOlderThan":
        raise errors.invalid("meta.k8s.io", "ListOptions", "", [
            ("FieldValueForbidden", "resourceVersionMatch",
             "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")])
    return raw.lower() in ("true", "1")


def _check_not_too_large(current: int, rv: str) -> None:
    """A version the store has not reached yet: 504 like the apiserver's "Too large resource version"."""
    try:
        wanted = int(rv)
    except ValueError:
        raise errors.bad_request(f"invalid resource version: {rv}") from None
    if wanted > current:
        raise ApiError(504, "Timeout", f"Too large resource version: {wanted}, current: {current}", {
            "causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
            "retryAfterSeconds": 1})


def _list_resource_version(request: web.Request, current: int, continuing: bool) -> int | None:
    """Check resourceVersion/resourceVersionMatch on a list; the version to serve when Exact."""
    rv, match = request.query.get("resourceVersion", ""), request.query.get("resourceVersionMatch", "")
    if match and match not in ("Exact", "NotOlderThan"):
        raise errors.invalid("meta.k8s.io", "ListOptions", "", [
            ("FieldValueNotSupported", "resourceVersionMatch",
             f'Unsupported value: "{match}": supported values: "Exact", "NotOlderThan"')])
    if match and not rv:
        raise errors.invalid("meta.k8s.io", "ListOptions", "", [
            ("FieldValueForbidden", "resourceVersionMatch",
             "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided")])
    if match and continuing:
        raise errors.invalid("meta.k8s.io", "ListOptions", "", [
            ("FieldValueForbidden", "resourceVersionMatch",
             "Forbidden: resourceVersionMatch is forbidden when continue is provided")])
    if match == "Exact" and rv == "0":
        raise errors.invalid("meta.k8s.io", "ListOptions", "", [
            ("FieldValueForbidden", "resourceVersionMatch",
             'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"')])
    if rv in ("", "0") or continuing:
        return None
    _check_not_too_large(current, rv)
    return int(rv) if match == "Exact" else None


def _wants_table(request: web.Request) -> bool:
    return "as=Table" in request.headers.get("Accept", "")


class Api:
    def __init__(self, cluster: Cluster, controllers: Controllers, token: str | None = None) -> None:
        self.cluster = cluster
        self.controllers = controllers
        self.token = token
        # Log follows being served now: lets tests check that clients close what they open.
        self.open_follows = 0
        # The newest request paths as received (before any routing): lets tests check where
        # clients reached.
        self.paths: deque[str] = deque(maxlen=10_000)

    def build(self) -> web.Application:
        app = web.Application(middlewares=[self.middleware], client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        return app

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.paths.append(request.raw_path)
        try:
            if self.token and not request.path.startswith(PUBLIC_PATHS):
                if request.headers.get("Authorization", "") != f"Bearer {self.token}":
                    raise ApiError(401, "Unauthorized", "Unauthorized")
            resp = await handler(request)
            for warning in request.get(WARNINGS, []):
                resp.headers.add("Warning", f'299 - "{_escape(warning)}"')
            return resp
        except ApiError as e:
            return json_response(e.status(), e.code)
        except web.HTTPException:
            raise
        except (ConnectionResetError, asyncio.CancelledError):
            raise
        except Exception as e:  # never a bare 500 page or a hang: a Status like the apiserver's
            return json_response(errors.status_object("Failure", f"Internal error occurred: {e!r}",
                                                      "InternalError", 500), 500)

    # -- routing ---------------------------------------------------------------------------
    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        parts = [p for p in request.path.split("/") if p]
        if not parts:
            return json_response({"paths": ["/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version"]})
        head = parts[0]
        if head == "version":
            return json_response(VERSION_INFO)
        if head in ("healthz", "livez", "readyz"):
            return self.health(request, head, parts[1:])
        if head == "openapi":
            return self.openapi(request, parts[1:])
        if head == "api":
            if len(parts) == 1:
                return json_response({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": request.host}]})
            return await self.resource_request(request, "", parts[1], parts[2:])
        if head == "apis":
            if len(parts) == 1:
                return json_response(self.group_list())
            if len(parts) == 2:
                group = next((g for g in self.group_list()["groups"] if g["name"] == parts[1]), None)
                if group is None:
                    raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
                return json_response(dict(group, kind="APIGroup", apiVersion="v1"))
            return await self.resource_request(request, parts[1], parts[2], parts[3:])
        raise ApiError(404, "NotFound", "the server could not find the requested resource")

    def health(self, request: web.Request, which: str, rest: list[str]) -> web.Response:
        if rest:
            if "/".join(rest) not in HEALTH_CHECKS:
                return web.Response(status=404, text="404 page not found\n")
            return web.Response(text="ok")
        if "verbose" in request.query:
            lines = [f"[+]{c} ok" for c in HEALTH_CHECKS]
            return web.Response(text="\n".join(lines) + f"\n{which} check passed\n")
        return web.Response(text="ok")

    def openapi(self, request: web.Request, rest: list[str]) -> web.Response:
        reg, crds = self.cluster.registry, self.cluster.crds()
        if rest == ["v2"]:
            accept = request.headers.get("Accept", "")
            if accept and "json" not in accept and "*/*" not in accept:
                raise ApiError(406, "NotAcceptable", "only application/json is served for /openapi/v2")
            return json_response(openapi.v2_document(reg, crds))
        if rest == ["v3"]:
            return json_response(openapi.v3_index(reg, crds))
        if len(rest) >= 3 and rest[0] == "v3":
            gv = rest[2:] if rest[1] == "apis" else [""] + rest[2:] if rest[1] == "api" else []
            doc = openapi.v3_document(reg, crds, gv[0], gv[1]) if len(gv) == 2 else None
            if doc is not None:
                return json_response(doc)
        raise ApiError(404, "NotFound", "the server could not find the requested resource")

    # -- discovery -------------------------------------------------------------------------
    def group_list(self) -> dict:
        groups = []
        for group, versions in sorted(self.cluster.registry.group_versions().items()):
            if not group:
                continue
            vs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
            groups.append({"name": group, "versions": vs, "preferredVersion": vs[0]})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def resource_list(self, group: str, version: str) -> dict:
        rts = self.cluster.registry.in_group_version(group, version)
        if not rts:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        resources = []
        for rt in sorted(rts, key=lambda r: r.plural):
            entry: dict[str, Any] = {"name": rt.plural, "singularName": rt.singular, "namespaced": rt.namespaced,
                                     "kind": rt.kind, "verbs": list(rt.verbs)}
            if rt.short_names:
                entry["shortNames"] = list(rt.short_names)
            if rt.categories:
                entry["categories"] = list(rt.categories)
            resources.append(entry)
            for sub in rt.subresources:
                s: dict[str, Any] = {"name": f"{rt.plural}/{sub}", "singularName": "", "namespaced": rt.namespaced,
                                     "kind": rt.kind, "verbs": ["get", "patch", "update"]}
                if sub == "scale":
                    s.update(group=SCALE_GROUP_VERSION[0], version=SCALE_GROUP_VERSION[1], kind="Scale")
                elif sub in ("exec", "attach", "portforward"):
                    s.update(kind=f"Pod{'PortForward' if sub == 'portforward' else sub.capitalize()}Options",
                             verbs=["create", "get"])
                elif sub == "log":
                    s.update(verbs=["get"])
                elif sub == "eviction":
                    s.update(group="policy", version="v1", kind="Eviction", verbs=["create"])
                elif sub == "finalize":
                    s.update(verbs=["update"])
                resources.append(s)
        gv = f"{group}/{version}" if group else version
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}

    # -- resources -------------------------------------------------------------------------
    def parse_target(self, group: str, version: str, segs: list[str]) -> Target:
        namespace: str | None = None
        if len(segs) >= 3 and segs[0] == "namespaces" and not (len(segs) == 3 and segs[2] in ("status", "finalize")):
            namespace, segs = segs[1], segs[2:]
        if not segs or len(segs) > 3:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        rt = self.cluster.resource(group, version, segs[0])
        name = segs[1] if len(segs) > 1 else ""
        sub = segs[2] if len(segs) > 2 else ""
        if sub and sub not in rt.subresources:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if namespace is not None and not rt.namespaced:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if rt.namespaced and name and namespace is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return Target(rt, version, namespace, name, sub)

    async def resource_request(self, request: web.Request, group: str, version: str, segs: list[str]) -> web.StreamResponse:
        if not segs:
            return json_response(self.resource_list(group, version))
        t = self.parse_target(group, version, segs)
        method = request.method
        if t.rt.group in COMPUTED_GROUPS:
            if method != "GET":
                raise errors.method_not_allowed()
            return self.metrics(request, t)
        if t.sub in ("exec", "attach"):
            return await self.exec(request, t)
        if t.sub == "log":
            return await self.logs(request, t)
        if t.sub == "scale":
            return await self.scale(request, t)
        if t.sub == "eviction":
            return await self.evict(request, t)
        if t.sub == "portforward":
            return await self.port_forward(request, t)
        verb = {("GET", False): "list", ("GET", True): "get", ("POST", False): "create", ("PUT", True): "update",
                ("PATCH", True): "patch", ("DELETE", True): "delete", ("DELETE", False): "deletecollection"}.get(
            (method, bool(t.name)))
        if verb is None or verb not in t.rt.verbs and not (verb == "update" and t.sub):
            raise errors.method_not_allowed()
        if verb == "list":
            if _flag(request, "watch"):
                return await self.watch(request, t)
            return self.list(request, t)
        ns = t.namespace or ""
        c, rt = self.cluster, t.rt
        if verb == "get":
            obj = c.get(rt, ns, t.name, t.version)
            return self.respond(request, rt, obj)
        if verb == "delete" or verb == "deletecollection":
            opts = await self.delete_options(request)
            dry = _dry_run(request, opts)
            propagation = request.query.get("propagationPolicy") or opts.get("propagationPolicy") or "Background"
            if verb == "delete":
                grace = _int_param(request, "gracePeriodSeconds")
                return json_response(c.delete(rt, ns, t.name, dry_run=dry, propagation=propagation,
                                              preconditions=opts.get("preconditions"),
                                              grace_period=opts.get("gracePeriodSeconds") if grace is None else grace))
            items = self.select(request, t)
            return json_response(c.delete_collection(rt, t.namespace, items, dry_run=dry, propagation=propagation))
        if verb == "patch":
            ctype = request.content_type
            patch_type = PATCH_TYPES.get(ctype)
            if patch_type is None:
                raise ApiError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format - "
                               f"accepted media types include: {', '.join(PATCH_TYPES)}")
            body = await self.body(request, yaml_ok=patch_type == "apply", allow_any_type=True)
            if patch_type != "json":
                self.check_fields(request, rt, t.version, body)
            force = _flag(request, "force")
            if force and patch_type != "apply":
                raise errors.bad_request("force may not be specified for non-apply patch")
            obj = c.patch(rt, ns, t.name, patch_type, body, t.version, subresource=t.sub,
                          dry_run=_dry_run(request), manager=request.query.get("fieldManager", "")
                          if patch_type == "apply" else _manager(request), force=force)
            return self.respond(request, rt, obj)
        body = await self.body(request)
        self.check_fields(request, rt, t.version, body)
        if verb == "create":
            if t.sub:
                raise errors.method_not_allowed()
            obj = c.create(rt, ns, body, t.version, dry_run=_dry_run(request), manager=_manager(request))
            return self.respond(request, rt, obj, 201)
        obj = c.update(rt, ns, t.name, body, t.version, subresource=t.sub, dry_run=_dry_run(request),
                       manager=_manager(request))
        return self.respond(request, rt, obj)

    def check_fields(self, request: web.Request, rt: ResourceType, version: str, body: Any) -> None:
        """fieldValidation: Strict refuses unknown fields (400), Warn (the default) reports them in
        Warning headers, Ignore drops them silently, as the apiserver's decoder does."""
        mode = request.query.get("fieldValidation", "Warn")
        if mode not in ("Strict", "Warn", "Ignore"):
            raise errors.bad_request(f"fieldValidation parameter unsupported: {mode}")
        if not isinstance(body, dict):
            return
        unknown = openapi.unknown_fields(self.cluster.registry, self.cluster.crds(), rt, version, body)
        if not unknown or mode == "Ignore":
            return
        if mode == "Strict":
            raise errors.bad_request(f'{rt.kind} in version "{version}" cannot be handled as a {rt.kind}: '
                                     "strict decoding error: " + ", ".join(f'unknown field "{f}"' for f in unknown))
        request[WARNINGS] = [f'unknown field "{f}"' for f in unknown]

    def columns(self, rt: ResourceType, version: str) -> list[Column] | None:
        crd = self.cluster.crd_for(rt)
        return crd_columns(crd, version) if crd else None

    def respond(self, request: web.Request, rt: ResourceType, obj: dict, status: int = 200) -> web.Response:
        if _wants_table(request):
            return json_response(to_table(rt.kind, [obj], obj["metadata"].get("resourceVersion", ""),
                                          request.query.get("includeObject", "PartialObjectMetadata"),
                                          columns=self.columns(rt, obj["apiVersion"].rpartition("/")[2])))
        return json_response(obj, status)

    async def body(self, request: web.Request, yaml_ok: bool = True, allow_any_type: bool = False) -> Any:
        ctype = request.content_type if request.headers.get("Content-Type") else ""
        raw = await request.read()
        if ctype == PROTOBUF and not allow_any_type:
            try:
                return protobuf.decode(raw)
            except (protobuf.ProtobufError, UnicodeDecodeError, IndexError) as e:
                raise ApiError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format - "
                               f"accepted media types include: application/json, application/yaml ({e})") from None
        if not allow_any_type and ctype not in JSON_BODY_TYPES:
            raise errors.unsupported_media_type(ctype)
        if not raw.strip():
            raise errors.bad_request("the request body is empty: Object 'Kind' is missing in ''")
        try:
            if ctype == "application/json" or ctype.endswith("json") or not yaml_ok:
                return json.loads(raw)
            return yaml.load(raw, Loader=yaml.CSafeLoader)
        except (ValueError, yaml.YAMLError) as e:
            raise errors.bad_request(f"couldn't get version/kind; json parse error: {e}") from None

    async def delete_options(self, request: web.Request) -> dict:
        if not request.can_read_body:
            return {}
        raw = await request.read()
        if not raw.strip():
            return {}
        try:
            opts = json.loads(raw)
        except ValueError as e:
            raise errors.bad_request(f"json parse error: {e}") from None
        return opts if isinstance(opts, dict) else {}

    # -- list / watch ----------------------------------------------------------------------
    def select(self, request: web.Request, t: Target, at: int | None = None) -> list[dict]:
        reqs = parse_label_selector(request.query.get("labelSelector"))
        fsel = parse_field_selector(request.query.get("fieldSelector"), t.rt.kind, t.rt.custom)
        store = self.cluster.store
        objs = store.list(t.rt.key, t.namespace) if at is None else store.list_at(t.rt.key, t.namespace, at)
        return [self.cluster.present(t.rt, o, t.version) for o in objs
                if labels_match(reqs, o["metadata"].get("labels")) and fsel(o)]

    def list(self, request: web.Request, t: Target) -> web.Response:
        store = self.cluster.store
        token = request.query.get("continue")
        exact = _list_resource_version(request, store.rv, bool(token))
        try:
            items = self.select(request, t, exact)
        except Expired as e:
            raise ApiError(410, "Expired", str(e)) from None
        limit = _int_param(request, "limit")
        list_rv = store.rv if exact is None else exact
        if token:
            try:
                state = json.loads(base64.urlsafe_b64decode(token.encode()))
                start, list_rv = state["start"], int(state["rv"])
            except (ValueError, KeyError, TypeError):
                raise errors.bad_request("continue key is not valid: illegal base64 data") from None
            if list_rv < store.compacted_rv:
                raise ApiError(410, "Expired", "The provided continue parameter is too old to display a consistent "
                               "list result. You can start a new list without the continue parameter.")
            items = [o for o in items if _sort_key(o) > list(start)]
        cont, remaining = "", 0
        if limit and limit > 0 and len(items) > limit:
            remaining = len(items) - limit
            items = items[:limit]
            cont = base64.urlsafe_b64encode(json.dumps({"rv": list_rv, "start": _sort_key(items[-1])}).encode()).decode()
        if _wants_table(request):
            return json_response(to_table(t.rt.kind, items, str(list_rv),
                                          request.query.get("includeObject", "PartialObjectMetadata"), cont,
                                          self.columns(t.rt, t.version)))
        meta: dict[str, Any] = {"resourceVersion": str(list_rv)}
        if cont:
            meta.update({"continue": cont, "remainingItemCount": remaining})
        return json_response({"kind": f"{t.rt.kind}List", "apiVersion": t.rt.api_version(t.version),
                              "metadata": meta, "items": items})

    async def watch(self, request: web.Request, t: Target) -> web.StreamResponse:
        reqs = parse_label_selector(request.query.get("labelSelector"))
        fsel = parse_field_selector(request.query.get("fieldSelector"), t.rt.kind, t.rt.custom)
        timeout = _int_param(request, "timeoutSeconds") or 1800
        bookmarks = _flag(request, "allowWatchBookmarks")
        initial = _send_initial_events(request)
        table = _wants_table(request)
        store = self.cluster.store
        rv_param = request.query.get("resourceVersion", "")
        if initial is None:  # legacy: "" and "0" start with the current state, any other version replays
            initial = rv_param in ("", "0")
        elif rv_param:
            _check_not_too_large(store.rv, rv_param)
        # Subscribe and snapshot in one step of the event loop: nothing can slip in between.
        watcher = store.subscribe(t.rt.key, t.namespace)
        snapshot_rv = store.rv
        snapshot = store.list(t.rt.key, t.namespace) if initial else []
        resp = web.StreamResponse(headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        await resp.prepare(request)

        async def send(etype: str, obj: dict) -> None:
            if table and etype != "ERROR" and etype != "BOOKMARK":
                obj = to_table(t.rt.kind, [obj], obj["metadata"].get("resourceVersion", ""),
                               columns=self.columns(t.rt, t.version))
            await resp.write(json.dumps({"type": etype, "object": obj}, separators=(",", ":")).encode() + b"\n")

        async def bookmark(rv: int, annotations: dict | None = None) -> None:
            meta: dict[str, Any] = {"resourceVersion": str(rv)}
            if annotations:
                meta["annotations"] = annotations
            await send("BOOKMARK", {"kind": t.rt.kind, "apiVersion": t.rt.api_version(t.version), "metadata": meta})

        def matches(obj: dict) -> bool:
            return labels_match(reqs, obj["metadata"].get("labels")) and fsel(obj)

        try:
            if initial:
                for obj in snapshot:
                    if matches(obj):
                        await send("ADDED", self.cluster.present(t.rt, obj, t.version))
                if _send_initial_events(request) and bookmarks:
                    await bookmark(snapshot_rv, {INITIAL_EVENTS_END: "true"})
            else:
                try:
                    backlog = store.events_since(t.rt.key, t.namespace, int(rv_param or snapshot_rv))
                except Expired as e:
                    await send("ERROR", errors.ApiError(410, "Expired", str(e)).status())
                    return resp
                except ValueError:
                    await send("ERROR", errors.bad_request(f"invalid resource version: {rv_param}").status())
                    return resp
                for ev in backlog:  # history up to subscription; later events wait in the queue
                    if matches(ev.obj):
                        await send(ev.type, self.cluster.present(t.rt, ev.obj, t.version))
            deadline = time.monotonic() + timeout
            while (left := deadline - time.monotonic()) > 0:
                try:
                    ev = await asyncio.wait_for(watcher.queue.get(), min(left, BOOKMARK_INTERVAL if bookmarks else left))
                except asyncio.TimeoutError:
                    if bookmarks and deadline - time.monotonic() > 0:
                        await bookmark(store.rv)
                    continue
                if ev is None:
                    break
                if ev.rv > snapshot_rv and matches(ev.obj):
                    await send(ev.type, self.cluster.present(t.rt, ev.obj, t.version))
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            store.unsubscribe(watcher)
        return resp

    # -- subresources ----------------------------------------------------------------------
    def _scale_of(self, obj: dict) -> dict:
        meta = obj["metadata"]
        sel = obj["spec"].get("selector") or {}
        labels = sel if obj["kind"] == "ReplicationController" else sel.get("matchLabels") or {}
        selector = ",".join(f"{k}={v}" for k, v in labels.items())
        return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                             if k in meta},
                "spec": {"replicas": obj["spec"].get("replicas", 1)},
                "status": {"replicas": obj.get("status", {}).get("replicas", 0), "selector": selector}}

    async def scale(self, request: web.Request, t: Target) -> web.Response:
        c, ns = self.cluster, t.namespace or ""
        obj = c.get(t.rt, ns, t.name, t.version)
        current = self._scale_of(obj)
        if request.method == "GET":
            return json_response(current)
        if request.method == "PUT":
            new = await self.body(request)
        elif request.method == "PATCH":
            patch_type = PATCH_TYPES.get(request.content_type)
            if patch_type is None or patch_type == "apply":
                raise errors.unsupported_media_type(request.content_type)
            body = await self.body(request, yaml_ok=False, allow_any_type=True)
            new = {"json": json_patch, "merge": merge_patch, "strategic": strategic_merge}[patch_type](current, body)
        else:
            raise errors.method_not_allowed()
        replicas = (new.get("spec") or {}).get("replicas") if isinstance(new, dict) else None
        if not isinstance(replicas, int) or replicas < 0:
            raise errors.invalid("autoscaling", "Scale", t.name, [
                ("FieldValueInvalid", "spec.replicas", f"Invalid value: {replicas}: must be greater than or equal to 0")])
        rv = (new.get("metadata") or {}).get("resourceVersion")
        obj["spec"]["replicas"] = replicas
        obj["metadata"]["resourceVersion"] = rv or obj["metadata"]["resourceVersion"]
        updated = c.update(t.rt, ns, t.name, obj, t.version, dry_run=_dry_run(request), manager=_manager(request))
        return json_response(self._scale_of(updated))

    async def evict(self, request: web.Request, t: Target) -> web.Response:
        """policy/v1 Eviction: delete the pod unless a PodDisruptionBudget forbids it now (429)."""
        if request.method != "POST":
            raise errors.method_not_allowed()
        body = await self.body(request)
        c, ns = self.cluster, t.namespace or ""
        if not isinstance(body, dict) or (body.get("metadata") or {}).get("name", t.name) != t.name:
            raise errors.bad_request("name in URL does not match name in Eviction object")
        pod = c.get(t.rt, ns, t.name)
        pods = c.store.list(t.rt.key, ns)
        pdbs = c.store.list(c.kind_type("PodDisruptionBudget", "policy").key, ns)
        disruption.check_eviction(pod, pdbs, pods)
        opts = body.get("deleteOptions") or {}
        if _dry_run(request, opts):
            return json_response(errors.status_object("Success", code=201), 201)
        c.delete(t.rt, ns, t.name, preconditions=opts.get("preconditions"),
                 grace_period=opts.get("gracePeriodSeconds"))
        return json_response(errors.status_object("Success", code=201), 201)

    def _pod_container(self, t: Target, container: str) -> tuple[dict, dict]:
        """Resolve the pod and container of a log/exec request with the apiserver's errors."""
        pod = self.cluster.get(t.rt, t.namespace or "", t.name)
        containers = pod["spec"]["containers"]
        if not container:
            if len(containers) != 1:
                names = " ".join(c["name"] for c in containers)
                raise errors.bad_request(f"a container name must be specified for pod {t.name}, choose one of: [{names}]")
            container = containers[0]["name"]
        spec = next((c for c in containers + (pod["spec"].get("initContainers") or []) if c["name"] == container), None)
        if spec is None:
            raise errors.bad_request(f"container {container} is not valid for pod {t.name}")
        return pod, spec

    async def logs(self, request: web.Request, t: Target) -> web.StreamResponse:
        if request.method != "GET":
            raise errors.method_not_allowed()
        pod, spec = self._pod_container(t, request.query.get("container", ""))
        key = (t.namespace or "", t.name, spec["name"])
        log = self.cluster.logs.get(key)
        status = next((cs for cs in pod["status"].get("containerStatuses") or [] if cs["name"] == spec["name"]), None)
        if log is None or status is None:
            raise errors.bad_request(f'container "{spec["name"]}" in pod "{t.name}" is waiting to start: '
                                     "ContainerCreating")
        query = LogQuery(tail_lines=_int_param(request, "tailLines"), timestamps=_flag(request, "timestamps"),
                         limit_bytes=_int_param(request, "limitBytes"))
        try:
            query.since = parse_since(request.query.get("sinceSeconds"), request.query.get("sinceTime"))
        except ValueError:
            raise errors.bad_request("invalid sinceSeconds/sinceTime") from None
        if _flag(request, "previous"):
            if log.previous is None:
                raise errors.bad_request(f'previous terminated container "{spec["name"]}" in pod "{t.name}" not found')
            lines = query.select(log.previous)
            return web.Response(body=_limit(b"".join(map(query.render, lines)), query.limit_bytes),
                                content_type="text/plain")
        # Taken before the lines are read: an append while they are written (many awaits for a
        # backlog) has then set it, where waiting on the event of that moment would miss the lines
        # until the next append.
        changed = log.changed
        lines = query.select(list(log.lines))
        if not _flag(request, "follow"):
            return web.Response(body=_limit(b"".join(map(query.render, lines)), query.limit_bytes),
                                content_type="text/plain")
        resp = web.StreamResponse(headers={"Content-Type": "text/plain", "Transfer-Encoding": "chunked"})
        await resp.prepare(request)
        budget = query.limit_bytes
        next_seq = lines[-1].seq + 1 if lines else log.next_seq
        self.open_follows += 1
        try:
            while True:
                # A kubelet streams a log file as it reads it: the backlog goes out in pieces, the
                # first before the last is rendered, rather than once all of it is.
                for start in range(0, len(lines), FOLLOW_PIECE_LINES):
                    data = b"".join(map(query.render, lines[start:start + FOLLOW_PIECE_LINES]))
                    if budget is not None:
                        data = data[:budget]
                        budget -= len(data)
                    if data:
                        await resp.write(data)
                    if budget == 0:
                        break
                if budget == 0 or log.closed:
                    break
                await changed.wait()
                changed = log.changed
                lines = [ln for ln in log.lines if ln.seq >= next_seq]
                if lines:
                    next_seq = lines[-1].seq + 1
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.open_follows -= 1
        return resp

    async def exec(self, request: web.Request, t: Target) -> web.StreamResponse:
        if t.sub == "attach":
            raise errors.bad_request("attach is not supported by kubesim")
        q = request.query
        pod, spec = self._pod_container(t, q.get("container", ""))
        command = q.getall("command", [])
        if not command:
            raise errors.bad_request("you must specify at least 1 command")
        if not pod["spec"].get("nodeName"):
            raise errors.bad_request(f"pod {t.name} does not have a host assigned")
        phase = pod["status"].get("phase")
        if phase in ("Succeeded", "Failed"):
            raise errors.bad_request(f"cannot exec into a container in a completed pod; current phase is {phase}")
        status = next((cs for cs in pod["status"].get("containerStatuses") or [] if cs["name"] == spec["name"]), {})
        if "running" not in status.get("state", {}):
            raise errors.bad_request(f'unable to upgrade connection: container not found ("{spec["name"]}")')
        if request.headers.get("Upgrade", "").lower() != "websocket":
            raise errors.bad_request("Upgrade request required (kubesim speaks the websocket protocol only)")
        opts = ExecOptions(command, stdin=_flag(request, "stdin"), stdout=q.get("stdout", "true") != "false",
                           stderr=q.get("stderr", "true") != "false", tty=_flag(request, "tty"))
        shell = self.cluster.runtime.shell(pod, spec, self.cluster.lookup, opts.tty)
        return await serve_exec(request, shell, opts)

    async def port_forward(self, request: web.Request, t: Target) -> web.StreamResponse:
        pod = self.cluster.get(t.rt, t.namespace or "", t.name)
        if pod["status"].get("phase") != "Running":
            raise errors.bad_request(f"unable to do port forwarding: pod {t.name} is not running - current status="
                                     f"{pod['status'].get('phase')}")
        if request.headers.get("Upgrade", "").lower() != "websocket":
            raise errors.bad_request("Upgrade request required (kubesim speaks the websocket protocols only)")
        return await portforward.serve(request, pod)

    def metrics(self, request: web.Request, t: Target) -> web.Response:
        items = (self.controllers.node_metrics() if t.rt.kind == "NodeMetrics"
                 else self.controllers.pod_metrics(t.namespace))
        if t.name:
            obj = next((o for o in items if o["metadata"]["name"] == t.name), None)
            if obj is None:
                raise errors.not_found(t.rt.group, t.rt.plural, t.name)
            return json_response(obj)
        reqs = parse_label_selector(request.query.get("labelSelector"))
        items = [o for o in items if labels_match(reqs, o["metadata"].get("labels"))]
        return json_response({"kind": f"{t.rt.kind}List", "apiVersion": t.rt.api_version(),
                              "metadata": {}, "items": items})


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _sort_key(obj: dict) -> list[str]:
    return [obj["metadata"].get("namespace", ""), obj["metadata"]["name"]]


def _limit(data: bytes, limit: int | None) -> bytes:
    return data[:limit] if limit is not None and limit >= 0 else data


