"""The invoice aggregate: what one order owes, how it may be paid, and what was paid.

Every public method is one named transition. Each either
- returns an `InvoiceChange` (already applied) naming the events the service must
  publish, in order, and the transfer they are about, or
- returns `NoChange` when the call asks for nothing new (the same signature at the same
  or a lower commitment, an expiry that is not due, a cancel of a settled invoice):
  nothing changes and nothing is published, and it is not an error, or
- raises an `invoice_errors` error (kit `Conflict` / `InvalidInput`) and changes nothing.
`now` is always passed in; nothing here reads a clock or does I/O.

How transfers count (several transfers to one reference add up):
- Only finalized transfers count towards settling; processed/confirmed ones only move
  the invoice to processing and publish `payment.detected` / `payment.confirmed`.
- Each transfer is valued in USD as an exact `Decimal`: USDC and USDT at 1:1
  (base units / 10**6), SOL at the invoice's locked quote (lamports / 10**9 * rate).
  A SOL transfer first seen after `expires_at` is valued at a FRESH quote passed in by
  the caller instead (the locked one was only promised until expiry); without one it
  cannot be valued and the invoice waits for staff with reason `paid_late`.
- The sum of all counted finalized transfers, whatever their currencies, is compared
  with `price_usd`: below `price * (1 - tolerance%)` is underpaid (`paid_partial`), up
  to `price * (1 + tolerance%)` is paid (both limits inclusive), above is `paid_over`.
  The SOL method's amount is rounded up to a whole lamport, so paying exactly what was
  asked always covers, and the upper limit grows by one lamport's worth per finalized
  SOL transfer so that it is never `paid_over` either.

Timing rules (decided here):
- Lateness is judged by when the service first saw a transfer (`now` at its first
  observation, seconds after it landed), against `expires_at` and `monitoring_until`.
- A processing invoice is not expired while a transfer first seen in time may still
  finalize: the payer paid in time and finality is not theirs to hurry. At
  `monitoring_until` it expires anyway (a transfer unfinalized for that long is gone).
- A late transfer inside the monitoring window settles the invoice with reason
  `paid_late` (publishing `payment.finalized` and `invoice.paid_late`) when the total
  covers; otherwise, and always after the window or after orders cancelled, the money
  is recorded in `reviews` for staff and `invoice.paid_late` is published, while the
  invoice keeps its status.
- Money after settlement is an overpayment: reason `paid_over` (unless the invoice
  already had a reason) and `invoice.overpaid`; never a second `payment.finalized`.
- `payment.finalized` is published exactly once per invoice, `invoice.underpaid` once
  when the invoice becomes `paid_partial`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from walletreports.contracts.money import Currency

from .invoice_errors import (
    CurrencyNotAccepted,
    IllegalInvoiceTransition,
    InvalidStaffAction,
    InvoiceCancelled,
    TransferFinalized,
    TransferMismatch,
)
from .invoice_states import (
    OPEN_STATUSES,
    Commitment,
    InvoiceEventName,
    InvoiceReason,
    InvoiceStatus,
    check_transition,
)
from .invoice_value import (
    DECIMALS,
    STABLECOINS,
    acceptance_bounds,
    sol_base_units,
    stablecoin_base_units,
    usd_value,
)

__all__ = [
    "DEFAULT_EXPIRY",
    "DEFAULT_MONITORING_WINDOW",
    "FRESH_QUOTE_MAX_AGE",
    "Arrival",
    "Invoice",
    "InvoiceChange",
    "InvoiceOutcome",
    "NoChange",
    "PaymentMethod",
    "ReviewKind",
    "SeenTransfer",
    "SolQuote",
    "StaffReview",
    "StatusEntry",
    "Transfer",
    "open_invoice",
]

S = InvoiceStatus
R = InvoiceReason
E = InvoiceEventName

DEFAULT_EXPIRY = timedelta(minutes=15)
DEFAULT_MONITORING_WINDOW = timedelta(hours=24)
# A quote older than this is not fresh enough to settle a late SOL payment.
FRESH_QUOTE_MAX_AGE = timedelta(minutes=1)
SYSTEM = "system"

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _require_aware(value: datetime, name: str = "now") -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value


def _require_base_units(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int in base units, never a float")
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")


def is_base58_key(value: str) -> bool:
    """A 32-byte key in base58 (a Solana Pay reference or public key)."""
    if not 32 <= len(value) <= 44 or any(c not in _BASE58 for c in value):
        return False
    number = 0
    for char in value:
        number = number * 58 + _BASE58.index(char)
    leading_zero_bytes = len(value) - len(value.lstrip("1"))
    return leading_zero_bytes + (number.bit_length() + 7) // 8 == 32


# --- value objects -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SolQuote:
    """A USD per SOL rate as the rate source gave it, kept for audit."""

    usd_per_sol: Decimal
    confidence: Decimal
    source: str
    published_at: datetime

    def __post_init__(self) -> None:
        if not self.usd_per_sol.is_finite() or self.usd_per_sol <= 0:
            raise ValueError(f"a SOL rate must be a positive finite Decimal: {self.usd_per_sol}")
        if not self.confidence.is_finite() or self.confidence < 0:
            raise ValueError(f"a quote confidence must be >= 0: {self.confidence}")
        _require_aware(self.published_at, "published_at")

    def is_fresh(self, now: datetime) -> bool:
        return self.published_at <= now and now - self.published_at <= FRESH_QUOTE_MAX_AGE


@dataclass(frozen=True, slots=True)
class PaymentMethod:
    """One way to pay: exactly `amount_base_units` of `currency` (SOL with its quote)."""

    currency: Currency
    amount_base_units: int
    quote: SolQuote | None = None

    def __post_init__(self) -> None:
        if self.currency not in DECIMALS:
            raise ValueError(f"unknown currency {self.currency!r}")
        _require_base_units(self.amount_base_units, "amount_base_units")
        if (self.currency == "SOL") != (self.quote is not None):
            raise ValueError("a SOL method carries its locked quote and a stablecoin none")


@dataclass(frozen=True, slots=True)
class Transfer:
    """A validated on-chain transfer to this invoice's reference, at some commitment."""

    signature: str
    currency: Currency
    amount_base_units: int
    payer: str | None
    slot: int
    commitment: Commitment

    def __post_init__(self) -> None:
        if not self.signature:
            raise ValueError("a transfer needs its signature")
        _require_base_units(self.amount_base_units, "amount_base_units")
        if isinstance(self.slot, bool) or not isinstance(self.slot, int) or self.slot < 0:
            raise ValueError(f"slot must be a non-negative int, got {self.slot!r}")


