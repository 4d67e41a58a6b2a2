"""Refunds: money an invoice received, sent back to its payer by the merchant's own hand.

Refunds are non-custodial: the service never holds the merchant's key. A refund is a
Solana Pay transfer-request URL from the merchant to the payer (`refund_url`), which
staff open in their wallet and sign. It carries its own fresh reference, so the chain
watcher finds the refund transaction by it and calls `Refund.mark_sent`.

    requested --the watcher sees the refund paid in full--> sent
    requested --staff withdraw it before it is paid------> cancelled

`sent` and `cancelled` are final. Like the invoice's, every transition returns a
`RefundChange` (applied, with the events to publish) or a `RefundNoChange` (an
idempotent repeat), or raises one of the errors below (kit Conflict / InvalidInput,
each with a stable `code`) and changes nothing. `now` is always passed in.

What may be refunded (`request_refund`): only finalized money the invoice received, in
the currency it came in, less what other refunds in that currency already ask (a
cancelled refund asks nothing), to the wallet that paid it.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

from walletreports.kit.errors import Conflict, InvalidInput

from .invoice import Arrival, Invoice, SeenTransfer, is_base58_key
from .invoice_states import InvoiceReason, InvoiceStatus
from .invoice_value import STABLECOINS
from .money import Currency, format_amount
from .solana_pay import build_transfer_request_url

__all__ = [
    "IllegalRefundTransition",
    "InvalidRefundRequest",
    "Refund",
    "RefundAlreadySent",
    "RefundChange",
    "RefundEventName",
    "RefundExceedsReceived",
    "RefundNoChange",
    "RefundNoLatePayment",
    "RefundNoPayer",
    "RefundNotOverpaid",
    "RefundNotSettled",
    "RefundNothingReceived",
    "RefundOutcome",
    "RefundReason",
    "RefundShort",
    "RefundStatus",
    "overpayment_excess",
    "refund_url",
    "request_refund",
]

SYSTEM = "system"
_STAFF_PREFIX = "staff:"


class RefundReason(StrEnum):
    OVERPAYMENT = "overpayment"
    LATE_PAYMENT = "late_payment"  # money staff did not accept (the invoice's reviews)
    STAFF_DECISION = "staff_decision"
    ANALYSIS_FAILED = "analysis_failed"  # the report could not be produced


class RefundStatus(StrEnum):
    REQUESTED = "requested"
    SENT = "sent"
    CANCELLED = "cancelled"


class RefundEventName(StrEnum):
    """What the service must publish (contracts `RefundRequested`, `RefundSent`).
    A cancellation publishes nothing: no contract has one, and nothing downstream acts on it."""

    REFUND_REQUESTED = "refund.requested"
    REFUND_SENT = "refund.sent"


# --- errors ------------------------------------------------------------------------


class InvalidRefundRequest(InvalidInput):
    """A refund request or cancellation without an actor, a note, or a positive amount."""

    code = "invalid_refund_request"


class RefundNothingReceived(Conflict):
    """The invoice has no finalized money at all: there is nothing to give back."""

    code = "refund_nothing_received"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="invoice_id")


class RefundNotOverpaid(Conflict):
    """An `overpayment` refund of an invoice that is not `paid_over`."""

    code = "refund_not_overpaid"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="reason")


class RefundNoLatePayment(Conflict):
    """A `late_payment` refund with no staff review in that currency to refund."""

    code = "refund_no_late_payment"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="reason")


class RefundNotSettled(Conflict):
    """Money not yet received for good: the invoice is neither settled nor holding
    money for staff (reviews); for `staff_decision` also not yet closed (an open invoice
    may still settle counting the very money that was refunded)."""

    code = "refund_not_settled"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="reason")


class RefundExceedsReceived(Conflict):
    """More than was received in that currency, less what other refunds already ask.
    `refundable_base_units` (in the error envelope) says how much may still be asked."""

    code = "refund_exceeds_received"

    def __init__(
        self, message: str, *, refundable_base_units: int, received_base_units: int
    ) -> None:
        super().__init__(
            message,
            field="amount_base_units",
            refundable_base_units=refundable_base_units,
            received_base_units=received_base_units,
        )
        self.refundable_base_units = refundable_base_units
        self.received_base_units = received_base_units


class RefundNoPayer(Conflict):
    """No finalized transfer in that currency names its payer: nowhere to send it."""

    code = "refund_no_payer"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="currency")


class RefundShort(InvalidInput):
    """A transfer with the refund's reference that sends less than was requested: the
    caller records it as a rejected candidate for staff; the refund stays requested."""

    code = "refund_short"

    def __init__(self, message: str, *, expected_base_units: int, sent_base_units: int) -> None:
        super().__init__(
            message,
            field="amount_base_units",
            expected_base_units=expected_base_units,
            sent_base_units=sent_base_units,
        )


class RefundAlreadySent(Conflict):
    """One refund is sent by one transaction; a second signature for it is not that."""

    code = "refund_already_sent"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="signature")


class IllegalRefundTransition(Conflict):
    """E.g. cancelling a refund that was already sent: that money has left."""

    code = "illegal_refund_transition"

    def __init__(self, from_status: RefundStatus, to_status: RefundStatus, why: str) -> None:
        super().__init__(
            f"refund cannot go from {from_status} to {to_status}: {why}", field="status"
        )
        self.from_status = from_status
        self.to_status = to_status


# --- results -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefundChange:
    """What one transition did (`from_status` None: the refund was just requested)."""

    refund_id: uuid.UUID
    from_status: RefundStatus | None
    to_status: RefundStatus
    at: datetime
    actor: str
    note: str
    events: tuple[RefundEventName, ...]


@dataclass(frozen=True, slots=True)
class RefundNoChange:
    """An idempotent repeat: nothing changed, nothing to publish."""

    refund_id: uuid.UUID
    status: RefundStatus
    why: str


RefundOutcome = RefundChange | RefundNoChange


# --- the aggregate -----------------------------------------------------------------


@dataclass(eq=False)
class Refund:
    id: uuid.UUID
    invoice_id: uuid.UUID
    order_id: uuid.UUID
    currency: Currency
    amount_base_units: int
    recipient: str  # the payer's owner wallet, base58
    reference: str  # the refund's own, so the watcher tells it from the invoice's payments
    reason: RefundReason
    note: str
    requested_by: str  # "staff:<email>" or "system"
    requested_at: datetime
    status: RefundStatus = RefundStatus.REQUESTED
    signature: str | None = None
    sent_at: datetime | None = None
    sent_amount_base_units: int | None = None
    cancelled_by: str | None = None
    cancelled_at: datetime | None = None
    cancel_note: str | None = None

    def __post_init__(self) -> None:
        _require_positive_int(self.amount_base_units, "amount_base_units")
        for name in ("recipient", "reference"):
            if not is_base58_key(getattr(self, name)):
                raise ValueError(
                    f"{name} must be a base58 32-byte key, got {getattr(self, name)!r}"
                )
        _require_aware(self.requested_at, "requested_at")
        sent = (self.signature, self.sent_at, self.sent_amount_base_units)
        if not _all_set_iff(self.status is RefundStatus.SENT, sent):
            raise ValueError("a sent refund, and only a sent one, has its signature, time, amount")
        cancelled = (self.cancelled_by, self.cancelled_at, self.cancel_note)
        if not _all_set_iff(self.status is RefundStatus.CANCELLED, cancelled):
            raise ValueError("a cancelled refund, and only a cancelled one, says by whom and why")

    @property
    def committed_base_units(self) -> int:
        """What this refund takes from the refundable money: what left, once sent (a
        wallet may have sent more than asked), else what it asks; nothing if cancelled."""
        if self.status is RefundStatus.CANCELLED:
            return 0
        if self.sent_amount_base_units is not None:
            return self.sent_amount_base_units
        return self.amount_base_units

    def mark_sent(self, signature: str, amount_base_units: int, now: datetime) -> RefundOutcome:
        """The watcher saw a finalized transfer carrying this refund's reference from the
        merchant to `recipient` in `currency` (it checked those); here: the amount."""
        if not isinstance(signature, str) or not signature:
            raise ValueError("a sent refund needs the transaction's signature")
        _require_positive_int(amount_base_units, "amount_base_units")
        _require_aware(now)
        if self.status is RefundStatus.SENT:
            if (signature, amount_base_units) == (self.signature, self.sent_amount_base_units):
                return RefundNoChange(self.id, self.status, f"already sent by {signature}")
            if signature == self.signature:
                raise RefundAlreadySent(
                    f"refund {self.id} was sent by {signature} with {self.sent_amount_base_units}"
                    f" base units, now reported as {amount_base_units}"
                )
            raise RefundAlreadySent(
                f"refund {self.id} was sent by {self.signature}; {signature} is another "
                "transaction with its reference (record it for staff)"
            )
        if self.status is RefundStatus.CANCELLED:
            raise IllegalRefundTransition(
                self.status,
                RefundStatus.SENT,
                f"it was cancelled, yet {signature} paid it: staff must look at it",
            )
        if amount_base_units < self.amount_base_units:
            raise RefundShort(
                f"transfer {signature} sends {_show(amount_base_units, self.currency)} of the "
                f"{_show(self.amount_base_units, self.currency)} requested; it stays requested",
                expected_base_units=self.amount_base_units,
                sent_base_units=amount_base_units,
            )
        self.status = RefundStatus.SENT
        self.signature, self.sent_at = signature, now
        self.sent_amount_base_units = amount_base_units
        return RefundChange(
            self.id,
            RefundStatus.REQUESTED,
            RefundStatus.SENT,
            now,
            SYSTEM,
            f"sent by {signature}",
            (RefundEventName.REFUND_SENT,),
        )

    def cancel(self, by: str, note: str, now: datetime) -> RefundOutcome:
        """Staff withdraw a refund before it is paid. Its URL may still be open in a
        wallet: if it is paid anyway, `mark_sent` refuses and staff are told."""
        _require_actor(by)
        _require_note(note)
        _require_aware(now)
        if self.status is RefundStatus.CANCELLED:
            return RefundNoChange(self.id, self.status, "already cancelled")
        if self.status is RefundStatus.SENT:
            raise IllegalRefundTransition(
                self.status, RefundStatus.CANCELLED, f"{self.signature} already sent the money"
            )
        self.status = RefundStatus.CANCELLED
        self.cancelled_by, self.cancelled_at, self.cancel_note = by, now, note
        return RefundChange(
            self.id, RefundStatus.REQUESTED, RefundStatus.CANCELLED, now, by, note, ()
        )


# --- requesting one ----------------------------------------------------------------


def request_refund(
    invoice: Invoice,
    *,
    refund_id: uuid.UUID,
    reference: str,
    currency: Currency,
    amount_base_units: int,
    reason: RefundReason,
    note: str,
    by: str,
    now: datetime,
    existing: Sequence[Refund],
) -> tuple[Refund, RefundChange]:
    """A new refund of `invoice`'s money, checked against what it received and what
    `existing` (all of this invoice's refunds) already ask. `reference` is a fresh key."""
    currency, reason = Currency(currency), RefundReason(reason)
    _require_actor(by)
    _require_note(note)
    _require_aware(now)
    if isinstance(amount_base_units, bool) or not isinstance(amount_base_units, int):
        raise TypeError("amount_base_units must be an int in base units, never a float")
    if amount_base_units <= 0:
        raise InvalidRefundRequest(
            f"a refund asks a positive amount, got {amount_base_units}", field="amount_base_units"
        )
    _check_existing(invoice, refund_id, reference, existing)

    final = [s for s in invoice.transfers.values() if s.is_final]
    if not final:
        raise RefundNothingReceived(f"invoice {invoice.id} has received no finalized money")
    _check_reason(invoice, reason, currency)
    in_currency = [s for s in final if _currency_of(s) is currency]
    received = sum(s.transfer.amount_base_units for s in in_currency)
    asked = sum(r.committed_base_units for r in existing if r.currency is currency)
    refundable = max(received - asked, 0)
    if amount_base_units > refundable:
        raise RefundExceedsReceived(
            f"a refund of {_show(amount_base_units, currency)} is more than the "
            f"{_show(refundable, currency)} refundable (received {_show(received, currency)},"
            f" other refunds ask {_show(asked, currency)})",
            refundable_base_units=refundable,
            received_base_units=received,
        )
    paid_by = _newest(s for s in in_currency if s.transfer.payer is not None)
    if paid_by is None or paid_by.transfer.payer is None:
        raise RefundNoPayer(
            f"no finalized {currency} transfer to invoice {invoice.id} names its payer"
        )

    refund = Refund(
        id=refund_id,
        invoice_id=invoice.id,
        order_id=invoice.order_id,
        currency=currency,
        amount_base_units=amount_base_units,
        recipient=paid_by.transfer.payer,
        reference=reference,
        reason=reason,
        note=note,
        requested_by=by,
        requested_at=now,
    )
    change = RefundChange(
        refund.id, None, RefundStatus.REQUESTED, now, by, note, (RefundEventName.REFUND_REQUESTED,)
    )
    return refund, change


def _check_existing(
    invoice: Invoice, refund_id: uuid.UUID, reference: str, existing: Sequence[Refund]
) -> None:
    """Caller bugs, not requests to refuse: a list of another invoice's refunds would
    let this one exceed, and a reused reference would make two transactions one."""
    if any(r.invoice_id != invoice.id for r in existing):
        raise ValueError(f"existing must hold only invoice {invoice.id}'s refunds")
    if any(r.id == refund_id for r in existing):
        raise ValueError(f"refund {refund_id} exists already")
    if reference == invoice.reference or any(r.reference == reference for r in existing):
        raise ValueError(
            "a refund's reference must be fresh, not the invoice's or another refund's"
        )


def _check_reason(invoice: Invoice, reason: RefundReason, currency: Currency) -> None:
    received = invoice.status is InvoiceStatus.SETTLED or bool(invoice.reviews)
    if reason is RefundReason.OVERPAYMENT and invoice.reason is not InvoiceReason.PAID_OVER:
        raise RefundNotOverpaid(
            f"invoice {invoice.id} is {invoice.status}/{invoice.reason or '-'}, not paid_over"
        )
    if reason is RefundReason.LATE_PAYMENT and not any(
        Currency(r.transfer.currency) is currency for r in invoice.reviews
    ):
        raise RefundNoLatePayment(f"invoice {invoice.id} holds no {currency} payment for staff")
    if reason is RefundReason.ANALYSIS_FAILED and not received:
        raise RefundNotSettled(
            f"invoice {invoice.id} is {invoice.status}: nothing was paid for the report"
        )
    # Staff may also refund a partial payment of an expired or invalid invoice, but not
    # of an open one: it would count the refunded money towards settling.
    if reason is RefundReason.STAFF_DECISION and not received and invoice.status in _OPEN:
        raise RefundNotSettled(
            f"invoice {invoice.id} is still {invoice.status} and may yet settle with this "
            "money; refund it once it is settled, expired or invalid"
        )


_OPEN = frozenset({InvoiceStatus.NEW, InvoiceStatus.PROCESSING})


# --- overpayments ------------------------------------------------------------------

# Money that went to the invoice (not to staff): counted towards it, or after settlement.
_PAID_IN = frozenset({Arrival.TIMELY, Arrival.LATE, Arrival.AFTER_SETTLEMENT})


def overpayment_excess(invoice: Invoice) -> tuple[Currency, int] | None:
    """How much of the transfer that made a `paid_over` invoice over (the newest one
    finalized) is over its price, in that transfer's base units; None when not overpaid.

    The USD over the price is converted back at the rate that transfer was valued at
    (1:1 for a stablecoin, the locked quote for a SOL transfer first seen in time) and
    rounded down to a whole base unit, capped at the transfer's amount: never more than
    was over. A SOL transfer first seen late has no rate the invoice keeps: earlier ones
    count as worth nothing (so the excess can only come out smaller), and as the newest
    one it is all excess when the money before it covered the price, else None (what
    part of it is over cannot be known exactly).
    """
    if invoice.status is not InvoiceStatus.SETTLED or invoice.reason is not InvoiceReason.PAID_OVER:
        return None
    reviewed = {r.transfer.signature for r in invoice.reviews}
    paid = [
        s
        for s in invoice.transfers.values()
        if s.is_final and s.arrival in _PAID_IN and s.signature not in reviewed
    ]
    last = _newest(paid)
    if last is None:
        return None
    currency, amount = _currency_of(last), last.transfer.amount_base_units
    before = sum(
        (_usd_value(invoice, s) or Fraction(0) for s in paid if s is not last), Fraction(0)
    )
    shortfall = Fraction(invoice.price_usd) - before
    if shortfall <= 0:
        return currency, amount
    rate = _usd_rate(invoice, last)
    if rate is None:
        return None
    unit_usd = rate / _units_per_coin(currency)
    excess = min(amount, math.floor((amount * unit_usd - shortfall) / unit_usd))
    return (currency, excess) if excess > 0 else None


def _usd_rate(invoice: Invoice, seen: SeenTransfer) -> Fraction | None:
    """USD per whole coin the invoice valued `seen` at, or None when it keeps no rate."""
    if seen.transfer.currency in STABLECOINS:
        return Fraction(1)
    method = invoice.method("SOL")
    if seen.arrival is Arrival.TIMELY and method is not None and method.quote is not None:
        return Fraction(method.quote.usd_per_sol)
    return None


def _usd_value(invoice: Invoice, seen: SeenTransfer) -> Fraction | None:
    rate = _usd_rate(invoice, seen)
    if rate is None:
        return None
    return seen.transfer.amount_base_units * rate / _units_per_coin(_currency_of(seen))


# --- the URL staff sign ------------------------------------------------------------


def refund_url(refund: Refund, *, merchant_label: str) -> str:
    """The Solana Pay URL from the merchant's wallet (whoever signs it) to the payer,
    with the refund's own reference and its id in the memo for the ledger."""
    return build_transfer_request_url(
        recipient=refund.recipient,
        currency=refund.currency,
        amount_base_units=refund.amount_base_units,
        references=[refund.reference],
        label=merchant_label,
        message=f"Refund for order {refund.order_id}",
        memo=f"refund:{refund.id}",
    )


# --- helpers -----------------------------------------------------------------------


def _currency_of(seen: SeenTransfer) -> Currency:
    return Currency(seen.transfer.currency)


def _show(base_units: int, currency: Currency) -> str:
    return f"{format_amount(base_units, currency.decimals)} {currency}"


def _all_set_iff(condition: bool, values: tuple[object, ...]) -> bool:
    """All of `values` are set when `condition` holds, and none of them otherwise."""
    return all((v is not None) is condition for v in values)


def _units_per_coin(currency: Currency) -> int:
    units: int = 10**currency.decimals  # int ** int is Any to mypy
    return units


def _newest(transfers: Iterable[SeenTransfer]) -> SeenTransfer | None:
    """The newest on chain (highest slot); within a slot, the one the service saw last."""
    ranked = [(s.transfer.slot, s.first_seen_at, i, s) for i, s in enumerate(transfers)]
    return max(ranked, key=lambda r: r[:3])[3] if ranked else None


def _require_actor(by: str) -> None:
    staff = by.startswith(_STAFF_PREFIX) and by[len(_STAFF_PREFIX) :].strip()
    if by != SYSTEM and not staff:
        raise InvalidRefundRequest(
            f'a refund names who asked: "staff:<email>" or "{SYSTEM}", got {by!r}', field="by"
        )


def _require_note(note: str) -> None:
    if not note.strip():
        raise InvalidRefundRequest("a refund needs a note saying why", field="note")


def _require_positive_int(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int in base units, never a float")
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")


def _require_aware(value: datetime, name: str = "now") -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value
