"""What staff decide about one invoice: POST /admin/api/invoices/{invoice_id}/<action>,
with the staff member's email and a reason (both recorded in the invoice's history and
sent to orders in the event).

The answer is the invoice as it now is, and whether the action changed it
(`changed: false` when the invoice already had this decision).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from walletreports.kit import InternalAuth, Now, error_responses

from ...adapters.unit_of_work import PaymentsUnitOfWork
from ...domain import InvoiceChange, InvoiceOutcome
from ...service_layer import staff
from .admin_presenters import load_admin_invoice
from .admin_responses import StaffDecisionResult
from .admin_schemas import StaffDecisionBody
from .dependencies import PaymentsUnits

router = APIRouter(
    prefix="/admin/api/invoices", tags=["admin: invoices"], dependencies=[InternalAuth]
)

NOT_FOUND = "No invoice with this id (`invoice_not_found`)."
BAD_BODY = "Does not match this schema, or the email or reason is blank (`invalid_staff_action`)."


async def _answer(
    uow: PaymentsUnitOfWork, invoice_id: uuid.UUID, outcome: InvoiceOutcome
) -> StaffDecisionResult:
    view = await load_admin_invoice(uow, invoice_id)
    return StaffDecisionResult(changed=isinstance(outcome, InvoiceChange), invoice=view)


@router.post(
    "/{invoice_id}/mark-settled",
    summary="Accept an invoice as paid",
    description="Staff take the invoice as paid (a late or short payment they accept, money"
    " seen elsewhere): it becomes settled with reason `marked`, and orders counts the order"
    " as paid by staff (`payments.invoice.marked_settled.v1`). An invalid invoice may be"
    " settled too (staff changed their mind), one whose order was cancelled may not.",
    responses=error_responses(
        404,
        409,
        422,
        described={
            404: NOT_FOUND,
            409: "The order was cancelled (`invoice_cancelled`): refund its money instead.",
            422: BAD_BODY,
        },
    ),
)
async def mark_settled(
    invoice_id: uuid.UUID, body: StaffDecisionBody, units: PaymentsUnits, now: Now
) -> StaffDecisionResult:
    async with units() as uow:
        outcome = await staff.mark_settled(
            uow, invoice_id=invoice_id, staff_email=body.staff_email, reason=body.reason, now=now
        )
        return await _answer(uow, invoice_id, outcome)


@router.post(
    "/{invoice_id}/mark-invalid",
    summary="Reject an invoice",
    description="No payment settles the invoice any more: it becomes invalid with reason"
    " `marked`, and orders treats it as expired (`payments.invoice.marked_invalid.v1`). Money"
    " that still arrives is recorded for staff.",
    responses=error_responses(
        404,
        409,
        422,
        described={
            404: NOT_FOUND,
            409: "The invoice is settled (`illegal_invoice_transition`): refund it instead.",
            422: BAD_BODY,
        },
    ),
)
async def mark_invalid(
    invoice_id: uuid.UUID, body: StaffDecisionBody, units: PaymentsUnits, now: Now
) -> StaffDecisionResult:
    async with units() as uow:
        outcome = await staff.mark_invalid(
            uow, invoice_id=invoice_id, staff_email=body.staff_email, reason=body.reason, now=now
        )
        return await _answer(uow, invoice_id, outcome)
