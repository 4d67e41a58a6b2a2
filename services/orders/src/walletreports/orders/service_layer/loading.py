"""Loading an order to change it: locked, or a clear OrderNotFound."""

from __future__ import annotations

import uuid

from walletreports.kit.messaging.unit_of_work import UnitOfWork

from ..adapters.orders_repo import OrderRepository
from ..domain import Order
from .errors import OrderNotFound


async def locked_order(uow: UnitOfWork, order_id: uuid.UUID) -> tuple[OrderRepository, Order]:
    """The order with its row locked until the transaction ends: two events or staff
    actions on one order apply one after the other, each seeing the other's result."""
    repo = OrderRepository(uow.session)
    order = await repo.get(order_id, lock=True)
    if order is None:
        raise OrderNotFound(order_id)
    return repo, order
