"""The manifest parser under generated hostile YAML: whatever the text, it returns documents or
raises InvalidArgument (never another exception, so never INTERNAL or UNAVAILABLE), within a
bounded time and memory, aliases and nesting included."""

from __future__ import annotations

import time
import tracemalloc

from hypothesis import example, given, strategies as st

from server.errors import InvalidArgument
from server.versions.manifests import parse_manifest

MAX_SECONDS = 0.5
MAX_PEAK_BYTES = 32 * 1024 * 1024

_TOKENS = ["apiVersion: v1\n", "kind: ConfigMap\n", "metadata: {name: x}\n", "data:\n", "  ", "- ", ": ", ", ",
           "---\n", "...\n", "[", "]", "{", "}", "&a ", "*a", "&b ", "*b", "<<: *a\n", "!!binary ", "!!set ",
           "!!python/object:os.system ", "!!timestamp ", "!!int ", "!!float ", "!!str ", "? ", "|\n", ">\n",
           "'", '"', "#", "\t", "\x00", "\ufeff", "2001-12-14: ", "1" * 5000, "~", "null", "-.inf", "0x1F",
           "\n", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "!local ", "\\x", "é"]
yamlish = st.lists(st.sampled_from(_TOKENS), max_size=60).map("".join)


def bounded_parse(text: str) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        parse_manifest(text)
    except InvalidArgument as error:
        assert error.violations and error.violations[0].field.startswith("manifest")
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert elapsed < MAX_SECONDS, f"{elapsed:.2f}s"
    assert peak < MAX_PEAK_BYTES, f"{peak / 2**20:.0f} MiB"


def bomb(levels: int, width: int) -> str:
    lines = [f"a0: &a0 [{','.join(['lol'] * width)}]"]
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


@given(yamlish)
@example(bomb(9, 9))
@example(bomb(30, 2))
@example("a: " + "[" * 5000)
@example("".join(f"{' ' * i}k:\n" for i in range(2000)))
@example("? [1]\n: x\n")
@example("{2001-12-14: x, 1: y, true: z, null: w, [1]: v}\n")
@example("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: " + "9" * 5000 + "}\n")
def test_structured_hostile_yaml(text: str) -> None:
    bounded_parse(text)


@given(st.text(max_size=400))
def test_arbitrary_text(text: str) -> None:
    bounded_parse(text)