class Arrival(StrEnum):
    """When the service first saw a transfer, relative to the invoice."""

    TIMELY = "timely"  # before expires_at, invoice open
    LATE = "late"  # after expires_at, inside the monitoring window
    AFTER_WINDOW = "after_window"  # at or after monitoring_until
    AFTER_CLOSE = "after_close"  # invoice invalid (cancelled or marked)
    AFTER_SETTLEMENT = "after_settlement"  # invoice already settled


@dataclass(frozen=True, slots=True)
class SeenTransfer:
    transfer: Transfer
    first_seen_at: datetime
    arrival: Arrival

    @property
    def signature(self) -> str:
        return self.transfer.signature

    @property
    def is_final(self) -> bool:
        return self.transfer.commitment is Commitment.FINALIZED


class ReviewKind(StrEnum):
    LATE_SOL_NEEDS_QUOTE = "late_sol_needs_quote"
    LATE_SHORT = "late_short"
    AFTER_WINDOW = "after_window"
    AFTER_CLOSE = "after_close"


@dataclass(frozen=True, slots=True)
class StaffReview:
    """Final money the invoice did not take: staff accept it (mark settled) or refund it."""

    kind: ReviewKind
    transfer: Transfer
    at: datetime
    message: str


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """One history entry: a status and/or reason change."""

    from_status: InvoiceStatus
    to_status: InvoiceStatus
    from_reason: InvoiceReason | None
    to_reason: InvoiceReason | None
    at: datetime
    actor: str
    note: str


@dataclass(frozen=True, slots=True)
class InvoiceChange:
    """What one transition did, and the events to publish for it (in order)."""

    invoice_id: uuid.UUID
    from_status: InvoiceStatus
    to_status: InvoiceStatus
    from_reason: InvoiceReason | None
    to_reason: InvoiceReason | None
    at: datetime
    events: tuple[InvoiceEventName, ...]
    transfer: Transfer | None = None
    review: StaffReview | None = None


@dataclass(frozen=True, slots=True)
class NoChange:
    """An idempotent no-op: nothing changed, nothing to publish."""

    invoice_id: uuid.UUID
    status: InvoiceStatus
    why: str


