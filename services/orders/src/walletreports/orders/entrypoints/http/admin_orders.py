"""The staff console's orders (/admin/api/orders): find them, see one with its history.
What staff do to an order is in admin_order_actions.

Web checks the staff flag before calling (it owns users); this API trusts its token.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from walletreports.kit import ApiError, InternalAuth, error_responses

from ...adapters.order_views import OrderFilters
from ...service_layer.errors import OrderNotFound
from .dependencies import Limit, Offset, OrdersUnits
from .responses import OrderDetail, OrdersPage
from .schemas import OrderStatusName, ProductCode, QueryTime, SearchText

router = APIRouter(prefix="/admin/api/orders", tags=["admin: orders"], dependencies=[InternalAuth])


NAIVE = "a date-time without an offset is read as UTC"


def _utc(value: datetime | None) -> datetime | None:
    # A date-time without an offset is read as UTC, the console's clock.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@router.get(
    "",
    summary="Find orders",
    responses=error_responses(
        422,
        described={422: "Does not match this schema, or `created_to` is not after `created_from`."},
    ),
)
async def list_orders(
    units: OrdersUnits,
    status: Annotated[list[OrderStatusName] | None, Query(max_length=8)] = None,
    product: Annotated[ProductCode | None, Query()] = None,
    user_id: uuid.UUID | None = None,
    created_from: Annotated[QueryTime | None, Query(description=f"inclusive; {NAIVE}")] = None,
    created_to: Annotated[QueryTime | None, Query(description=f"exclusive; {NAIVE}")] = None,
    q: Annotated[
        SearchText | None, Query(description="order id, wallet address or user email")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> OrdersPage:
    start, end = _utc(created_from), _utc(created_to)
    if start is not None and end is not None and end <= start:
        raise ApiError(
            422, "invalid_request", "created_to must be after created_from", field="created_to"
        )
    filters = OrderFilters(
        statuses=tuple(status or ()),
        product=product,
        user_id=user_id,
        created_from=start,
        created_to=end,
        search=q,
    )
    async with units() as uow:
        page = await uow.views.search_orders(filters, limit=limit, offset=offset)
    return OrdersPage.model_validate(page.as_dict())


@router.get(
    "/{order_id}",
    summary="One order, with its history and the payments it did not take",
    responses=error_responses(404, described={404: "No order with this id (`order_not_found`)."}),
)
async def order_detail(order_id: uuid.UUID, units: OrdersUnits) -> OrderDetail:
    async with units() as uow:
        view = await uow.views.order_detail(order_id)
    if view is None:
        raise OrderNotFound(order_id)
    return OrderDetail.model_validate(view)
