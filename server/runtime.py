"""Everything the services share at run time, built once at start-up and handed to each
servicer: settings now; the store, the cluster registry and the security policy as they land."""

from __future__ import annotations

from dataclasses import dataclass

from server.config import Settings


@dataclass
class Runtime:
    settings: Settings

    @classmethod
    async def create(cls, settings: Settings) -> "Runtime":
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return cls(settings=settings)

    async def close(self) -> None:
        """Releases what `create` acquired."""
