"""Loading an order to change it: locked, or a clear OrderNotFound."""

from __future__ import annotations

import uuid

from ..domain import Order
from .errors import OrderNotFound
from .ports import OrdersUnitOfWorkPort


async def locked_order(uow: OrdersUnitOfWorkPort, order_id: uuid.UUID) -> Order:
    """The order with its row locked until the transaction ends: two events or staff
    actions on one order apply one after the other, each seeing the other's result."""
    order = await uow.orders.get(order_id, lock=True)
    if order is None:
        raise OrderNotFound(order_id)
    return order
