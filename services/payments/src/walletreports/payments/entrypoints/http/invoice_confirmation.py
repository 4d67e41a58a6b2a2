"""Confirm by signature: POST /v1/invoices/{invoice_id}/confirm with the transaction the
payer says paid it ("I already paid"), verified at once (service_layer/confirming.py).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from walletreports.contracts.payments import TransactionSignature
from walletreports.kit import ClockDep, InternalAuth, collaborator, error_responses

from ...adapters.rate_sources import QuoteBoard
from ...adapters.solana_rpc import RpcError, SolanaRpc, UnsupportedTransactionVersion
from ...domain import ReceivingAccount
from ...service_layer.confirming import confirm_signature
from ...service_layer.errors import ChainUnavailable, TransferNotValid
from ...service_layer.terms import InvoiceTerms
from .dependencies import PaymentsUnits
from .presenters import invoice_view
from .responses import Invoice

router = APIRouter(prefix="/v1/invoices", tags=["invoices"], dependencies=[InternalAuth])


class ConfirmBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signature: TransactionSignature


REFUSALS = error_responses(
    404,
    409,
    422,
    503,
    described={
        404: "No such invoice (`invoice_not_found`) or no such confirmed transaction on"
        " chain (`transaction_not_found`; it may not be confirmed yet: try again).",
        409: "The transaction already paid, or carries the reference of, another invoice"
        " (`signature_used`): a signature pays at most one invoice.",
        422: "A malformed signature, or a transaction that does not pay this invoice"
        " (`transfer_not_valid`, with `reason`: transaction_failed, wrong_mint,"
        " wrong_recipient, reference_missing, memo_mismatch, ...).",
        503: "The Solana RPC cannot be reached now; nothing was recorded.",
    },
)


@router.post(
    "/{invoice_id}/confirm",
    summary="Confirm a payment by its transaction signature",
    responses=REFUSALS,
)
async def confirm(
    invoice_id: uuid.UUID,
    body: ConfirmBody,
    units: PaymentsUnits,
    clock: ClockDep,
    chain: Annotated[SolanaRpc, collaborator("chain")],
    receiving: Annotated[tuple[ReceivingAccount, ...], collaborator("receiving")],
    sol_quotes: Annotated[QuoteBoard, collaborator("sol_quotes")],
    terms: Annotated[InvoiceTerms, collaborator("terms")],
) -> Invoice:
    try:
        invoice = await confirm_signature(
            units,
            chain,
            invoice_id=invoice_id,
            signature=body.signature,
            receiving=receiving,
            now=clock.now(),
            fresh_sol_quote=sol_quotes.usable_quote(),
            merchant=terms.merchant,
        )
    except UnsupportedTransactionVersion as error:
        raise TransferNotValid(
            f"the node cannot return transaction {body.signature} in a version we read: {error}",
            field="signature",
            reason="unsupported_version",
        ) from error
    except RpcError as error:
        raise ChainUnavailable(f"the Solana RPC could not answer: {error}") from error
    async with units() as uow:
        urls = await uow.invoices.method_urls(invoice.id)
    return invoice_view(invoice, urls)
