"""What staff do to one order: POST /admin/api/orders/{order_id}/<action>, with the staff
member's email and a reason (both recorded in the order's history).

The actions are declared once, in STAFF_ACTIONS, and each row is served as its own
documented route. The answer is the order as it now is, and whether the action changed
it (`changed: false` when the order was already past it).
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from fastapi import APIRouter

from walletreports.kit import InternalAuth, error_responses

from ...adapters.unit_of_work import OrdersUnitOfWork
from ...domain import AlreadyPast, Order
from ...service_layer import staff
from ...service_layer.changes import Outcome
from .dependencies import Now, OrdersUnits
from .responses import OrderDetail, StaffActionResult
from .schemas import MarkPaidBody, StaffActionBody

B = TypeVar("B", bound=StaffActionBody)

# Run the action in `uow` on the order, as the body asks, at `now`.
Perform = Callable[[OrdersUnitOfWork, uuid.UUID, B, datetime], Awaitable[Outcome]]


@dataclass(frozen=True)
class StaffAction(Generic[B]):
    path: str  # the last path segment
    summary: str
    description: str
    body: type[B]
    perform: Perform[B]
    # The action's own refusals, besides 404 for an unknown order and 422 for a bad body.
    refusals: Mapping[int, str] = field(default_factory=dict)


def transition(change: staff.Transition) -> Perform[StaffActionBody]:
    """An action that is one named transition of the order (staff.act)."""

    async def perform(
        uow: OrdersUnitOfWork, order_id: uuid.UUID, body: StaffActionBody, now: datetime
    ) -> Outcome:
        return await staff.act(
            uow,
            transition=change,
            order_id=order_id,
            staff_email=body.staff_email,
            reason=body.reason,
            now=now,
        )

    return perform


async def _mark_paid(
    uow: OrdersUnitOfWork, order_id: uuid.UUID, body: MarkPaidBody, now: datetime
) -> Outcome:
    return await staff.mark_paid(
        uow,
        order_id=order_id,
        staff_email=body.staff_email,
        reason=body.reason,
        payment_issue_id=body.payment_issue_id,
        now=now,
    )


NOT_THEN = "The order is not in a state that allows it (`illegal_transition`)."

STAFF_ACTIONS: tuple[StaffAction[Any], ...] = (
    StaffAction(
        path="cancel",
        summary="Cancel an unpaid order",
        description="Unpaid orders only; a paid order is marked failed (and refunded) instead.",
        body=StaffActionBody,
        perform=transition(Order.cancel),
        refusals={409: NOT_THEN},
    ),
    StaffAction(
        path="mark-paid",
        summary="Mark an order paid",
        description="A staff override for a pending or expired order. With `payment_issue_id`,"
        " staff accept that late payment (from the order's `payment_issues`) as the order's"
        " own: it then counts in the user's billing. A paid plan order starts its subscription.",
        body=MarkPaidBody,
        perform=_mark_paid,
        refusals={
            409: NOT_THEN,
            422: "Does not match this schema, or the order has no such payment issue"
            " (`unknown_payment_issue`).",
        },
    ),
    StaffAction(
        path="reopen",
        summary="Reopen an order for a retry",
        description="A failed or partially complete order goes back to payment_received.",
        body=StaffActionBody,
        perform=transition(Order.reopen_for_retry),
        refusals={409: NOT_THEN},
    ),
    StaffAction(
        path="mark-failed",
        summary="Give up on a paid order",
        description='The seed\'s "mark as permanent failure": the order ends failed; refund'
        " it in payments.",
        body=StaffActionBody,
        perform=transition(Order.mark_permanently_failed),
        refusals={409: NOT_THEN},
    ),
)

router = APIRouter(prefix="/admin/api/orders", tags=["admin: orders"], dependencies=[InternalAuth])


def _endpoint(action: StaffAction[Any]) -> Callable[..., Awaitable[StaffActionResult]]:
    async def endpoint(
        order_id: uuid.UUID, body: StaffActionBody, units: OrdersUnits, now: Now
    ) -> StaffActionResult:
        async with units() as uow:
            outcome = await action.perform(uow, order_id, body, now)
            view = await uow.views.order_detail(order_id)
        return StaffActionResult(
            changed=not isinstance(outcome, AlreadyPast), order=OrderDetail.model_validate(view)
        )

    # FastAPI reads the body's model from the signature: make it this action's own.
    signature = inspect.signature(endpoint, eval_str=True)
    endpoint.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[
            p.replace(annotation=action.body) if p.name == "body" else p
            for p in signature.parameters.values()
        ]
    )
    endpoint.__name__ = endpoint.__qualname__ = action.path.replace("-", "_")
    return endpoint


for _action in STAFF_ACTIONS:
    router.add_api_route(
        f"/{{order_id}}/{_action.path}",
        _endpoint(_action),
        methods=["POST"],
        summary=_action.summary,
        description=_action.description,
        responses=error_responses(
            404,
            *_action.refusals,
            described={404: "No order with this id (`order_not_found`).", **_action.refusals},
        ),
    )
