"""The events a refund transition publishes: the domain names them (`RefundChange.events`),
this module builds each contract event from the refund. One place, so staff requests,
the failed-analysis refunds and the watcher publish the same shapes."""

from __future__ import annotations

from typing import Any

from walletreports.contracts import Event
from walletreports.contracts.payments import RefundRequested, RefundSent

from ..domain import Refund, RefundChange, RefundEventName, RefundOutcome


def refund_events(refund: Refund, outcome: RefundOutcome) -> list[Event]:
    """The contract events for `outcome` (none for a NoChange), in the domain's order."""
    if not isinstance(outcome, RefundChange):
        return []
    return [_event(refund, name) for name in outcome.events]


def _event(refund: Refund, name: RefundEventName) -> Event:
    about: dict[str, Any] = {
        "refund_id": refund.id,
        "invoice_id": refund.invoice_id,
        "order_id": refund.order_id,
        "currency": refund.currency.value,
        "recipient": refund.recipient,
        "correlation_id": str(refund.order_id),
    }
    if name is RefundEventName.REFUND_REQUESTED:
        return RefundRequested(
            **about, amount_base_units=refund.amount_base_units, reason=refund.reason.value
        )
    if name is RefundEventName.REFUND_SENT:
        if refund.signature is None or refund.sent_amount_base_units is None:
            raise AssertionError(f"refund {refund.id} is published as sent and is not")
        return RefundSent(
            **about, amount_base_units=refund.sent_amount_base_units, signature=refund.signature
        )
    raise AssertionError(f"no contract event for {name}")  # a new RefundEventName
