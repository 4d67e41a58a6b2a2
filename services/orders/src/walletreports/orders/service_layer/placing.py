"""Placing an order (POST /v1/orders)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from walletreports.kit.messaging.unit_of_work import UnitOfWork

from ..adapters import intake_repo
from ..adapters.orders_repo import OrderRepository
from ..adapters.subscriptions_repo import SubscriptionRepository
from ..domain import Actor, Catalog, SubscriptionPlan, place_order
from . import messages
from .errors import IntakePaused


@dataclass(frozen=True)
class PlaceOrder:
    user_id: uuid.UUID
    # web owns users; orders keeps this copy so staff can find orders by email.
    user_email: str
    product: str
    wallet_address: str | None


async def place(uow: UnitOfWork, catalog: Catalog, cmd: PlaceOrder, *, now: datetime) -> uuid.UUID:
    """Create the order, priced and (when the user's plan covers it) paid at once.

    Raises IntakePaused, or the domain's UnknownProduct / InvalidWalletAddress /
    InvalidOrderRequest; then nothing is stored.
    """
    intake = await intake_repo.current(uow.session)
    if intake.paused:
        raise IntakePaused(intake.reason)
    product = catalog.product(cmd.product)
    subscriptions = SubscriptionRepository(uow.session)
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
    await OrderRepository(uow.session).add(
        placed.order,
        price=placed.price,
        user_email=cmd.user_email,
        placed_by=str(Actor.user(cmd.user_id)),
        plan=product if isinstance(product, SubscriptionPlan) else None,
    )
    if placed.subscription is not None:
        await subscriptions.save(placed.subscription, now=now)
    await uow.emit(messages.order_created(placed))
    for change in placed.changes:
        await uow.emit(*messages.for_change(placed.order, change))
    return placed.order.id
