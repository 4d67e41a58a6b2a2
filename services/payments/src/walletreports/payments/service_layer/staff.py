"""What staff decide about one invoice from the console: accept it as paid (mark
settled) or reject it (mark invalid), in their name and with their reason.

Each loads the invoice locked (a decision and the watcher on one invoice apply one after
the other), runs the domain's transition with `by="staff:<email>"`, saves it and puts
its events in the outbox (`invoice.marked_settled` / `invoice.marked_invalid`, with who
and why, for orders). A decision the invoice already has is the domain's `NoChange`:
nothing saved, nothing published. The domain's refusals (a settled invoice marked
invalid, a cancelled order's invoice marked settled) are its own kit errors.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from ..domain import InvalidStaffAction, Invoice, InvoiceChange, InvoiceOutcome
from .errors import InvoiceNotFound
from .ports import PaymentsUnitOfWorkPort
from .publishing import events_for

__all__ = ["mark_invalid", "mark_settled", "staff_actor"]


class _Decision(Protocol):
    """A staff transition of the invoice: `Invoice.mark_settled` or `Invoice.mark_invalid`."""

    def __call__(
        self, invoice: Invoice, /, *, by: str, reason: str, now: datetime
    ) -> InvoiceOutcome: ...


def staff_actor(staff_email: str) -> str:
    """How the history (and the events) name a staff member: "staff:<email>"."""
    if not staff_email.strip():
        raise InvalidStaffAction("a staff action names who took it", field="staff_email")
    return f"staff:{staff_email}"


async def _decide(
    uow: PaymentsUnitOfWorkPort,
    *,
    decision: _Decision,
    invoice_id: uuid.UUID,
    staff_email: str,
    reason: str,
    now: datetime,
) -> InvoiceOutcome:
    by = staff_actor(staff_email)
    invoice = await uow.invoices.get(invoice_id, lock=True)
    if invoice is None:
        raise InvoiceNotFound.by_id(invoice_id)
    outcome = decision(invoice, by=by, reason=reason, now=now)
    if isinstance(outcome, InvoiceChange):
        await uow.invoices.save(invoice, now=now)
        await uow.emit(*events_for(invoice, outcome))
    return outcome


async def mark_settled(
    uow: PaymentsUnitOfWorkPort,
    *,
    invoice_id: uuid.UUID,
    staff_email: str,
    reason: str,
    now: datetime,
) -> InvoiceOutcome:
    """Staff accept the invoice as paid (a late or short payment they took)."""
    return await _decide(
        uow,
        decision=Invoice.mark_settled,
        invoice_id=invoice_id,
        staff_email=staff_email,
        reason=reason,
        now=now,
    )


async def mark_invalid(
    uow: PaymentsUnitOfWorkPort,
    *,
    invoice_id: uuid.UUID,
    staff_email: str,
    reason: str,
    now: datetime,
) -> InvoiceOutcome:
    """Staff reject the invoice: no payment settles it any more (orders expires the order)."""
    return await _decide(
        uow,
        decision=Invoice.mark_invalid,
        invoice_id=invoice_id,
        staff_email=staff_email,
        reason=reason,
        now=now,
    )
