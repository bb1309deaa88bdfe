"""The containers layering, checked on the source: the servicer parses, calls the domain and
converts; the domain modules moved off generated code stay off it (docs/containers.md, Layers)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "server"
# Domain modules that take and return plain values only (the rest are listed in docs/containers.md).
PLAIN = [*sorted((ROOT / "containers" / "logs").glob("*.py")),
         *(ROOT / "containers" / name for name in ("inventory.py", "targets.py", "idle.py", "inbox.py", "interactive.py",
                                                   "files.py"))]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_plain_domain_modules_never_see_generated_messages_or_grpc() -> None:
    for path in PLAIN:
        bad = {m for m in _imports(path) if m.split(".")[0] in ("kubecommit", "grpc", "google")}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_the_servicer_neither_pages_nor_checks_names_nor_reaches_into_the_runtime() -> None:
    path = ROOT / "services" / "containers.py"
    imports = _imports(path)
    assert not {m for m in imports if m.startswith(("server.names", "server.kube", "server.paging"))}, imports
    source = path.read_text()
    for reach in ("runtime.pool", "runtime.clusters", "runtime.store", "page_size <", "page_offset", "startswith("):
        assert reach not in source, reach
