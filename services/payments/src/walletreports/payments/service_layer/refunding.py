"""Refunds through the service: staff ask for one, or the system does when an order's
analysis failed for good; staff may withdraw one before it is paid; the chain watcher
sees it paid and marks it sent.

- `request`: checked by the domain (`request_refund`) against the invoice's finalized
  money and its other refunds, with a fresh reference and the Solana Pay URL from the
  merchant to the payer (`refund_url`), stored with it; publishes `refund.requested`.
  An `overpayment` refund without an amount asks the excess (`overpayment_excess`) less
  what other overpayment refunds already ask.
- `cancel`: staff withdraw it (nothing is published: no contract has it).
- `for_failed_analysis`: everything still refundable, per currency received, back to the
  payer (reason `analysis_failed`, by "system"). Idempotent: a currency that already has
  an `analysis_failed` refund that is not cancelled gets none, so a redelivered event or
  a second failure announcement asks nothing twice.
- `observe_refund_transfer`: the watcher found a transaction carrying a refund's
  reference (verification.verify looks for refunds first). It must move the refund's
  currency to the payer with the refund's memo, from the merchant's own wallet. Before
  finality it only says so (outcome "refund", which the watcher records and promotes);
  finalized, the refund is sent and `refund.sent` published. Anything else is a
  rejected candidate for staff, with the refund's reference.

A refund locks its invoice and then the invoice's refunds (`request`), or only itself
(the watcher, `cancel`), so two of them never wait on each other in a circle.
"""

from __future__ import annotations

import copy
import logging
import uuid
from datetime import datetime

from solders.pubkey import Pubkey

from walletreports.kit.errors import DomainError

from ..domain import (
    Commitment,
    Currency,
    ExpectedTransfer,
    InvalidRefundRequest,
    Invoice,
    InvoiceReason,
    Refund,
    RefundChange,
    RefundNotOverpaid,
    RefundOutcome,
    RefundReason,
    RefundStatus,
    RejectionReason,
    TransferAccepted,
    TransferRejected,
    overpayment_excess,
    references_in,
    refund_url,
    request_refund,
    validate_transfer,
)
from .candidates import Candidate, Verdict
from .errors import InvoiceNotFound
from .invoicing import new_reference
from .refund_errors import OverpaymentNotRefundable, RefundNotFound
from .refund_ports import RefundingUnitOfWork
from .refund_publishing import refund_events
from .watch_ports import VerifyingUnitOfWork

__all__ = [
    "NOT_FROM_MERCHANT",
    "cancel",
    "for_failed_analysis",
    "observe_final_refund",
    "observe_refund_transfer",
    "refund_memo",
    "request",
]

log = logging.getLogger("walletreports.payments.refunding")

SYSTEM = "system"
# The rejection code of a transaction that pays a refund from someone else's wallet.
NOT_FROM_MERCHANT = RejectionReason.REFUND_NOT_FROM_MERCHANT.value


def refund_memo(refund: Refund) -> str:
    """The memo `refund_url` puts in the URL, which the refund transaction must carry."""
    return f"refund:{refund.id}"


# --- asking and withdrawing --------------------------------------------------------


async def request(
    uow: RefundingUnitOfWork,
    *,
    invoice_id: uuid.UUID,
    currency: Currency,
    amount_base_units: int | None,
    reason: RefundReason,
    note: str,
    by: str,
    now: datetime,
    label: str,
) -> Refund:
    """A new refund of the invoice's money; `amount_base_units=None` only for an
    overpayment (its excess). `by` is "staff:<email>" or "system"."""
    invoice = await uow.invoices.get(invoice_id, lock=True)
    if invoice is None:
        raise InvoiceNotFound.by_id(invoice_id)
    existing = await uow.refunds.for_invoice(invoice_id, lock=True)
    currency, reason = Currency(currency), RefundReason(reason)
    if amount_base_units is None:
        amount_base_units = _excess_to_refund(invoice, currency, reason, existing)
    return await _request(
        uow,
        invoice,
        existing,
        currency=currency,
        amount_base_units=amount_base_units,
        reason=reason,
        note=note,
        by=by,
        now=now,
        label=label,
    )


