"""What web shows a user: their orders and their billing (/v1/users/{user_id})."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from walletreports.kit import InternalAuth

from ...adapters.order_views import OrderFilters
from ...service_layer import billing
from .dependencies import Limit, Now, Offset, OrdersUnits
from .presenters import billing_view
from .responses import Billing, OrdersPage

router = APIRouter(prefix="/v1/users", tags=["users"], dependencies=[InternalAuth])


@router.get("/{user_id}/orders", summary="A user's orders, newest first")
async def orders_of_user(
    user_id: uuid.UUID, units: OrdersUnits, limit: Limit = 50, offset: Offset = 0
) -> OrdersPage:
    async with units() as uow:
        page = await uow.views.search_orders(
            OrderFilters(user_id=user_id), limit=limit, offset=offset
        )
    return OrdersPage.model_validate(page.as_dict())


@router.get("/{user_id}/billing", summary="A user's spending, payments and subscription")
async def billing_of_user(user_id: uuid.UUID, units: OrdersUnits, now: Now) -> Billing:
    async with units() as uow:
        summary = await billing.for_user(uow, user_id=user_id, now=now)
    return billing_view(summary)
