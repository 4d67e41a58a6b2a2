"""Placing an order under an idempotency key (POST /v1/orders), as one use case.

The pattern every creating endpoint copies: claim the key, or replay what it already
answered; otherwise do the work, then remember the answer in the same transaction, so
the key, the order and its events commit together or not at all.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..adapters.unit_of_work import OrdersUnitOfWork
from ..domain import Catalog
from . import idempotency, placing
from .placing import PlaceOrder

# Part of every stored fingerprint: changing it would refuse the retries of keys already
# stored (as "reused with other parameters") until they expire.
OPERATION = "POST /v1/orders"
CREATED = 201


@dataclass(frozen=True)
class Answer:
    """What to answer: the first response for this key, `replayed` when it is a repeat."""

    status: int
    body: dict[str, Any]
    replayed: bool


async def place_idempotently(
    uow: OrdersUnitOfWork, catalog: Catalog, key: str, command: PlaceOrder, *, now: datetime
) -> Answer:
    """Place `command` once per `key`. Raises IdempotencyKeyReused for the same key with
    another command, and what `placing.place` raises (then the key is not kept either)."""
    # The command's fields are the request body's, so this is the fingerprint of the body.
    fingerprint = idempotency.fingerprint(OPERATION, dataclasses.asdict(command))
    stored = await idempotency.begin(uow, key, fingerprint)
    if stored is not None:
        return Answer(stored.status, stored.body, replayed=True)
    order_id = await placing.place(uow, catalog, command, now=now)
    view = await uow.views.order_detail(order_id)
    if view is None:  # read in the transaction that just stored it
        raise RuntimeError(f"order {order_id} was placed but cannot be read back")
    await idempotency.remember(uow, key, CREATED, view)
    return Answer(CREATED, view, replayed=False)
