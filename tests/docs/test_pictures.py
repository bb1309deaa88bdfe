"""The docs' pictures are drawn from their DOT sources (`make pictures`): each source renders
with Graphviz, its SVG is committed beside it with the same nodes and edges, and a doc shows it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

PICTURES = sorted((REPO / "docs/pictures").glob("*.dot"))


def _titles(svg: str) -> list[str]:
    """Graphviz names every node and edge in a <title>: the drawing's content, whatever the layout."""
    return sorted(re.findall(r"<title>(.*?)</title>", svg))


def test_there_are_pictures() -> None:
    assert {p.stem for p in PICTURES} >= {"architecture", "store-layout"}


@pytest.mark.parametrize("source", PICTURES, ids=lambda p: p.stem)
def test_picture_is_current_and_shown(source: Path) -> None:
    dot = shutil.which("dot")
    assert dot, "Graphviz is missing: `make setup` installs it"
    drawn = subprocess.run([dot, "-Tsvg", str(source)], capture_output=True, text=True, check=True).stdout
    committed = source.with_suffix(".svg").read_text()
    assert _titles(drawn) == _titles(committed), f"run `make pictures`: {source.name} changed"
    shown = [d.name for d in (REPO / "docs").glob("*.md") if f"pictures/{source.stem}.svg" in d.read_text()]
    assert shown, f"no doc shows pictures/{source.stem}.svg"
