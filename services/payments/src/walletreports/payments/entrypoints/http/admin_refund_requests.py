"""Staff ask for a refund of an invoice's money: POST /admin/api/invoices/{invoice_id}/refunds.

The answer is the refund with the Solana Pay URL (and its QR code) staff open in the
merchant's wallet and sign; the watcher marks it sent when it sees that transaction.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from walletreports.kit import InternalAuth, Now, collaborator, error_responses

from ...service_layer import refunding, staff
from ...service_layer.terms import InvoiceTerms
from .dependencies import PaymentsUnits
from .presenters import refund_view
from .refund_schemas import RefundRequestBody
from .responses import RefundView

router = APIRouter(
    prefix="/admin/api/invoices", tags=["admin: refunds"], dependencies=[InternalAuth]
)

REFUSED = (
    "The invoice's money does not allow it: nothing finalized received"
    " (`refund_nothing_received`), more than is still refundable in that currency"
    " (`refund_exceeds_received`, with `refundable_base_units`), not overpaid"
    " (`refund_not_overpaid`), no late payment held for staff (`refund_no_late_payment`),"
    " money not received for good yet (`refund_not_settled`), no payer known"
    " (`refund_no_payer`), or an overpayment without an amount whose excess is in another"
    " currency, unknown or already asked (`overpayment_not_refundable`)."
)


@router.post(
    "/{invoice_id}/refunds",
    summary="Request a refund",
    description="A refund of finalized money the invoice received, in the currency it came"
    " in, to the wallet that paid it, as a Solana Pay URL from the merchant's wallet: staff"
    " sign it there (the service never holds the merchant's key). Publishes"
    " `payments.refund.requested.v1`; `payments.refund.sent.v1` follows when the watcher"
    " sees the transaction finalized, paid from the merchant's wallet.",
    status_code=201,
    responses=error_responses(
        404,
        409,
        422,
        described={
            404: "No invoice with this id (`invoice_not_found`).",
            409: REFUSED,
            422: "Does not match this schema, or `amount_base_units` is left out for a"
            " reason other than overpayment (`invalid_refund_request`).",
        },
    ),
)
async def request_refund(
    invoice_id: uuid.UUID,
    body: RefundRequestBody,
    units: PaymentsUnits,
    now: Now,
    terms: Annotated[InvoiceTerms, collaborator("terms")],
) -> RefundView:
    async with units() as uow:
        refund = await refunding.request(
            uow,
            invoice_id=invoice_id,
            currency=body.currency,
            amount_base_units=body.amount_base_units,
            reason=body.reason,
            note=body.note,
            by=staff.staff_actor(body.staff_email),
            now=now,
            label=terms.label,
        )
        urls = await uow.refunds.urls([refund.id])
    return refund_view(refund, urls[refund.id])