async def cancel(
    uow: RefundingUnitOfWork, *, refund_id: uuid.UUID, by: str, note: str, now: datetime
) -> RefundOutcome:
    """Staff withdraw a refund that was not sent; a second cancel is a NoChange."""
    refund = await uow.refunds.get(refund_id, lock=True)
    if refund is None:
        raise RefundNotFound.by_id(refund_id)
    outcome = refund.cancel(by, note, now)
    if isinstance(outcome, RefundChange):
        await uow.refunds.save(refund, now=now)
        await uow.emit(*refund_events(refund, outcome))
    return outcome


async def for_failed_analysis(
    uow: RefundingUnitOfWork, *, order_id: uuid.UUID, now: datetime, label: str
) -> list[Refund]:
    """The refunds asked because the order's report could not be produced (none when the
    order has no invoice, the invoice no finalized money, or they were asked already)."""
    invoice = await uow.invoices.for_order(order_id, lock=True)
    if invoice is None:
        return []
    existing = await uow.refunds.for_invoice(invoice.id, lock=True)
    received = _received(invoice)
    asked: list[Refund] = []
    for currency in Currency:
        if currency not in received or any(
            r.currency is currency
            and r.reason is RefundReason.ANALYSIS_FAILED
            and r.status is not RefundStatus.CANCELLED
            for r in existing
        ):
            continue
        committed = sum(r.committed_base_units for r in existing if r.currency is currency)
        refundable = received[currency] - committed
        if refundable <= 0:
            continue
        refund = await _request(
            uow,
            invoice,
            existing,
            currency=currency,
            amount_base_units=refundable,
            reason=RefundReason.ANALYSIS_FAILED,
            note=f"the analysis of order {order_id} failed: no report was produced",
            by=SYSTEM,
            now=now,
            label=label,
        )
        existing.append(refund)
        asked.append(refund)
    return asked


async def _request(
    uow: RefundingUnitOfWork,
    invoice: Invoice,
    existing: list[Refund],
    *,
    currency: Currency,
    amount_base_units: int,
    reason: RefundReason,
    note: str,
    by: str,
    now: datetime,
    label: str,
) -> Refund:
    refund, change = request_refund(
        invoice,
        refund_id=uuid.uuid4(),
        reference=new_reference(),
        currency=currency,
        amount_base_units=amount_base_units,
        reason=reason,
        note=note,
        by=by,
        now=now,
        existing=existing,
    )
    await uow.refunds.add(refund, url=refund_url(refund, merchant_label=label))
    await uow.emit(*refund_events(refund, change))
    log.info(
        "refund requested",
        extra={
            "refund_id": str(refund.id),
            "invoice_id": str(refund.invoice_id),
            "currency": refund.currency.value,
            "amount_base_units": refund.amount_base_units,
            "reason": refund.reason.value,
            "by": by,
        },
    )
    return refund


def _excess_to_refund(
    invoice: Invoice, currency: Currency, reason: RefundReason, existing: list[Refund]
) -> int:
    if reason is not RefundReason.OVERPAYMENT:
        raise InvalidRefundRequest(
            f"a {reason} refund names its amount_base_units (only an overpayment refund"
            " may leave it out: it asks the excess)",
            field="amount_base_units",
        )
    if invoice.reason is not InvoiceReason.PAID_OVER:
        raise RefundNotOverpaid(
            f"invoice {invoice.id} is {invoice.status}/{invoice.reason or '-'}, not paid_over"
        )
    excess = overpayment_excess(invoice)
    if excess is None:
        raise OverpaymentNotRefundable(
            f"how much of invoice {invoice.id}'s payments is over its price cannot be known"
            " exactly (SOL that came late has no rate): name amount_base_units",
            field="amount_base_units",
        )
    excess_currency, excess_units = excess
    if excess_currency is not currency:
        raise OverpaymentNotRefundable(
            f"invoice {invoice.id} was overpaid in {excess_currency}, not in {currency}",
            field="currency",
        )
    asked = sum(
        r.committed_base_units
        for r in existing
        if r.reason is RefundReason.OVERPAYMENT and r.currency is currency
    )
    if excess_units - asked <= 0:
        raise OverpaymentNotRefundable(
            f"the excess of invoice {invoice.id} ({excess_units} {currency} base units) is"
            " asked by its other overpayment refunds already",
            field="amount_base_units",
        )
    return excess_units - asked


