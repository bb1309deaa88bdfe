"""docs/benchmarks.md holds one section per benchmark between BEGIN/END markers; each benchmark
rewrites only its own."""

from __future__ import annotations

from pathlib import Path


def replace_section(docs: Path, begin: str, end: str, section: str) -> None:
    """Puts `section` (which starts with `begin` and ends with `end`) in place of the old one,
    or appends it; other sections are kept."""
    text = docs.read_text() if docs.exists() else "# Benchmarks\n"
    if begin in text:
        text = text[:text.index(begin)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    docs.write_text(text)
