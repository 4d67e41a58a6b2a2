"""The table of RPC methods; each area module registers its handlers here by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..chain import Chain

Handler = Callable[[Chain, list], Any]

METHODS: dict[str, Handler] = {}


def rpc_method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register
