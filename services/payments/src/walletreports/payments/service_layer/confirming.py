"""Confirm by signature ("I already paid"): the payer names the transaction, and it is
verified at once instead of at the watcher's next look.

The transaction is asked for at finalized first, then at confirmed, and verified as the
watcher would (verification.verify: matched by the references it carries, validated
against the URLs promised). What the payer hears:
- it pays this invoice (now or before): the invoice as it now is;
- it already paid, or carries the reference of, another invoice: `signature_used`
  (409); the other invoice still gets it, as the watcher would have given it;
- it does not pay this invoice: `transfer_not_valid` (422) with the rejection's reason;
- the node has no such transaction: `transaction_not_found` (404).
The transaction is also recorded as handled on its receiving account, so the watcher
promotes it at finality (or notices a fork took it away) without fetching it again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from ..domain import Commitment, Invoice, ReceivingAccount, SolQuote
from .candidates import Candidate
from .errors import InvoiceNotFound, SignatureUsed, TransactionNotFound, TransferNotValid
from .verification import verify
from .watch_ports import WatchingUnitOfWork
from .watching import ChainReader

Units = Callable[[], AbstractAsyncContextManager[WatchingUnitOfWork]]


async def confirm_signature(
    units: Units,
    chain: ChainReader,
    *,
    invoice_id: uuid.UUID,
    signature: str,
    receiving: Sequence[ReceivingAccount],
    now: datetime,
    fresh_sol_quote: SolQuote | None,
    merchant: str | None = None,
) -> Invoice:
    async with units() as uow:
        if await uow.invoices.get(invoice_id) is None:
            raise InvoiceNotFound.by_id(invoice_id)
        paid = await uow.invoices.by_signature(signature)
        if paid is not None and paid.id != invoice_id:
            raise SignatureUsed(f"transaction {signature} already paid invoice {paid.id}")
    commitment = Commitment.FINALIZED
    result = await chain.transaction(signature, commitment="finalized")
    if result is None:
        commitment = Commitment.CONFIRMED
        result = await chain.transaction(signature, commitment="confirmed")
    if result is None:
        raise TransactionNotFound(
            f"the node has no confirmed transaction {signature} (not landed, not "
            "confirmed yet, or dropped): try again in a few seconds"
        )
    slot = result.get("slot")
    candidate = Candidate(signature, slot if isinstance(slot, int) else 0, commitment)
    async with units() as uow:
        verdict = await verify(
            uow, candidate, result, now=now, fresh_sol_quote=fresh_sol_quote, merchant=merchant
        )
        invoice = await uow.invoices.by_signature(signature) if verdict.accepted else None
        if invoice is not None:
            await _mark_handled(uow, invoice, candidate, receiving, now)
    if invoice is not None and invoice.id == invoice_id:
        return invoice
    if invoice is not None or (verdict.invoice_ids and invoice_id not in verdict.invoice_ids):
        raise SignatureUsed(
            f"transaction {signature} pays another invoice, not {invoice_id}: "
            "a signature pays at most one invoice"
        )
    raise TransferNotValid(
        f"transaction {signature} does not pay invoice {invoice_id}: {verdict.detail}",
        field="signature",
        reason=verdict.reason,
    )


async def _mark_handled(
    uow: WatchingUnitOfWork,
    invoice: Invoice,
    candidate: Candidate,
    receiving: Sequence[ReceivingAccount],
    now: datetime,
) -> None:
    currency = invoice.transfers[candidate.signature].transfer.currency
    for account in receiving:
        if account.currency == currency:
            await uow.watch.mark(
                account.address,
                signature=candidate.signature,
                slot=candidate.slot,
                commitment=candidate.commitment,
                outcome="transfer",
                now=now,
            )
