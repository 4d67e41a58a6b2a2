"""Verifying one candidate transaction against the invoices it may pay, in one unit of
work: the chain watcher calls it for every new signature on a receiving account, and
confirm-by-signature for the one a payer names.

Matching: the transaction's candidate reference keys are looked up among all invoices
(open or not: late money is money). None matches: a rejected candidate (`no_invoice`)
for staff. Two or more match: one signature, several invoices' references: it pays none
of them (`several_invoices`), a signature pays at most one invoice. One matches: the
transaction is validated against each URL the invoice promised (the receiving
account's currency first) and the first that validates is the transfer the invoice
observes; otherwise the closest rejection is recorded.

Every verification writes one structured log line (signature, invoice, outcome,
reason), and every rejection a row in `rejected_candidates` (once per transaction and
reference). A rejection of a transaction meant for an invoice that looks like the
customer's mistake (domain.CUSTOMER_MISTAKES: the wrong token or recipient, a changed
memo, two invoices at once) is also published (`payments.payment.rejected.v1`): staff
are told, money may have moved.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from walletreports.contracts.payments import PaymentRejected
from walletreports.kit.errors import DomainError

from ..domain import (
    CUSTOMER_MISTAKES,
    Currency,
    Invoice,
    InvoiceChange,
    RejectionReason,
    SolQuote,
    Transfer,
    TransferAccepted,
    TransferRejected,
    expected_transfer,
    references_in,
    validate_transfer,
)
from .candidates import Candidate, Verdict
from .publishing import events_for
from .refunding import observe_refund_transfer
from .watch_ports import VerifyingUnitOfWork

log = logging.getLogger("walletreports.payments.verification")


async def verify(
    uow: VerifyingUnitOfWork,
    candidate: Candidate,
    result: object,
    *,
    now: datetime,
    fresh_sol_quote: SolQuote | None = None,
    merchant: str | None = None,
) -> Verdict:
    """Judge the getTransaction `result` for `candidate` and apply it; the caller commits.
    A transaction carrying a refund's reference is the refund's (refunding.py), judged
    when `merchant` (who must have sent it) is given."""
    found = references_in(result)
    if isinstance(found, TransferRejected):
        return await _reject(uow, candidate, found.reason, found.detail, (), now)
    references = [str(key) for key in found]
    refunds = await uow.refunds.by_references(references, lock=True)
    if len(refunds) == 1 and merchant is not None:
        return await observe_refund_transfer(
            uow, refunds[0], candidate, result, merchant=merchant, now=now
        )
    invoices = await uow.invoices.by_references(references, lock=True)
    if not invoices:
        detail = f"none of its {len(references)} candidate reference keys is an invoice's"
        return await _reject(uow, candidate, RejectionReason.NO_INVOICE, detail, (), now)
    if len(invoices) > 1:
        names = ", ".join(str(i.id) for i in invoices)
        detail = f"carries the references of invoices {names}: a signature pays one invoice"
        return await _reject(
            uow, candidate, RejectionReason.SEVERAL_INVOICES, detail, invoices, now
        )
    return await _verify_for(uow, invoices[0], candidate, result, now, fresh_sol_quote)


async def _verify_for(
    uow: VerifyingUnitOfWork,
    invoice: Invoice,
    candidate: Candidate,
    result: object,
    now: datetime,
    fresh_sol_quote: SolQuote | None,
) -> Verdict:
    urls = await uow.invoices.method_urls(invoice.id)
    order = sorted(urls, key=lambda currency: currency != candidate.currency)
    if not order:
        detail = "the invoice offers no way to pay"
        return await _reject(uow, candidate, RejectionReason.NOT_ACCEPTED, detail, [invoice], now)
    if candidate.currency is not None and candidate.currency not in urls:
        why = invoice.sol_withdrawn_reason or "not offered"
        detail = f"paid in {candidate.currency}, which this invoice does not accept ({why})"
        reason = RejectionReason.CURRENCY_NOT_ACCEPTED
        return await _reject(uow, candidate, reason, detail, [invoice], now)
    first_rejection: TransferRejected | None = None
    for currency in order:
        verdict = validate_transfer(
            result, expected_transfer(urls[currency]), signature=candidate.signature
        )
        if isinstance(verdict, TransferAccepted):
            return await _observe(
                uow, invoice, candidate, Currency(currency), verdict, now, fresh_sol_quote
            )
        first_rejection = first_rejection or verdict
    assert first_rejection is not None
    return await _reject(
        uow, candidate, first_rejection.reason, first_rejection.detail, [invoice], now
    )


async def _observe(
    uow: VerifyingUnitOfWork,
    invoice: Invoice,
    candidate: Candidate,
    currency: Currency,
    accepted: TransferAccepted,
    now: datetime,
    fresh_sol_quote: SolQuote | None,
) -> Verdict:
    transfer = Transfer(
        signature=accepted.signature,
        currency=currency.value,
        amount_base_units=accepted.amount,
        payer=str(accepted.payer),
        slot=accepted.slot,
        commitment=candidate.commitment,
    )
    try:
        outcome = invoice.observe_transfer(transfer, now=now, fresh_sol_quote=fresh_sol_quote)
    except DomainError as exc:  # e.g. the same signature reported with another amount
        reason = RejectionReason.NOT_ACCEPTED
        return await _reject(uow, candidate, reason, f"{exc.code}: {exc}", [invoice], now)
    await uow.invoices.save(invoice, now=now)
    events = events_for(invoice, outcome)
    await uow.emit(*events)
    names = outcome.events if isinstance(outcome, InvoiceChange) else ()
    verdict = Verdict(
        "transfer", None, f"{accepted.amount} {currency} base units", (invoice.id,), tuple(names)
    )
    _log(candidate, verdict, invoice.status.value)
    return verdict


async def _reject(
    uow: VerifyingUnitOfWork,
    candidate: Candidate,
    reason: RejectionReason,
    detail: str,
    invoices: Sequence[Invoice],
    now: datetime,
) -> Verdict:
    targets: list[Invoice | None] = [*invoices] or [None]  # None: about no invoice
    for invoice in targets:
        await uow.rejections.record(
            signature=candidate.signature,
            reason=reason.value,
            detail=detail,
            at=now,
            invoice_id=None if invoice is None else invoice.id,
            reference=None if invoice is None else invoice.reference,
        )
        if invoice is not None and reason in CUSTOMER_MISTAKES:
            await uow.emit(
                PaymentRejected(
                    invoice_id=invoice.id,
                    order_id=invoice.order_id,
                    signature=candidate.signature,
                    reason=reason.value,
                    detail=detail[:1000],
                    correlation_id=str(invoice.order_id),
                )
            )
    verdict = Verdict("rejected", reason.value, detail, tuple(i.id for i in invoices))
    _log(candidate, verdict, None)
    return verdict


def _log(candidate: Candidate, verdict: Verdict, status: str | None) -> None:
    log.info(
        "transfer verified",
        extra={
            "signature": candidate.signature,
            "invoice_ids": [str(i) for i in verdict.invoice_ids],
            "outcome": verdict.outcome,
            "reason": verdict.reason,
            "detail": verdict.detail,
            "commitment": candidate.commitment.value,
            "invoice_status": status,
            "events": list(verdict.events),
        },
    )