InvoiceOutcome = InvoiceChange | NoChange


# --- the aggregate -----------------------------------------------------------------


@dataclass(eq=False)
class Invoice:
    id: uuid.UUID
    order_id: uuid.UUID
    reference: str
    price_usd: Decimal
    created_at: datetime
    expires_at: datetime
    monitoring_until: datetime
    methods: tuple[PaymentMethod, ...]
    tolerance_percent: Decimal = Decimal(0)
    sol_withdrawn_reason: str | None = None
    status: InvoiceStatus = S.NEW
    reason: InvoiceReason | None = None
    transfers: dict[str, SeenTransfer] = field(default_factory=dict)
    dropped: list[SeenTransfer] = field(default_factory=list)
    reviews: list[StaffReview] = field(default_factory=list)
    history: list[StatusEntry] = field(default_factory=list)
    finalized_signature: str | None = None
    cancelled_at: datetime | None = None
    user_id: uuid.UUID | None = None  # whose order it is, for their payment history

    def __post_init__(self) -> None:
        if not is_base58_key(self.reference):
            raise ValueError(f"reference must be a base58 32-byte key, got {self.reference!r}")
        if not self.price_usd.is_finite() or self.price_usd <= 0:
            raise ValueError(f"price_usd must be a positive Decimal, got {self.price_usd}")
        if not Decimal(0) <= self.tolerance_percent < Decimal(100):
            raise ValueError(f"tolerance_percent must be in [0, 100), got {self.tolerance_percent}")
        for name in ("created_at", "expires_at", "monitoring_until"):
            _require_aware(getattr(self, name), name)
        if not self.created_at < self.expires_at <= self.monitoring_until:
            raise ValueError("expected created_at < expires_at <= monitoring_until")
        currencies = [m.currency for m in self.methods]
        if not currencies or len(set(currencies)) != len(currencies):
            raise ValueError(f"an invoice needs one method per currency, got {currencies}")
        if "SOL" in currencies and self.sol_withdrawn_reason is not None:
            raise ValueError("SOL is either offered or withdrawn, not both")
        for method in self.methods:
            self._check_method_covers_price(method)

    # --- queries -------------------------------------------------------------------

    def method(self, currency: Currency) -> PaymentMethod | None:
        return next((m for m in self.methods if m.currency == currency), None)

    def finalized_total_usd(self, fresh_quote: SolQuote | None = None) -> Decimal | None:
        """The USD value of the counted finalized transfers (see the module docstring);
        None when a late SOL transfer needs a fresh quote and has none. The caller
        vouches for `fresh_quote` being fresh (`observe_transfer` checks it)."""
        total = Decimal(0)
        for seen in self._counted():
            if not seen.is_final:
                continue
            value = self._usd_value(seen, fresh_quote)
            if value is None:
                return None
            total += value
        return total

    # --- transitions ---------------------------------------------------------------

    def observe_transfer(
        self, transfer: Transfer, *, now: datetime, fresh_sol_quote: SolQuote | None = None
    ) -> InvoiceOutcome:
        """A validated transfer to this reference at some commitment (watcher or
        confirm-by-signature). `fresh_sol_quote` is used only for a late SOL payment."""
        _require_aware(now)
        method = self.method(transfer.currency)
        if method is None:
            why = f" ({self.sol_withdrawn_reason})" if transfer.currency == "SOL" else ""
            raise CurrencyNotAccepted(
                f"invoice {self.id} does not accept {transfer.currency}{why}; "
                "record the transfer as a rejected candidate for staff"
            )
        previous = self.transfers.get(transfer.signature)
        if previous is not None:
            self._check_same_transfer(previous.transfer, transfer)
            if transfer.commitment.rank <= previous.transfer.commitment.rank:
                return NoChange(
                    self.id,
                    self.status,
                    f"transfer {transfer.signature} already seen at {previous.transfer.commitment}",
                )
        run = _Run(self, now)
        if previous is None:
            if self.status is S.NEW and now >= self.expires_at:
                run.move(S.EXPIRED, self.reason, "payment window closed", E.INVOICE_EXPIRED)
            seen = SeenTransfer(transfer, now, self._arrival(now))
            if seen.arrival is Arrival.TIMELY and self.status is S.NEW:
                run.move(S.PROCESSING, None, f"transfer {transfer.signature} detected")
            run.emit(E.PAYMENT_DETECTED)
            from_rank = -1
        else:
            seen = replace(previous, transfer=transfer)
            from_rank = previous.transfer.commitment.rank
        self.transfers[transfer.signature] = seen
        if from_rank < Commitment.CONFIRMED.rank <= transfer.commitment.rank:
            run.emit(E.PAYMENT_CONFIRMED)
        if seen.is_final:
            # A stale "fresh" quote is no quote: the late SOL payment waits for staff.
            fresh = fresh_sol_quote if fresh_sol_quote and fresh_sol_quote.is_fresh(now) else None
            self._on_finalized(run, seen, fresh)
        return run.result(transfer)

    def drop_transfer(self, signature: str, *, now: datetime) -> InvoiceOutcome:
        """A fork rolled back a transfer before finality: forget it, and take the
        invoice back to `new` if that transfer was all that made it processing."""
        _require_aware(now)
        seen = self.transfers.get(signature)
        if seen is None:
            return NoChange(self.id, self.status, f"transfer {signature} is not known")
        if seen.is_final:
            raise TransferFinalized(f"transfer {signature} is finalized; a fork cannot drop it")
        del self.transfers[signature]
        self.dropped.append(seen)
        run = _Run(self, now)
        if self.status is S.PROCESSING and not self._counted():
            run.move(S.NEW, None, f"transfer {signature} dropped by a fork before finality")
        return run.result(seen.transfer)

    def expire(self, *, now: datetime) -> InvoiceOutcome:
        """Close an unpaid invoice past `expires_at` (see the module docstring for a
        processing one). Anything else is `NoChange`, so a sweeper may race freely."""
        _require_aware(now)
        if self.status not in OPEN_STATUSES:
            return NoChange(self.id, self.status, f"invoice is {self.status}")
        if now < self.expires_at:
            return NoChange(self.id, self.status, f"not due until {self.expires_at.isoformat()}")
        pending = [s for s in self._counted() if not s.is_final]
        if pending and now < self.monitoring_until:
            return NoChange(
                self.id, self.status, f"transfer {pending[0].signature} may still finalize"
            )
        run = _Run(self, now)
        run.move(S.EXPIRED, self.reason, "payment window closed", E.INVOICE_EXPIRED)
        return run.result(None)

    def cancel(self, *, now: datetime) -> InvoiceOutcome:
        """Orders cancelled the order: close the invoice. Money that still arrives is
        recorded for staff (`invoice.paid_late`) and never settles it."""
        _require_aware(now)
        if self.status is S.SETTLED:
            return NoChange(self.id, self.status, "already settled; orders sends it to staff")
        if self.cancelled_at is None:
            self.cancelled_at = now
        if self.status is S.INVALID:
            return NoChange(self.id, self.status, "already invalid")
        run = _Run(self, now)
        run.move(S.INVALID, self.reason, "order cancelled")
        return run.result(None)

    def mark_settled(self, *, by: str, reason: str, now: datetime) -> InvoiceOutcome:
        """Staff accept the invoice as paid (e.g. a late or short payment they took)."""
        _require_staff_action(by, reason)
        _require_aware(now)
        if self.status is S.SETTLED:
            return NoChange(self.id, self.status, "already settled")
        if self.cancelled_at is not None:
            raise InvoiceCancelled(
                f"invoice {self.id} belongs to a cancelled order; refund its money instead"
            )
        run = _Run(self, now, actor=by)
        run.move(S.SETTLED, R.MARKED, reason, E.INVOICE_MARKED_SETTLED)
        return run.result(None)

    def mark_invalid(self, *, by: str, reason: str, now: datetime) -> InvoiceOutcome:
        """Staff reject the invoice. A settled one cannot be: its money was accepted."""
        _require_staff_action(by, reason)
        _require_aware(now)
        if self.status is S.INVALID:
            return NoChange(self.id, self.status, "already invalid")
        if self.status is S.SETTLED:
            raise IllegalInvoiceTransition(
                S.SETTLED.value, S.INVALID.value, "the invoice is settled; refund it instead"
            )
        run = _Run(self, now, actor=by)
        run.move(S.INVALID, R.MARKED, reason, E.INVOICE_MARKED_INVALID)
        return run.result(None)

    # --- internals -----------------------------------------------------------------

    def _arrival(self, now: datetime) -> Arrival:
        if self.status is S.INVALID:
            return Arrival.AFTER_CLOSE
        if self.status is S.SETTLED:
            return Arrival.AFTER_SETTLEMENT
        if now >= self.monitoring_until:
            return Arrival.AFTER_WINDOW
        if self.status is S.EXPIRED or now >= self.expires_at:
            return Arrival.LATE
        return Arrival.TIMELY

    def _counted(self) -> list[SeenTransfer]:
        """Transfers that may pay the invoice (the others go to staff)."""
        return [s for s in self.transfers.values() if s.arrival in (Arrival.TIMELY, Arrival.LATE)]

    def _usd_value(self, seen: SeenTransfer, fresh_quote: SolQuote | None) -> Decimal | None:
        transfer = seen.transfer
        if transfer.currency in STABLECOINS:
            return usd_value(transfer.currency, transfer.amount_base_units, Decimal(1))
        if seen.arrival is Arrival.TIMELY:
            quote = self._locked_sol_quote()
        elif fresh_quote is not None:
            quote = fresh_quote
        else:
            return None
        return usd_value("SOL", transfer.amount_base_units, quote.usd_per_sol)

    def _sol_rounding_slack(self, fresh_quote: SolQuote | None) -> Decimal:
        """One lamport's worth per finalized SOL transfer: a SOL amount is rounded up
        to a whole lamport, so paying exactly what was asked is never `paid_over`."""
        slack = Decimal(0)
        for seen in self._counted():
            if seen.is_final and seen.transfer.currency == "SOL":
                one_lamport = replace(seen.transfer, amount_base_units=1)
                slack += self._usd_value(replace(seen, transfer=one_lamport), fresh_quote) or 0
        return slack

    def _locked_sol_quote(self) -> SolQuote:
        method = self.method("SOL")
        assert method is not None and method.quote is not None  # checked on arrival
        return method.quote

    def _on_finalized(self, run: _Run, seen: SeenTransfer, fresh: SolQuote | None) -> None:
        transfer = seen.transfer
        if seen.arrival is Arrival.AFTER_SETTLEMENT or self.status is S.SETTLED:
            run.move(S.SETTLED, self.reason or R.PAID_OVER, "paid after settlement")
            run.emit(E.INVOICE_OVERPAID)
            return
        if seen.arrival is Arrival.AFTER_CLOSE or self.status is S.INVALID:
            run.review(ReviewKind.AFTER_CLOSE, transfer, "paid after the invoice was closed")
            return
        if seen.arrival is Arrival.AFTER_WINDOW:
            run.move(self.status, R.PAID_LATE, "paid after the monitoring window")
            run.review(ReviewKind.AFTER_WINDOW, transfer, "paid after the monitoring window")
            return
        late = self.status is S.EXPIRED or any(
            s.arrival is Arrival.LATE and s.is_final for s in self._counted()
        )
        total = self.finalized_total_usd(fresh)
        if total is None:
            run.move(self.status, R.PAID_LATE, "late SOL payment without a fresh quote")
            run.review(ReviewKind.LATE_SOL_NEEDS_QUOTE, transfer, "late SOL, no fresh quote")
            return
        least, most = acceptance_bounds(self.price_usd, self.tolerance_percent)
        most += self._sol_rounding_slack(fresh)
        if total < least:
            if self.status is S.EXPIRED:
                run.move(self.status, R.PAID_LATE, f"late payment short: {total} USD")
                run.review(ReviewKind.LATE_SHORT, transfer, f"late, {total} of {self.price_usd}")
            elif self.reason is not R.PAID_PARTIAL:
                run.move(self.status, R.PAID_PARTIAL, f"underpaid: {total} USD")
                run.emit(E.INVOICE_UNDERPAID)
            return
        reason = R.PAID_LATE if late else (R.PAID_OVER if total > most else None)
        run.move(S.SETTLED, reason, f"paid {total} USD of {self.price_usd}")
        if self.finalized_signature is None:
            self.finalized_signature = transfer.signature
            run.emit(E.PAYMENT_FINALIZED)
        if late:
            run.emit(E.INVOICE_PAID_LATE)
        if total > most:
            run.emit(E.INVOICE_OVERPAID)

    def _check_same_transfer(self, known: Transfer, reported: Transfer) -> None:
        if (known.currency, known.amount_base_units, known.payer) != (
            reported.currency,
            reported.amount_base_units,
            reported.payer,
        ):
            raise TransferMismatch(
                f"transfer {known.signature} was seen as {known.amount_base_units} "
                f"{known.currency} from {known.payer}, now reported as "
                f"{reported.amount_base_units} {reported.currency} from {reported.payer}"
            )

    def _check_method_covers_price(self, method: PaymentMethod) -> None:
        if method.quote is None:
            due = stablecoin_base_units(self.price_usd, method.currency)
            ok = method.amount_base_units == due
        else:
            value = usd_value("SOL", method.amount_base_units, method.quote.usd_per_sol)
            ok = value >= self.price_usd
        if not ok:
            raise ValueError(
                f"{method.amount_base_units} {method.currency} base units does not match "
                f"the price {self.price_usd} USD"
            )


