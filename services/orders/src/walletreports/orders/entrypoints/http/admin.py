"""The staff console's API: find orders, see one with its history, act on it.

Actions name the staff member (`staff_email`), recorded in the order's history; web
checks the staff flag before calling (it owns users) and this API trusts its token.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from walletreports.kit.http.auth import InternalAuth
from walletreports.kit.http.errors import ApiError
from walletreports.kit.messaging.unit_of_work import UnitOfWork
from walletreports.kit.service import Runtime

from ...adapters import intake_repo, order_views
from ...adapters.order_views import OrderFilters
from ...domain import AlreadyPast
from ...service_layer import staff
from ...service_layer.errors import OrderNotFound
from .dependencies import Limit, Now, Offset
from .errors import DomainErrorRoute
from .schemas import MarkPaidBody, OrderStatusName, ProductCode, SearchText, StaffActionBody

router = APIRouter(
    prefix="/admin/api", tags=["admin"], dependencies=[InternalAuth], route_class=DomainErrorRoute
)


def _utc(value: datetime | None) -> datetime | None:
    # A date-time without an offset is read as UTC, the console's clock.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@router.get("/orders")
async def list_orders(
    runtime: Runtime,
    status: Annotated[list[OrderStatusName] | None, Query(max_length=8)] = None,
    product: Annotated[ProductCode | None, Query()] = None,
    user_id: uuid.UUID | None = None,
    created_from: Annotated[datetime | None, Query(description="inclusive")] = None,
    created_to: Annotated[datetime | None, Query(description="exclusive")] = None,
    q: Annotated[
        SearchText | None, Query(description="order id, wallet address or user email")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
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
    async with runtime.units() as uow:
        page = await order_views.search_orders(uow.session, filters, limit=limit, offset=offset)
    return page.as_dict()


@router.get("/orders/{order_id}")
async def order_detail(order_id: uuid.UUID, runtime: Runtime) -> dict[str, Any]:
    async with runtime.units() as uow:
        view = await order_views.order_detail(uow.session, order_id)
    if view is None:
        raise OrderNotFound(order_id)
    return view


async def _act(
    runtime: Any, order_id: uuid.UUID, action: Callable[[UnitOfWork], Awaitable[Any]]
) -> dict[str, Any]:
    """Run a staff action and answer with the order as it now is, plus whether it changed."""
    async with runtime.units() as uow:
        outcome = await action(uow)
        view = await order_views.order_detail(uow.session, order_id)
    return {"changed": not isinstance(outcome, AlreadyPast), "order": view}


@router.post("/orders/{order_id}/cancel")
async def cancel(
    order_id: uuid.UUID, body: StaffActionBody, runtime: Runtime, now: Now
) -> dict[str, Any]:
    """Unpaid orders only; a paid order is marked failed and refunded instead."""
    return await _act(
        runtime,
        order_id,
        lambda uow: staff.cancel(
            uow, order_id=order_id, staff_email=body.staff_email, reason=body.reason, now=now
        ),
    )


@router.post("/orders/{order_id}/mark-paid")
async def mark_paid(
    order_id: uuid.UUID, body: MarkPaidBody, runtime: Runtime, now: Now
) -> dict[str, Any]:
    return await _act(
        runtime,
        order_id,
        lambda uow: staff.mark_paid(
            uow,
            order_id=order_id,
            staff_email=body.staff_email,
            reason=body.reason,
            payment_issue_id=body.payment_issue_id,
            now=now,
        ),
    )


@router.post("/orders/{order_id}/reopen")
async def reopen(
    order_id: uuid.UUID, body: StaffActionBody, runtime: Runtime, now: Now
) -> dict[str, Any]:
    """A failed or partially complete order goes back to payment_received for a retry."""
    return await _act(
        runtime,
        order_id,
        lambda uow: staff.reopen(
            uow, order_id=order_id, staff_email=body.staff_email, reason=body.reason, now=now
        ),
    )


@router.post("/orders/{order_id}/mark-failed")
async def mark_failed(
    order_id: uuid.UUID, body: StaffActionBody, runtime: Runtime, now: Now
) -> dict[str, Any]:
    """Give up on a paid order (then refund it in payments)."""
    return await _act(
        runtime,
        order_id,
        lambda uow: staff.mark_failed(
            uow, order_id=order_id, staff_email=body.staff_email, reason=body.reason, now=now
        ),
    )


@router.get("/subscriptions")
async def list_subscriptions(
    runtime: Runtime,
    status: Literal["active", "expired"] | None = None,
    user_id: uuid.UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    async with runtime.units() as uow:
        page = await order_views.list_subscriptions(
            uow.session, status=status, user_id=user_id, limit=limit, offset=offset
        )
    return page.as_dict()


@router.get("/intake")
async def intake_state(runtime: Runtime) -> dict[str, Any]:
    """Whether new orders are taken (dune_runner pauses intake when its budget is reached)."""
    async with runtime.units() as uow:
        state = await intake_repo.current(uow.session)
    return {"paused": state.paused, "reason": state.reason, "as_of": state.as_of.isoformat()}
