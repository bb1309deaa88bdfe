"""The project's layering rule (docs/architecture.md), checked on the imports of every module.

- Layers, lowest first: foundation < infrastructure < domain < edge. A module imports only from
  its own layer or lower ones; nothing imports upward.
- Only the edge (servicers, interceptors, app wiring) and the named converter / transport-aware
  modules may import generated code (`kubecommit.v1`), `grpc` or `google.protobuf`: domain code
  takes and returns plain Python values.
- gitstore imports neither grpc nor kubernetes nor the server nor generated code.
- Nothing in server/ imports kubesim (the server reaches clusters only through a kubeconfig).
- server/ uses gitstore's public surface only (`gitstore/__init__.py`), never its modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Lowest first. The longest matching prefix decides a module's layer.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("server/__init__.py", "server/errors.py", "server/names.py", "server/config.py",
                    "server/context.py", "server/logging_config.py", "server/paging.py", "server/filtering.py",
                    "server/messages.py", "server/contract.py", "server/validation.py",
                    # Pure name checks and typed Kubernetes paths, used by server/names.py too.
                    "server/kube/paths.py",
                    # The interceptor base and call instrumentation (metrics, trace context), used
                    # by logging and the cluster-access layer as much as by the server.
                    "server/interceptors/wrapping.py", "server/observability/")),
    ("infrastructure", ("server/kube/", "server/security/", "server/registry.py", "server/storage.py",
                        "server/replication/", "server/state/")),
    ("domain", ("server/clusters/", "server/versions/", "server/containers/", "server/crds/", "server/admin/",
                "server/alerts/", "server/jobs/", "server/affinity/", "server/quotas/", "server/labels/", "server/mcp/")),
    ("edge", ("server/services/", "server/interceptors/", "server/runtime.py", "server/app.py",
              "server/embedded.py", "server/security/__main__.py", "server/probe.py",
              # The MCP server: an MCP-to-gRPC adapter (stdio for the CLI, streamable HTTP in app.py).
              "server/mcpbridge/")),
]

TRANSPORT = ("kubecommit.v1", "grpc", "google.protobuf")
# Modules that may import TRANSPORT, each for a reason.
TRANSPORT_ALLOWED: dict[str, str] = {
    "server/services/": "servicers: parse requests, build responses",
    "server/interceptors/": "the one place errors become google.rpc.Status",
    "server/app.py": "builds the grpc.aio server",
    "server/messages.py": "shared converter: times, structs, diffs as messages",
    "server/clusters/convert.py": "the clusters converter (requests <-> domain values -> messages)",
    "server/containers/convert.py": "the containers converter (requests <-> domain values -> messages)",
    "server/versions/convert.py": "the versions converter (domain values -> messages)",
    "server/crds/convert.py": "the CRD converter (requests <-> domain values -> messages)",
    "server/affinity/convert.py": "the affinity converter (requests <-> domain values -> messages)",
    "server/quotas/convert.py": "the quotas converter (requests <-> domain values -> messages)",
    "server/labels/convert.py": "the labels converter (requests <-> domain values -> messages)",
    "server/mcp/convert.py": "the MCP converter (domain values -> messages)",
    "server/mcpbridge/": "the MCP server, a gRPC client of McpService",
    "server/contract.py": "the service descriptors every RPC is checked against",
    "server/validation.py": "REQUIRED-field checks on request messages, run by an interceptor",
    "server/security/scope.py": "reads the cluster a request names, for the auth interceptor",
    "server/security/audit.py": "records the status code of every call (an interceptor observer)",
    "server/observability/": "per-RPC metrics and trace context (interceptors)",
    "server/replication/ha.py": "the leader-only interceptor of replicas",
    "server/probe.py": "the container health probe (a gRPC health client)",
}
# Modules allowed to break one part of the rule, each for a documented reason; the test fails on
# a stale entry, so a module leaves as soon as it follows the rule.
PENDING: dict[str, set[str]] = {
    # The documented log hot-path exception (docs/containers.md, "Still on messages"):
    # StreamLogsResponses built directly.
    "server/containers/streams.py": {"transport"},
}


def _matches(path: str, prefix: str) -> bool:
    return path == prefix or (prefix.endswith("/") and path.startswith(prefix))


def layer_of(path: str) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, layer index)
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if _matches(path, prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return None if best is None else best[1]


def module_path(module: str) -> str | None:
    """`server.clusters.sync` -> `server/clusters/sync.py` (or the package's __init__.py)."""
    base = REPO / module.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate.relative_to(REPO).as_posix()
    return None


def imports(source: str) -> list[str]:
    """Every module an import statement names (anywhere in the file, TYPE_CHECKING included);
    `from package import name` also names `package.name`, which may be a module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def stated(source: str) -> list[str]:
    """The module names import statements spell out (`from a.b import c` -> `a.b`)."""
    return [alias.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Import)
            for alias in node.names] + \
        [node.module for node in ast.walk(ast.parse(source))
         if isinstance(node, ast.ImportFrom) and node.module and not node.level]


def _under(module: str, roots: tuple[str, ...]) -> bool:
    return any(module == root or module.startswith(root + ".") for root in roots)


def violations(path: str, source: str) -> dict[str, list[str]]:
    """kind -> what breaks the rule in the module at `path` (repository-relative)."""
    out: dict[str, list[str]] = {}
    named = imports(source)
    if path.startswith("gitstore/"):
        out["gitstore"] = [m for m in named if _under(m, ("grpc", "kubernetes", "server", "kubecommit", "kubesim"))]
    if path.startswith("server/"):
        out["kubesim"] = [m for m in named if _under(m, ("kubesim",))]
        out["gitstore-internals"] = [m for m in stated(source) if m.startswith("gitstore.")] + [
            m for m in named if m.startswith("gitstore.") and (REPO / (m.replace(".", "/") + ".py")).exists()]
        if not any(_matches(path, prefix) for prefix in TRANSPORT_ALLOWED):
            out["transport"] = [m for m in named if _under(m, TRANSPORT)]
        own = layer_of(path)
        assert own is not None, f"{path} is in no layer: add it to LAYERS"
        upward = []
        for module in named:
            target = module_path(module) if module.startswith("server") else None
            if target is not None and target != path and (layer_of(target) or 0) > own:
                upward.append(module)
        out["upward"] = upward
    return {kind: sorted(set(found)) for kind, found in out.items() if found}


def _modules() -> list[Path]:
    return sorted(p for root in ("server", "gitstore") for p in (REPO / root).rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_module_follows_the_layering_rule(path: Path) -> None:
    rel = path.relative_to(REPO).as_posix()
    found = violations(rel, path.read_text())
    pending = PENDING.get(rel, set())
    assert {k: v for k, v in found.items() if k not in pending} == {}
    stale = pending - set(found)
    assert not stale, f"{rel} now follows the rule for {sorted(stale)}: remove it from PENDING"


def test_pending_names_existing_modules() -> None:
    assert [p for p in PENDING if not (REPO / p).exists()] == []


# -- the checker can fail -----------------------------------------------------------------------

@pytest.mark.parametrize(("path", "source", "kind"), [
    ("server/versions/bad.py", "from kubecommit.v1 import clusters_pb2\n", "transport"),
    ("server/clusters/bad.py", "import grpc\n", "transport"),
    ("server/clusters/bad.py", "from google.protobuf import struct_pb2\n", "transport"),
    ("server/kube/bad.py", "from server.versions import Versions\n", "upward"),
    ("server/clusters/bad.py", "from server.runtime import Runtime\n", "upward"),
    ("server/registry.py", "from server import clusters\n", "upward"),
    ("server/clusters/bad.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from server.runtime import Runtime\n",
     "upward"),
    ("gitstore/bad.py", "import grpc\n", "gitstore"),
    ("gitstore/bad.py", "from server.errors import NotFound\n", "gitstore"),
    ("gitstore/bad.py", "from kubernetes import client\n", "gitstore"),
    ("server/services/bad.py", "from kubesim import Simulator\n", "kubesim"),
    ("server/versions/bad.py", "from gitstore.backup import BackupCorrupt\n", "gitstore-internals"),
    ("server/versions/bad.py", "import gitstore.secrets\n", "gitstore-internals"),
    ("server/versions/bad.py", "from gitstore import safeyaml\n", "gitstore-internals"),
])
def test_offending_modules_are_caught(path: str, source: str, kind: str) -> None:
    assert kind in violations(path, source)


def test_allowed_imports_pass() -> None:
    assert violations("server/services/ok.py", "import grpc\nfrom server.runtime import Runtime\n") == {}
    assert violations("server/clusters/ok.py", "from server.kube import ClusterPool\nimport gitstore\n"
                                               "from gitstore import Change\n") == {}
    assert violations("gitstore/ok.py", "from dulwich.repo import Repo\n") == {}


def gitstore_graph(sources: dict[str, str]) -> dict[str, set[str]]:
    """module -> the gitstore modules it imports (relative imports), for modules in `sources`."""
    graph: dict[str, set[str]] = {}
    for name, source in sources.items():
        edges = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                edges |= {node.module} if node.module else {a.name for a in node.names}
        graph[name] = edges & set(sources)
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle in `graph`, or [] (depth-first search)."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_gitstore_has_no_import_cycle() -> None:
    sources = {p.stem: p.read_text() for p in (REPO / "gitstore").glob("*.py") if p.stem != "__init__"}
    assert cycle(gitstore_graph(sources)) == []


def test_cycles_are_caught() -> None:
    sources = {"store": "from . import backup\n", "backup": "from .store import Store\n", "models": ""}
    assert cycle(gitstore_graph(sources)) == ["backup", "store", "backup"]
