"""Placing an order (POST /v1/orders)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from ..domain import Actor, Catalog, place_order
from . import messages
from .errors import IntakePaused
from .ports import OrdersUnitOfWorkPort


@dataclass(frozen=True)
class PlaceOrder:
    user_id: uuid.UUID
    # web owns users; orders keeps this copy so staff can find orders by email.
    user_email: str
    product: str
    wallet_address: str | None


async def place(
    uow: OrdersUnitOfWorkPort, catalog: Catalog, cmd: PlaceOrder, *, now: datetime
) -> uuid.UUID:
    """Create the order, priced and (when the user's plan covers it) paid at once.

    Raises IntakePaused, or the domain's UnknownProduct / InvalidWalletAddress /
    InvalidOrderRequest; then nothing is stored.
    """
    intake = await uow.intake.current()
    if intake.paused:
        raise IntakePaused(intake.reason)
    product = catalog.product(cmd.product)
    subscriptions = uow.subscriptions
    # Locked for a report: two orders at once must not both take the last included report.
    current = await subscriptions.latest_for_user(cmd.user_id, lock=product.kind == "report")
    placed = place_order(
        catalog,
        order_id=uuid.uuid4(),
        user_id=cmd.user_id,
        product_code=cmd.product,
        wallet_address=cmd.wallet_address,
        subscription=current,
        now=now,
    )
    await uow.orders.add(
        placed.order,
        price=placed.price,
        user_email=cmd.user_email,
        placed_by=str(Actor.user(cmd.user_id)),
    )
    if placed.subscription is not None:
        await subscriptions.save(placed.subscription, now=now)
    await uow.emit(messages.order_created(placed))
    for change in placed.changes:
        await uow.emit(*messages.for_change(placed.order, change))
    return placed.order.id
