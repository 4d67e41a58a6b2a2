"""Order statuses and the one table of transitions between them.

    pending_payment --pay / staff mark-paid--> payment_received
    pending_payment --expire--> expired --staff mark-paid--> payment_received
    pending_payment --cancel--> cancelled                      (final)
    payment_received --analysis.started--> processing
    payment_received | processing --analysis.finished--> completed | partial_complete | failed
    partial_complete | failed --staff re-open for retry--> payment_received
    completed                                                   (final)

Why these and no others:
- payment_received may finish directly: `analysis.finished` can overtake
  `analysis.started` on the bus.
- Only unpaid orders can be cancelled. Cancelling a paid order means giving money back,
  which is a refund in payments and a staff decision; staff mark such an order failed
  (`Order.mark_permanently_failed`) and refund it there.
- An expired order may still be marked paid by staff (money arrived late and staff
  accept it); a cancelled one may not: the user asked to stop, the money goes back.

Who may take an edge (staff only for mark-paid, re-open, give up) is enforced by the
methods of `Order`; this table only says which edges exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from .errors import IllegalTransition


class OrderStatus(StrEnum):
    """Values match `walletreports.contracts.orders.OrderStatus`."""

    PENDING_PAYMENT = "pending_payment"
    PAYMENT_RECEIVED = "payment_received"
    PROCESSING = "processing"
    COMPLETED = "completed"
    PARTIAL_COMPLETE = "partial_complete"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class OrderEventName(StrEnum):
    """Order events the service must publish; the contract classes in libs/contracts."""

    PAID = "order.paid"
    EXPIRED = "order.expired"
    CANCELLED = "order.cancelled"
    STATUS_CHANGED = "order.status_changed"


S = OrderStatus

FINISHED: frozenset[OrderStatus] = frozenset({S.COMPLETED, S.PARTIAL_COMPLETE, S.FAILED})
PAID_STATUSES: frozenset[OrderStatus] = frozenset({S.PAYMENT_RECEIVED, S.PROCESSING} | FINISHED)

ALLOWED_TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = MappingProxyType(
    {
        S.PENDING_PAYMENT: frozenset({S.PAYMENT_RECEIVED, S.EXPIRED, S.CANCELLED}),
        S.EXPIRED: frozenset({S.PAYMENT_RECEIVED}),
        S.CANCELLED: frozenset(),
        S.PAYMENT_RECEIVED: frozenset({S.PROCESSING} | FINISHED),
        S.PROCESSING: FINISHED,
        S.COMPLETED: frozenset(),
        S.PARTIAL_COMPLETE: frozenset({S.PAYMENT_RECEIVED}),
        S.FAILED: frozenset({S.PAYMENT_RECEIVED}),
    }
)


def is_allowed(from_status: OrderStatus, to_status: OrderStatus) -> bool:
    return to_status in ALLOWED_TRANSITIONS[from_status]


def check_transition(
    from_status: OrderStatus, to_status: OrderStatus, why: str | None = None
) -> None:
    if not is_allowed(from_status, to_status):
        raise IllegalTransition(from_status.value, to_status.value, why)


def events_for(from_status: OrderStatus, to_status: OrderStatus) -> tuple[OrderEventName, ...]:
    """What to publish for a legal transition.

    Every change publishes `order.status_changed`, so one subscription sees an order's
    whole story; the moments other services act on get their own event first. Re-opening
    a failed order lands in payment_received but is not a payment, so no `order.paid`.
    """
    specific: tuple[OrderEventName, ...] = ()
    if to_status is S.PAYMENT_RECEIVED and from_status in (S.PENDING_PAYMENT, S.EXPIRED):
        specific = (OrderEventName.PAID,)
    elif to_status is S.EXPIRED:
        specific = (OrderEventName.EXPIRED,)
    elif to_status is S.CANCELLED:
        specific = (OrderEventName.CANCELLED,)
    return (*specific, OrderEventName.STATUS_CHANGED)


_ANALYSIS_OUTCOMES: Mapping[str, OrderStatus] = MappingProxyType(
    {"completed": S.COMPLETED, "partial": S.PARTIAL_COMPLETE, "failed": S.FAILED}
)


def status_for_analysis_outcome(outcome: str) -> OrderStatus:
    """`analysis.finished` says completed | partial | failed; the order says partial_complete."""
    try:
        return _ANALYSIS_OUTCOMES[outcome]
    except KeyError:
        raise ValueError(
            f"unknown analysis outcome {outcome!r}; expected one of {sorted(_ANALYSIS_OUTCOMES)}"
        ) from None
