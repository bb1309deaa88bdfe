"""Node operations: taints (one node or every node a selector picks, one commit per cluster),
cordon/uncordon (versioned like any change), drain through the Eviction API honouring
PodDisruptionBudgets, and the topology domains nodes make."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import Any, AsyncIterator, Callable

import yaml

from server.affinity import reads, rules, scheduling, suggest
from server.affinity.model import (AffectedPod, CordonWrite, DrainAction, DrainEvent, Domain, LabelSuggestion,
                                   NodeTaints, Skew, TaintWrite, Topology)
from server.affinity.scheduling import labels_of, name_of, namespace_of, spec_of
from server import paging
from server.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from server.kube import ClusterConnection, ClusterPool, normalize
from server.names import ALL, ResourceName, check_dns_label, parse_cluster
from server.security import visible
from server import context
from server.versions.apply import Writer

DEFAULT_TOPOLOGY_KEYS = ("topology.kubernetes.io/region", "topology.kubernetes.io/zone", "kubernetes.io/hostname")
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


def parse_node_name(name: str, field: str = "name", allow_all: bool = True) -> tuple[str, str]:
    """`clusters/{c}/nodes/{n}` -> (cluster, node or `-`)."""
    parts = (name or "").split("/")
    if len(parts) != 4 or parts[0] != "clusters" or parts[2] != "nodes":
        raise InvalidArgument.field(field, f"{name!r} is not a node name (clusters/{{cluster}}/nodes/{{node}})")
    cluster = ALL if allow_all and parts[1] == ALL else check_dns_label(parts[1], field, "cluster")
    if allow_all and parts[3] == ALL:
        return cluster, ALL
    return cluster, check_dns_label(parts[3], field, "node")


def _taint_key(taint: dict[str, Any]) -> tuple[str, str]:
    return taint.get("key", ""), taint.get("effect", "")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Nodes:
    def __init__(self, pool: ClusterPool, writer: Writer, clusters: Callable[[], Any]) -> None:
        self.pool = pool
        self.writer = writer
        # Registered cluster ids, for `clusters/-` (an async callable).
        self.clusters = clusters

    # -- taints -----------------------------------------------------------------------------

    async def list_taints(self, parent: str, key: str, effect: str, size: int, token: str
                          ) -> tuple[list[NodeTaints], str]:
        """One page of taints, one per item (with its node), across nodes and clusters."""
        if effect and effect not in rules.EFFECTS:
            raise InvalidArgument.field("effect", f"{effect!r} is not one of {', '.join(rules.EFFECTS)}")
        cluster, node = parse_node_name(parent, "parent")
        if cluster == ALL and node != ALL:
            raise InvalidArgument.field("parent", "with clusters/-, name every node: clusters/-/nodes/-")
        ids = await self.clusters() if cluster == ALL else [cluster]
        out = []
        for cid in ids:
            if not visible(context.current().caller, cid):
                continue
            conn = await self.pool.get(cid)
            found = [await reads.node(conn, cid, node, "parent")] if node != ALL else await reads.items(conn, "nodes")
            for n in sorted(found, key=name_of):
                taints = [t for t in spec_of(n).get("taints") or []
                          if (not key or t.get("key") == key) and (not effect or t.get("effect") == effect)]
                out.extend(NodeTaints(cid, name_of(n), [t], _rv(n)) for t in taints)
        return paging.offset_page(out, ("ListNodeTaints", parent, key, effect), size, token)

    async def suggest_selectors(self, parent: str, names: list[str], selector: str, unique: bool, limit: int
                                ) -> tuple[int, list[LabelSuggestion]]:
        """Labels of the candidate nodes (named, or matching `selector`; all when neither) and
        how many other nodes carry each."""
        cluster = parse_cluster(parent, "parent")
        if limit < 0:
            raise InvalidArgument.field("max_suggestions", "must not be negative")
        conn = await self.pool.get(cluster)
        every = await reads.items(conn, "nodes")
        known = {name_of(n) for n in every}
        for i, n in enumerate(names):
            if n not in known:
                raise InvalidArgument.field(f"nodes[{i}]", f"no node named {n!r} in {parent}", "NODE_NOT_FOUND")
        picked = {name_of(n) for n in await reads.items(conn, "nodes", label_selector=selector)} if selector else set()
        wanted = set(names) | picked if names or selector else known
        candidates = [n for n in every if name_of(n) in wanted]
        others = [n for n in every if name_of(n) not in wanted]
        found = suggest.separating_labels(candidates, others, unique)
        return len(candidates), found[:limit or 50]

    async def _targets(self, conn: ClusterConnection, cluster: str, node: str, selector: str) -> list[dict]:
        if node != ALL:
            if selector:
                raise InvalidArgument.field("node_selector", "a node selector goes with clusters/{cluster}/nodes/-")
            return [await reads.node(conn, cluster, node, "name")]
        if not selector:
            raise InvalidArgument.field("node_selector", "with nodes/-, a node selector is required (every node "
                                                         "would otherwise change)")
        found = await reads.items(conn, "nodes", label_selector=selector)
        if not found:
            raise NotFound(f"no node of cluster {cluster} matches {selector!r}", "NO_MATCHING_NODE",
                           metadata={"node_selector": selector})
        return sorted(found, key=name_of)

    async def change_taints(self, name: str, taints: list[dict[str, Any]], *, remove: bool, overwrite: bool,
                            selector: str, etag: str, validate_only: bool, message: str) -> TaintWrite:
        f = rules.Fields("taints", True)
        for i, t in enumerate(taints):
            rules.check_taint(f, (i,), t, need_effect=not remove)
        if not taints:
            raise InvalidArgument.field("taints", "give at least one taint")
        cluster, node = parse_node_name(name, "name")
        if cluster == ALL:
            raise InvalidArgument.field("name", "name one cluster: clusters/{cluster}/nodes/...")
        if etag and node == ALL:
            raise InvalidArgument.field("etag", "an etag guards one node, not a selection")
        conn = await self.pool.get(cluster)
        targets = await self._targets(conn, cluster, node, selector)
        changed: dict[str, list[dict]] = {}
        for n in targets:
            current = list(spec_of(n).get("taints") or [])
            new = _without(current, taints) if remove else _with(current, taints, overwrite, name_of(n))
            if new != current:
                changed[name_of(n)] = new
        by_name = {name_of(n): n for n in targets}
        documents = [_node_config(by_name[n], taints=taints_ or None) for n, taints_ in changed.items()]
        verb = "Remove" if remove else "Add"
        text = message or f"{verb} taints {', '.join(scheduling.taint_text(t) for t in taints)} " \
                          f"on {', '.join(changed) or 'no node'}"
        evicted: list[AffectedPod] = []
        if not remove and any(t.get("effect") == "NoExecute" for t in taints) and changed:
            evicted = await self._evicted(conn, cluster, changed)  # before: the taint manager acts at once
        commit, etags = "", {}
        if documents:
            result = await self.writer.apply_manifest(
                cluster=f"clusters/{cluster}", manifest=yaml.dump_all(documents, Dumper=yaml.CSafeDumper),
                message=text, branch="", dry_run=validate_only, force=True,
                etags={f"clusters/{cluster}/nodes/{node}": etag} if etag else {}, namespace="")
            commit = result.commit
            etags = {a.name.rpartition("/")[2]: a.etag for a in result.resources}
        nodes = [NodeTaints(cluster, name_of(n), changed.get(name_of(n), spec_of(n).get("taints") or []),
                            etags.get(name_of(n), _rv(n))) for n in targets]
        return TaintWrite(nodes, commit, validate_only, evicted)

    async def _evicted(self, conn: ClusterConnection, cluster: str, changed: dict[str, list[dict]]) -> list[AffectedPod]:
        out = []
        for pod in await reads.items(conn, "pods"):
            node = spec_of(pod).get("nodeName", "")
            if node not in changed or not scheduling.is_active(pod) or (pod.get("metadata") or {}).get("deletionTimestamp"):
                continue
            tolerations = spec_of(pod).get("tolerations") or []
            reasons = []
            for taint in changed[node]:
                if taint.get("effect") != "NoExecute":
                    continue
                t = scheduling.toleration_for(taint, tolerations)
                if t is None:
                    reasons.append(f"does not tolerate {scheduling.taint_text(taint)}")
                elif t.get("tolerationSeconds") is not None:
                    reasons.append(f"tolerates {scheduling.taint_text(taint)} for {t['tolerationSeconds']}s only")
            if reasons:
                out.append(AffectedPod(cluster, namespace_of(pod), name_of(pod), node, "; ".join(reasons)))
        return sorted(out, key=lambda p: (p.namespace, p.name))

    # -- cordon and drain -------------------------------------------------------------------

    async def cordon(self, name: str, unschedulable: bool, *, validate_only: bool, message: str) -> CordonWrite:
        cluster, node = parse_node_name(name, "name", allow_all=False)
        conn = await self.pool.get(cluster)
        current = await reads.node(conn, cluster, node, "name")
        commit = ""
        if bool(spec_of(current).get("unschedulable")) != unschedulable:
            doc = _node_config(current, unschedulable=True if unschedulable else None)
            verb = "Cordon" if unschedulable else "Uncordon"
            result = await self.writer.apply_manifest(
                cluster=f"clusters/{cluster}", manifest=yaml.dump(doc, Dumper=yaml.CSafeDumper),
                message=message or f"{verb} node {node}", branch="", dry_run=validate_only, force=True,
                etags={}, namespace="")
            commit = result.commit
        return CordonWrite(cluster, node, unschedulable, commit, validate_only)

    async def drain(self, name: str, *, validate_only: bool, timeout: float, ignore_daemonsets: bool,
                    message: str) -> AsyncIterator[DrainEvent]:
        """Cordon, then evict every pod of the node; a budget that still refuses when `timeout`
        runs out stops the drain (the last event names it)."""
        cluster, node = parse_node_name(name, "name", allow_all=False)
        if timeout < 0:
            raise InvalidArgument.field("timeout_seconds", "must not be negative")
        conn = await self.pool.get(cluster)
        await reads.node(conn, cluster, node, "name")
        pods = [p for p in await reads.items(conn, "pods") if spec_of(p).get("nodeName") == node
                and not (p.get("metadata") or {}).get("deletionTimestamp")]
        daemons = [p for p in pods if _owner_kind(p) == "DaemonSet"]
        if daemons and not ignore_daemonsets:
            raise FailedPrecondition(f"node {node} runs DaemonSet-managed pods ({', '.join(_ref(p) for p in daemons)});"
                                     " set ignore_daemonsets to leave them", "DAEMONSET_PODS",
                                     metadata={"node": node})
        budgets = await reads.items(conn, "poddisruptionbudgets.policy")
        movable = []
        for p in pods:
            if p in daemons or MIRROR_ANNOTATION in ((p.get("metadata") or {}).get("annotations") or {}):
                yield DrainEvent(cluster, _ref(p), DrainAction.SKIPPED,
                                 "DaemonSet-managed" if p in daemons else "mirror pod")
            else:
                movable.append(p)
        if validate_only:
            async for event in _plan_drain(cluster, movable, budgets):
                yield event
            return
        cordoned = await self.cordon(name, True, validate_only=False, message=message)
        yield DrainEvent(cluster, node, DrainAction.CORDONED, f"node {node} cordoned", commit=cordoned.commit)
        pods_rt = await conn.resolve("pods")
        deadline = time.monotonic() + timeout
        waiting = list(movable)
        told: set[str] = set()
        while True:
            blocked = []
            for p in waiting:
                try:
                    await conn.request("POST", pods_rt.path(namespace_of(p), name_of(p), "eviction"), {
                        "apiVersion": "policy/v1", "kind": "Eviction",
                        "metadata": {"name": name_of(p), "namespace": namespace_of(p)}})
                except NotFound:
                    pass  # gone already
                except Unavailable:
                    budget = _budget_of(p, budgets)
                    if budget is None:
                        raise
                    blocked.append(p)
                    if _ref(p) not in told:
                        told.add(_ref(p))
                        why = await _budget_text(conn, budget)
                        yield DrainEvent(cluster, _ref(p), DrainAction.BLOCKED, why, _ref(budget))
                    continue
                yield DrainEvent(cluster, _ref(p), DrainAction.EVICTED, "evicted")
            waiting = blocked
            if not waiting:
                yield DrainEvent(cluster, node, DrainAction.EVICTED, f"node {node} drained", done=True, complete=True)
                return
            if time.monotonic() >= deadline:
                budget = _budget_of(waiting[0], budgets)
                assert budget is not None
                why = await _budget_text(conn, budget)
                yield DrainEvent(cluster, _ref(waiting[0]), DrainAction.BLOCKED,
                                 f"drain stopped: {len(waiting)} pod(s) could not be evicted "
                                 f"({', '.join(_ref(p) for p in waiting)}): {why}", _ref(budget), done=True)
                return
            await asyncio.sleep(min(1.0, max(0.0, deadline - time.monotonic())))

    # -- topology -----------------------------------------------------------------------------

    async def topology(self, parent: str, keys: list[str], workload: str, size: int, token: str) -> tuple[Topology, str]:
        cluster = parse_cluster(parent, "parent")
        for i, key in enumerate(keys):
            if problem := rules.label_key_problem(key):
                raise InvalidArgument.field(f"topology_keys[{i}]", f"{key!r} {problem}")
        query = ("ListTopologyDomains", parent, keys, workload)
        paging.page_size(size)  # a bad size or token is refused before the cluster is read
        paging.decode(token, query, o=int)
        conn = await self.pool.get(cluster)
        state = await reads.snapshot(conn)
        template: dict | None = None
        members = [p for p, _ in state.placed]
        if workload:
            rn = reads.workload_name(workload, "workload")
            if rn.cluster != cluster:
                raise InvalidArgument.field("workload", f"{workload} is not in {parent}")
            obj = await reads.workload(conn, rn, "workload")
            template = rules.pod_template(obj, "workload")
            members = _members(obj, template, state, rn)
        constraints = {c.get("topologyKey"): c for c in spec_of(template or {}).get("topologySpreadConstraints") or []}
        keys = list(dict.fromkeys(keys or [*DEFAULT_TOPOLOGY_KEYS, *constraints]))
        domains, skews = [], []
        for key in keys:
            values: dict[str, list[dict]] = defaultdict(list)
            for n in state.nodes:
                if key in labels_of(n):
                    values[labels_of(n)[key]].append(n)
            counts: dict[str, list[str]] = defaultdict(list)
            for p in members:
                n = state.by_name.get(spec_of(p).get("nodeName", ""))
                if n is not None and key in labels_of(n):
                    counts[labels_of(n)[key]].append(f"{namespace_of(p)}/{name_of(p)}")
            for value, nodes in sorted(values.items()):
                ready = sum(1 for n in nodes if _ready(n))
                pods = sorted(counts.get(value, [])) if workload else []
                domains.append(Domain(key, value, sorted(name_of(n) for n in nodes), ready, pods,
                                      len(counts.get(value, []))))
            if template is not None:
                eligible = [v for v, nodes in values.items()
                            if any(not scheduling.node_selector_failures(template, n) for n in nodes)]
                sizes = [len(counts.get(v, [])) for v in eligible] or [0]
                c = constraints.get(key)
                max_skew = int(c.get("maxSkew", 1)) if c else 0
                skew = max(sizes) - min(sizes)
                skews.append(Skew(key, skew, max_skew, c is None or skew <= max_skew))
        page, next_token = paging.offset_page(domains, query, size, token)
        return Topology(cluster, page, skews), next_token


def _node_config(node: dict, **spec: Any) -> dict[str, Any]:
    """The whole node as applied (see rules.apply_config), its spec fields set (None removes)."""
    out = normalize(node)
    out.setdefault("spec", {}).update(spec)
    return out


def _ready(node: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (node.get("status") or {}).get("conditions") or [])


def _members(obj: dict, template: dict, state: scheduling.Cluster, rn: ResourceName) -> list[dict]:
    """The running pods of a workload: matched by its selector (or its template's labels)."""
    if obj.get("kind") == "Pod":
        return [p for p, _ in state.placed if namespace_of(p) == rn.namespace and name_of(p) == rn.name]
    selector = spec_of(obj).get("selector") or {"matchLabels": labels_of(template)}
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        selector = {"matchLabels": selector}  # ReplicationController: a plain map
    return [p for p, _ in state.placed if namespace_of(p) == rn.namespace
            and scheduling.label_selector_matches(selector, labels_of(p))]


def _with(current: list[dict], adding: list[dict], overwrite: bool, node: str) -> list[dict]:
    out = list(current)
    for taint in adding:
        new = {"key": taint["key"], **({"value": taint["value"]} if taint.get("value") else {}),
               "effect": taint["effect"]}
        if new["effect"] == "NoExecute":
            new["timeAdded"] = _now()
        same = next((i for i, t in enumerate(out) if _taint_key(t) == _taint_key(new)), None)
        if same is None:
            out.append(new)
        elif (out[same].get("value") or "") != (new.get("value") or ""):
            if not overwrite:
                raise FailedPrecondition(f"node {node} already has taint {scheduling.taint_text(out[same])}; "
                                         "set overwrite to replace its value", "TAINT_EXISTS",
                                         metadata={"node": node, "taint": scheduling.taint_text(out[same])})
            out[same] = new
    return out


def _without(current: list[dict], removing: list[dict]) -> list[dict]:
    def gone(t: dict) -> bool:
        return any(r["key"] == t.get("key") and (not r.get("effect") or r["effect"] == t.get("effect"))
                   for r in removing)
    return [t for t in current if not gone(t)]


def _rv(obj: dict) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


def _ref(obj: dict) -> str:
    return f"{namespace_of(obj)}/{name_of(obj)}"


def _owner_kind(pod: dict) -> str:
    owners = (pod.get("metadata") or {}).get("ownerReferences") or []
    return next((o.get("kind", "") for o in owners if o.get("controller")), "")


def _budget_of(pod: dict, budgets: list[dict]) -> dict | None:
    return next((b for b in budgets if namespace_of(b) == namespace_of(pod) and
                 scheduling.label_selector_matches(spec_of(b).get("selector"), labels_of(pod))), None)


async def _budget_text(conn: ClusterConnection, budget: dict) -> str:
    """The budget's arithmetic now, in the eviction API's words."""
    try:
        current = await conn.get_object(await conn.resolve("poddisruptionbudgets.policy"), namespace_of(budget),
                                        name_of(budget))
    except NotFound:
        current = budget
    status = current.get("status") or {}
    return (f"the disruption budget {name_of(budget)} needs {status.get('desiredHealthy', '?')} healthy pods and "
            f"has {status.get('currentHealthy', '?')} currently")


async def _plan_drain(cluster: str, pods: list[dict], budgets: list[dict]) -> AsyncIterator[DrainEvent]:
    """validate_only: which pods would go and which a budget holds, counting down each
    budget's disruptionsAllowed as the drain would spend it."""
    allowed = {_ref(b): int((b.get("status") or {}).get("disruptionsAllowed", 0)) for b in budgets}
    blocked = []
    for p in sorted(pods, key=_ref):
        budget = _budget_of(p, budgets)
        if budget is None:
            yield DrainEvent(cluster, _ref(p), DrainAction.WOULD_EVICT, "no disruption budget covers it")
        elif allowed[_ref(budget)] > 0:
            allowed[_ref(budget)] -= 1
            yield DrainEvent(cluster, _ref(p), DrainAction.WOULD_EVICT,
                             f"allowed by disruption budget {name_of(budget)}", _ref(budget))
        else:
            blocked.append(p)
            status = budget.get("status") or {}
            yield DrainEvent(cluster, _ref(p), DrainAction.BLOCKED,
                             f"the disruption budget {name_of(budget)} needs {status.get('desiredHealthy', '?')} "
                             f"healthy pods and has {status.get('currentHealthy', '?')} currently", _ref(budget))
    yield DrainEvent(cluster, "", DrainAction.BLOCKED if blocked else DrainAction.WOULD_EVICT,
                     f"{len(pods) - len(blocked)} pod(s) would be evicted, {len(blocked)} blocked by a disruption budget",
                     done=True, complete=not blocked)