class _Run:
    """Collects one transition's status moves, history entries and events."""

    def __init__(self, invoice: Invoice, now: datetime, actor: str = SYSTEM) -> None:
        self.invoice, self.now, self.actor = invoice, now, actor
        self.from_status, self.from_reason = invoice.status, invoice.reason
        self.events: list[InvoiceEventName] = []
        self.staff_review: StaffReview | None = None

    def move(
        self,
        to: InvoiceStatus,
        reason: InvoiceReason | None,
        note: str,
        *events: InvoiceEventName,
    ) -> None:
        invoice = self.invoice
        check_transition(invoice.status, to)
        if (to, reason) != (invoice.status, invoice.reason):
            invoice.history.append(
                StatusEntry(invoice.status, to, invoice.reason, reason, self.now, self.actor, note)
            )
            invoice.status, invoice.reason = to, reason
        self.events.extend(events)

    def emit(self, event: InvoiceEventName) -> None:
        self.events.append(event)

    def review(self, kind: ReviewKind, transfer: Transfer, message: str) -> None:
        self.staff_review = StaffReview(kind, transfer, self.now, message)
        self.invoice.reviews.append(self.staff_review)
        self.emit(E.INVOICE_PAID_LATE)

    def result(self, transfer: Transfer | None) -> InvoiceChange:
        invoice = self.invoice
        return InvoiceChange(
            invoice_id=invoice.id,
            from_status=self.from_status,
            to_status=invoice.status,
            from_reason=self.from_reason,
            to_reason=invoice.reason,
            at=self.now,
            events=tuple(self.events),
            transfer=transfer,
            review=self.staff_review,
        )


