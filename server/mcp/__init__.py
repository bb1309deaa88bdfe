"""The MCP domain: cluster scans with history (scans.py, history.py, scanners/) and proposals as
draft branches (recommend.py), built once by the composition root (server/runtime.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from server.kube import ClusterPool
from server.mcp.history import ScanHistory
from server.mcp.recommend import Proposals
from server.mcp.scanners import Prices
from server.mcp.scans import Scanner
from server.versions import Versions


@dataclass(frozen=True)
class Mcp:
    scanner: Scanner
    proposals: Proposals

    @classmethod
    def create(cls, pool: ClusterPool, versions: Versions, data_dir: Path, prices: Prices,
               database_url: str = "") -> "Mcp":
        return cls(scanner=Scanner(pool, ScanHistory(data_dir, database_url), prices),
                   proposals=Proposals(versions, pool))

    def close(self) -> None:
        self.scanner.history.close()
