"""The staff console's subscriptions (/admin/api/subscriptions)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from walletreports.kit import InternalAuth

from ...domain import SubscriptionStatus
from .dependencies import Limit, Offset, OrdersUnits
from .responses import SubscriptionsPage

router = APIRouter(
    prefix="/admin/api/subscriptions", tags=["admin: subscriptions"], dependencies=[InternalAuth]
)


@router.get("", summary="Find subscriptions, latest expiry first")
async def list_subscriptions(
    units: OrdersUnits,
    status: SubscriptionStatus | None = None,
    user_id: uuid.UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> SubscriptionsPage:
    async with units() as uow:
        page = await uow.views.list_subscriptions(
            status=None if status is None else status.value,
            user_id=user_id,
            limit=limit,
            offset=offset,
        )
    return SubscriptionsPage.model_validate(page.as_dict())