def _require_staff_action(by: str, reason: str) -> None:
    if not by.strip():
        raise InvalidStaffAction("a staff action names who took it", field="by")
    if not reason.strip():
        raise InvalidStaffAction("a staff action needs a reason for the history", field="reason")


def open_invoice(
    *,
    invoice_id: uuid.UUID,
    order_id: uuid.UUID,
    reference: str,
    price_usd: Decimal,
    now: datetime,
    currencies: tuple[Currency, ...] = ("USDC", "USDT", "SOL"),
    sol_quote: SolQuote | None = None,
    sol_withdrawn_reason: str | None = None,
    expiry: timedelta = DEFAULT_EXPIRY,
    monitoring_window: timedelta = DEFAULT_MONITORING_WINDOW,
    tolerance_percent: Decimal = Decimal(0),
    user_id: uuid.UUID | None = None,
) -> Invoice:
    """A new invoice: stablecoins at 1:1, SOL at `sol_quote` (rounded up to a lamport),
    or SOL left out with `sol_withdrawn_reason` when the rate source could not quote."""
    _require_aware(now)
    methods: list[PaymentMethod] = []
    for currency in currencies:
        if currency in STABLECOINS:
            methods.append(PaymentMethod(currency, stablecoin_base_units(price_usd, currency)))
        elif sol_quote is not None:
            lamports = sol_base_units(price_usd, sol_quote.usd_per_sol)
            methods.append(PaymentMethod("SOL", lamports, sol_quote))
        elif not sol_withdrawn_reason:
            raise ValueError("SOL needs a locked quote or the reason it is withdrawn")
    expires_at = now + expiry
    return Invoice(
        id=invoice_id,
        order_id=order_id,
        reference=reference,
        price_usd=price_usd,
        created_at=now,
        expires_at=expires_at,
        monitoring_until=expires_at + monitoring_window,
        methods=tuple(methods),
        tolerance_percent=tolerance_percent,
        sol_withdrawn_reason=None if sol_quote is not None else sol_withdrawn_reason,
        user_id=user_id,
    )