def _received(invoice: Invoice) -> dict[Currency, int]:
    """Finalized money per currency, whenever it arrived."""
    received: dict[Currency, int] = {}
    for seen in invoice.transfers.values():
        if seen.is_final:
            currency = Currency(seen.transfer.currency)
            received[currency] = received.get(currency, 0) + seen.transfer.amount_base_units
    return received


# --- the watcher sees a refund paid ------------------------------------------------


async def observe_refund_transfer(
    uow: VerifyingUnitOfWork,
    refund: Refund,
    candidate: Candidate,
    result: object,
    *,
    merchant: str,
    now: datetime,
) -> Verdict:
    """Judge the getTransaction `result`, which carries `refund`'s reference, and apply
    it; the caller commits."""
    currency = refund.currency
    expected = ExpectedTransfer(
        recipient=Pubkey.from_string(refund.recipient),
        mint=currency.mint,
        decimals=currency.decimals,
        reference=Pubkey.from_string(refund.reference),
        memo=refund_memo(refund),
    )
    judged = validate_transfer(result, expected, signature=candidate.signature)
    if not isinstance(judged, TransferAccepted):
        return await _reject(uow, refund, candidate, judged.reason.value, judged.detail, now)
    if str(judged.payer) != merchant:
        detail = (
            f"paid by {judged.payer}, not by the merchant {merchant}: a refund is sent from"
            " the merchant's own wallet"
        )
        return await _reject(uow, refund, candidate, NOT_FROM_MERCHANT, detail, now)
    final = candidate.commitment is Commitment.FINALIZED
    # Before finality nothing is stored; the domain is asked on a copy whether it would
    # take this transaction (the amount, a cancelled refund), so a refusal shows at once.
    target = refund if final else copy.deepcopy(refund)
    try:
        outcome = target.mark_sent(candidate.signature, judged.amount, now)
    except DomainError as exc:
        return await _reject(uow, refund, candidate, exc.code, str(exc), now)
    names: tuple[str, ...] = ()
    if final and isinstance(outcome, RefundChange):
        await uow.refunds.save(refund, now=now)
        await uow.emit(*refund_events(refund, outcome))
        names = outcome.events
    detail = f"{judged.amount} {currency} base units"
    verdict = Verdict("refund", None, detail, (refund.invoice_id,), names)
    _log(candidate, refund, verdict)
    return verdict


async def observe_final_refund(
    uow: VerifyingUnitOfWork,
    candidate: Candidate,
    result: object,
    *,
    merchant: str,
    now: datetime,
) -> Verdict | None:
    """The watcher promotes a refund transaction it saw before finality: judged again on
    the finalized `result`. None when it carries no single refund's reference."""
    found = references_in(result)
    if isinstance(found, TransferRejected):
        return None
    refunds = await uow.refunds.by_references([str(key) for key in found], lock=True)
    if len(refunds) != 1:
        return None
    return await observe_refund_transfer(
        uow, refunds[0], candidate, result, merchant=merchant, now=now
    )


async def _reject(
    uow: VerifyingUnitOfWork,
    refund: Refund,
    candidate: Candidate,
    reason: str,
    detail: str,
    now: datetime,
) -> Verdict:
    await uow.rejections.record(
        signature=candidate.signature,
        reason=reason,
        detail=detail,
        at=now,
        invoice_id=refund.invoice_id,
        reference=refund.reference,
    )
    verdict = Verdict("rejected", reason, detail, (refund.invoice_id,))
    _log(candidate, refund, verdict)
    return verdict


def _log(candidate: Candidate, refund: Refund, verdict: Verdict) -> None:
    log.info(
        "refund transfer verified",
        extra={
            "signature": candidate.signature,
            "refund_id": str(refund.id),
            "invoice_ids": [str(i) for i in verdict.invoice_ids],
            "outcome": verdict.outcome,
            "reason": verdict.reason,
            "detail": verdict.detail,
            "commitment": candidate.commitment.value,
            "refund_status": refund.status.value,
            "events": list(verdict.events),
        },
    )
