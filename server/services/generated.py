"""The generic handler a generated `add_XServicer_to_server(servicer, server)` would register,
so a servicer can be listed in SERVICES like any other handler."""

from __future__ import annotations

from typing import Any, Callable

import grpc


def generated_handler(add_to_server: Callable[[Any, Any], None], servicer: Any) -> grpc.GenericRpcHandler:
    handlers: list[grpc.GenericRpcHandler] = []

    class _Collector:
        def add_generic_rpc_handlers(self, items: tuple[grpc.GenericRpcHandler, ...]) -> None:
            handlers.extend(items)

        def add_registered_method_handlers(self, *args: object) -> None:
            """Newer generated code also registers per-method handlers; the generic one suffices."""

    add_to_server(servicer, _Collector())
    return handlers[0]
