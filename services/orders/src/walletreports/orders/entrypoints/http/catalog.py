"""What can be bought, and the audit-fee calculator (/v1/catalog, /v1/audit-fee)."""

from __future__ import annotations

from fastapi import APIRouter

from walletreports.kit import InternalAuth, error_responses

from ...domain import calculate_audit_fee
from .dependencies import CatalogDep
from .presenters import audit_fee_quote, catalog_view
from .responses import AuditFeeQuote, CatalogView
from .schemas import AuditFeeQuoteBody

router = APIRouter(prefix="/v1", tags=["catalog"], dependencies=[InternalAuth])


@router.get("/catalog", summary="The products and their prices")
async def get_catalog(catalog: CatalogDep) -> CatalogView:
    return catalog_view(catalog)


@router.post(
    "/audit-fee/quote",
    summary="Quote the SOL audit fee",
    responses=error_responses(
        422,
        described={
            422: (
                "Does not match this schema (`invalid_request`), or out of the fee model's"
                " bounds: `invalid_tokens_used` (0 to the cap), `invalid_risk_score` (1-10)."
            )
        },
    ),
)
async def quote_audit_fee(body: AuditFeeQuoteBody, catalog: CatalogDep) -> AuditFeeQuote:
    """The second seed's SOL audit fee, in exact lamports (a calculator; nothing stored)."""
    fee = calculate_audit_fee(
        catalog.audit_fee,
        tokens_used=body.tokens_used,
        risk_score=body.risk_score,
        is_subscriber=body.is_subscriber,
    )
    return audit_fee_quote(fee)
