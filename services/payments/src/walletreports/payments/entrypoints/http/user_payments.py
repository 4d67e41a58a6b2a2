"""A user's payment history, for web's billing page (/v1/users/{user_id}/payments)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from walletreports.kit import InternalAuth, error_responses

from ...adapters.invoice_queries import InvoiceQueries, PageRequest
from .admin_responses import PaymentHistoryPage
from .admin_schemas import Limit, Offset
from .dependencies import PaymentsUnits

router = APIRouter(prefix="/v1/users", tags=["payments"], dependencies=[InternalAuth])


@router.get(
    "/{user_id}/payments",
    summary="A user's invoices and what was paid on each",
    description="Newest first. A user payments has not seen (no order, or no payment"
    " needed) has an empty history, not a 404: users are web's.",
    responses=error_responses(422),
)
async def payment_history(
    user_id: uuid.UUID, units: PaymentsUnits, limit: Limit = 20, offset: Offset = 0
) -> PaymentHistoryPage:
    async with units() as uow:
        page = await InvoiceQueries(uow.session).payment_history(
            user_id, PageRequest(limit, offset)
        )
    return PaymentHistoryPage.model_validate(page.as_dict())
