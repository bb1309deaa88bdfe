"""docs/dependencies.md and pyproject.toml agree: every declared package is in the table with a
reason (marked `(dev)` exactly when it is a dev dependency), the table names nothing undeclared,
and every third-party module the code imports comes from a declared package (one that merely
arrives with another can leave with it)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from tests.conftest import REPO

FIRST_PARTY = {"server", "gitstore", "kubesim", "clients", "tests", "bench", "kubecommit"}
CODE = ("server", "gitstore", "kubesim", "clients", "tests", "bench")


def _normal(name: str) -> str:
    """PEP 503 name, extras kept: `PyJWT[crypto]` -> `pyjwt[crypto]`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> dict[str, bool]:
    """Declared package (with extras as written) -> whether it is a dev dependency."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    out = {}
    for dev, requirements in ((False, project["dependencies"]), (True, project["optional-dependencies"]["dev"])):
        for requirement in requirements:
            name = re.match(r"[A-Za-z0-9._-]+(\[[^\]]*\])?", requirement)
            assert name, requirement
            out[_normal(name.group(0))] = dev
    return out


def _documented() -> dict[str, tuple[bool, str]]:
    """Package named in the first column of docs/dependencies.md -> (marked dev, its reason)."""
    out = {}
    for line in (REPO / "docs/dependencies.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in ("package", "---"):
            continue
        names, marks = re.fullmatch(r"(.*?)\s*(\([^)]*\))?", cells[0]).groups()
        for name in names.split(","):
            out[_normal(name.strip())] = (bool(marks and "dev" in marks), cells[1])
    return out


def test_every_declared_package_is_documented_with_a_reason() -> None:
    declared, documented = _declared(), _documented()
    assert sorted(declared.keys() - documented.keys()) == [], "declared in pyproject.toml, not in docs/dependencies.md"
    assert sorted(documented.keys() - declared.keys()) == [], "in docs/dependencies.md, not declared in pyproject.toml"
    for name, dev in declared.items():
        marked, why = documented[name]
        assert marked == dev, f"{name}: `(dev)` in docs/dependencies.md must match pyproject.toml"
        assert len(why.split()) >= 3, f"{name}: say why it is here"


def _imported_modules() -> set[str]:
    modules = set()
    for root in CODE:
        for path in (REPO / root).rglob("*.py"):
            if "node_modules" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    modules.update(a.name.partition(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules.add(node.module.partition(".")[0])
    return modules - FIRST_PARTY - set(sys.stdlib_module_names)


def test_every_imported_third_party_module_comes_from_a_declared_package() -> None:
    declared = {name.partition("[")[0] for name in _declared()}
    providers = packages_distributions()
    undeclared = {}
    for module in sorted(_imported_modules()):
        dists = {_normal(d) for d in providers.get(module, [])}
        assert dists, f"no installed package provides {module!r}"
        if not dists & declared:
            undeclared[module] = sorted(dists)
    assert undeclared == {}, "imported directly: declare (and document) the package"
