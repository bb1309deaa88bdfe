"""A tiny in-memory POSIX-ish filesystem, one per container, enough for shells and `kubectl cp`."""

from __future__ import annotations

import posixpath
import stat
import time
from dataclasses import dataclass, field


class FsError(Exception):
    """A failed file operation; str() is the errno-style text a shell prints."""


@dataclass
class Node:
    is_dir: bool
    mode: int
    mtime: float = field(default_factory=time.time)
    data: bytes = b""
    children: dict[str, "Node"] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return 4096 if self.is_dir else len(self.data)

    @property
    def st_mode(self) -> int:
        return (stat.S_IFDIR if self.is_dir else stat.S_IFREG) | self.mode


class FileSystem:
    def __init__(self) -> None:
        self.root = Node(True, 0o755)

    @staticmethod
    def resolve(cwd: str, path: str) -> str:
        return posixpath.normpath(posixpath.join(cwd, path)).replace("//", "/")

    def lookup(self, path: str) -> Node:
        node = self.root
        for part in [p for p in path.split("/") if p]:
            if not node.is_dir:
                raise FsError("Not a directory")
            if part not in node.children:
                raise FsError("No such file or directory")
            node = node.children[part]
        return node

    def exists(self, path: str) -> bool:
        try:
            self.lookup(path)
            return True
        except FsError:
            return False

    def _parent(self, path: str) -> tuple[Node, str]:
        parent_path, name = posixpath.split(path.rstrip("/") or "/")
        parent = self.lookup(parent_path)
        if not parent.is_dir:
            raise FsError("Not a directory")
        return parent, name

    def mkdir(self, path: str, parents: bool = False, mode: int = 0o755) -> Node:
        if parents:
            node = self.root
            for part in [p for p in path.split("/") if p]:
                child = node.children.get(part)
                if child is None:
                    child = node.children[part] = Node(True, mode)
                elif not child.is_dir:
                    raise FsError("File exists")
                node = child
            return node
        parent, name = self._parent(path)
        if name in parent.children:
            raise FsError("File exists")
        node = parent.children[name] = Node(True, mode)
        return node

    def write(self, path: str, data: bytes, append: bool = False, mode: int = 0o644,
              mtime: float | None = None) -> Node:
        parent, name = self._parent(path)
        node = parent.children.get(name)
        if node is not None and node.is_dir:
            raise FsError("Is a directory")
        if node is None:
            node = parent.children[name] = Node(False, mode)
        node.data = node.data + data if append else data
        node.mtime = time.time() if mtime is None else mtime
        return node

    def read(self, path: str) -> bytes:
        node = self.lookup(path)
        if node.is_dir:
            raise FsError("Is a directory")
        return node.data

    def remove(self, path: str, recursive: bool = False) -> None:
        parent, name = self._parent(path)
        node = parent.children.get(name)
        if node is None:
            raise FsError("No such file or directory")
        if node.is_dir and not recursive:
            raise FsError("Is a directory")
        del parent.children[name]

    def walk(self, path: str) -> list[tuple[str, Node]]:
        """(path, node) for path and everything below it, parents first."""
        node = self.lookup(path)
        out = [(path, node)]
        if node.is_dir:
            for name in sorted(node.children):
                out.extend(self.walk(posixpath.join(path, name)))
        return out
