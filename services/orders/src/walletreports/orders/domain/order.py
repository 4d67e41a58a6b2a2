"""The order aggregate: one wallet report (or plan) bought by one user, and its history.

Every method is one named transition. Each either
- returns a `StatusChange` (already applied: `status` changed, entry appended to
  `history`) naming the events the service must publish, or
- returns `AlreadyPast` when an event arrives for a step the order has already passed
  (a late `analysis.started`, a redelivered `analysis.finished`, an expiry after
  payment, a payment whose on-chain signature the order already recorded):
  nothing changes and nothing is published, and it is not an error, or
- returns `PaymentNeedsReview` when money arrives that the order cannot take (after
  expiry or cancellation, or a second payment): the status stays, the issue is
  appended to `payment_issues`, and staff must accept or refund it, or
- raises a `DomainError` (`IllegalTransition`, `StaffOnlyAction`, `NotOrderOwner`)
  and changes nothing.

The service persists `status`, the new `history` entry / `payment_issues` entry and the
outbox rows in one transaction. `now` is always passed in.

The aggregate carries everything a use case asks of it after loading it (a plan order's
terms, its payment issues with the ids staff name them by), so a use case asks the
order, never the repository, and never reads the order's rows a second time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from .actor import SYSTEM, Actor, ActorKind
from .catalog import ProductKind, SubscriptionPlan
from .errors import IllegalTransition, NotOrderOwner, StaffOnlyAction
from .money import Currency
from .state_machine import (
    FINISHED,
    PAID_STATUSES,
    OrderEventName,
    OrderStatus,
    check_transition,
    events_for,
)
from .timestamps import require_aware

S = OrderStatus


class PaidVia(StrEnum):
    """Why an order counts as paid; matches `OrderPaid.paid_via` in the contracts."""

    PAYMENT = "payment"
    SUBSCRIPTION = "subscription"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class PaymentReceipt:
    """Money seen on chain for this order, as payments reported it."""

    currency: Currency
    amount_base_units: int
    signature: str | None = None
    invoice_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        if isinstance(self.amount_base_units, bool) or not isinstance(self.amount_base_units, int):
            raise TypeError("amount_base_units must be an int (base units, never a float)")
        if self.amount_base_units < 0:
            raise ValueError("amount_base_units must not be negative")


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One history entry, and what the service must publish because of it."""

    order_id: uuid.UUID
    from_status: OrderStatus
    to_status: OrderStatus
    reason: str
    actor: str  # "system", "staff:<email>", "user:<id>"
    at: datetime
    events: tuple[OrderEventName, ...]


@dataclass(frozen=True, slots=True)
class AlreadyPast:
    """An idempotent no-op: the order is already at or beyond what was asked."""

    order_id: uuid.UUID
    status: OrderStatus
    requested: OrderStatus
    reason: str


class PaymentIssueKind(StrEnum):
    PAID_AFTER_EXPIRY = "paid_after_expiry"
    PAID_AFTER_CANCELLATION = "paid_after_cancellation"
    # Payments called the invoice late while the order itself had not expired yet.
    PAID_LATE = "paid_late"
    ALREADY_PAID = "already_paid"


@dataclass(frozen=True, slots=True)
class PaymentNeedsReview:
    """Money the order did not take. Staff accept it (mark paid) or refund it."""

    order_id: uuid.UUID
    order_status: OrderStatus
    kind: PaymentIssueKind
    receipt: PaymentReceipt
    at: datetime
    message: str
    # payment_issues.id, the number staff accept it by; None until it is stored (an
    # issue this transaction raised is named by the next load).
    id: int | None = None

    @property
    def staff_may_accept(self) -> bool:
        """Expired or still-open orders can be marked paid; otherwise the money goes back."""
        return self.kind in (PaymentIssueKind.PAID_AFTER_EXPIRY, PaymentIssueKind.PAID_LATE)


TransitionResult = StatusChange | AlreadyPast


@dataclass(eq=False)
class Order:
    id: uuid.UUID
    user_id: uuid.UUID
    product: str
    product_kind: ProductKind
    wallet_address: str | None  # checksummed; None for plan orders
    price_usd: Decimal
    created_at: datetime
    payment_due_by: datetime
    status: OrderStatus = S.PENDING_PAYMENT
    paid_via: PaidVia | None = None
    payment: PaymentReceipt | None = None
    covered_by_subscription_id: uuid.UUID | None = None
    # A plan order's terms as sold (None for a report): what paying for it activates,
    # even if the catalog has changed since it was placed.
    plan: SubscriptionPlan | None = None
    history: list[StatusChange] = field(default_factory=list)
    payment_issues: list[PaymentNeedsReview] = field(default_factory=list)

    def __post_init__(self) -> None:
        # A plan order without its terms could be paid for and never activate anything.
        if (self.product_kind == "subscription") != (self.plan is not None):
            raise ValueError(
                f"order {self.id}: a plan order carries its plan terms and a report none "
                f"(product_kind={self.product_kind!r}, plan={self.plan!r})"
            )
        if self.plan is not None and self.plan.code != self.product:
            raise ValueError(
                f"order {self.id} is for {self.product!r} but carries the terms of "
                f"{self.plan.code!r}"
            )

    # --- payment -------------------------------------------------------------------

    def pay(
        self, *, receipt: PaymentReceipt, now: datetime, reason: str = "payment finalized"
    ) -> StatusChange | PaymentNeedsReview | AlreadyPast:
        """`payment.finalized` for this order's invoice. The same transfer reported again
        (payments reprocessing it under a new event id) is `AlreadyPast`, not a second
        payment: staff must never be asked to refund the order's own money."""
        if (seen := self._payment_already_recorded(receipt)) is not None:
            return seen
        if self.status is S.PENDING_PAYMENT:
            change = self._apply(S.PAYMENT_RECEIVED, reason=reason, actor=SYSTEM, now=now)
            self.paid_via, self.payment = PaidVia.PAYMENT, receipt
            return change
        return self._payment_not_taken(receipt, now)

    def note_late_payment(
        self, *, receipt: PaymentReceipt, now: datetime
    ) -> PaymentNeedsReview | AlreadyPast:
        """`invoice.paid_late`: payments judged the money late; staff decide, never us.
        A transfer the order already recorded is `AlreadyPast`, as in `pay`."""
        if (seen := self._payment_already_recorded(receipt)) is not None:
            return seen
        return self._payment_not_taken(receipt, now)

    def cover_by_subscription(self, *, subscription_id: uuid.UUID, now: datetime) -> StatusChange:
        """The user's plan pays for this report: paid at once, no invoice."""
        self._refuse_unless(
            S.PENDING_PAYMENT, S.PAYMENT_RECEIVED, "only an unpaid order can be covered"
        )
        change = self._apply(
            S.PAYMENT_RECEIVED, reason="covered by subscription", actor=SYSTEM, now=now
        )
        self.paid_via, self.covered_by_subscription_id = PaidVia.SUBSCRIPTION, subscription_id
        return change

    def mark_paid_by_staff(
        self, *, by: Actor, reason: str, now: datetime, receipt: PaymentReceipt | None = None
    ) -> StatusChange:
        """Staff override for an unpaid or expired order, e.g. accepting a late payment
        (pass its `receipt` so billing counts the money)."""
        self._require_staff(by, "marking an order paid")
        # failed -> payment_received is an edge too, but it is a re-open, not a payment.
        why = "the order is already paid" if self.status in PAID_STATUSES else "it was cancelled"
        self._refuse_unless_in((S.PENDING_PAYMENT, S.EXPIRED), S.PAYMENT_RECEIVED, why)
        change = self._apply(S.PAYMENT_RECEIVED, reason=reason, actor=by, now=now)
        self.paid_via, self.payment = PaidVia.STAFF, receipt
        return change

    # --- analysis ------------------------------------------------------------------

    def start_processing(
        self, *, now: datetime, reason: str = "analysis started"
    ) -> TransitionResult:
        """`analysis.started`. Late (after the finish) or repeated: `AlreadyPast`."""
        if self.status is S.PROCESSING or self.status in FINISHED:
            return self._already_past(S.PROCESSING, "analysis already started or finished")
        self._refuse_unless(S.PAYMENT_RECEIVED, S.PROCESSING, "the order is not paid")
        return self._apply(S.PROCESSING, reason=reason, actor=SYSTEM, now=now)

    def finish(
        self, *, outcome: OrderStatus, now: datetime, reason: str = "analysis finished"
    ) -> TransitionResult:
        """`analysis.finished` (see `status_for_analysis_outcome`). Allowed straight from
        payment_received because it may overtake `analysis.started`."""
        if outcome not in FINISHED:
            raise ValueError(
                f"{outcome} is not a finished status; expected one of {sorted(FINISHED)}"
            )
        if self.status is outcome:
            return self._already_past(outcome, f"already {outcome}")
        why = None
        if self.status in FINISHED:
            why = f"it already finished as {self.status}; re-open it for a retry first"
        elif self.status is S.PENDING_PAYMENT:
            why = "the order is not paid"
        check_transition(self.status, outcome, why)
        return self._apply(outcome, reason=reason, actor=SYSTEM, now=now)

    def reopen_for_retry(self, *, by: Actor, reason: str, now: datetime) -> StatusChange:
        """Staff send a failed or partial order back to be worked on again."""
        self._require_staff(by, "re-opening an order")
        self._refuse_unless_in(
            (S.FAILED, S.PARTIAL_COMPLETE),
            S.PAYMENT_RECEIVED,
            "only failed or partially complete orders can be re-opened",
        )
        return self._apply(S.PAYMENT_RECEIVED, reason=reason, actor=by, now=now)

    def mark_permanently_failed(self, *, by: Actor, reason: str, now: datetime) -> TransitionResult:
        """The seed's "Mark as Permanent Failure": staff give up on a paid order (and
        refund it through payments). This is how a paid order is stopped, not `cancel`."""
        self._require_staff(by, "marking an order permanently failed")
        if self.status is S.FAILED:
            return self._already_past(S.FAILED, "already failed")
        self._refuse_unless_in(
            (S.PAYMENT_RECEIVED, S.PROCESSING),
            S.FAILED,
            "only a paid order that has not finished can be given up",
        )
        return self._apply(S.FAILED, reason=reason, actor=by, now=now)

    # --- ending unpaid orders ------------------------------------------------------

    def expire(self, *, now: datetime, reason: str = "payment window closed") -> TransitionResult:
        """`invoice.expired` or our own deadline. An order that left pending_payment in
        the meantime has nothing to expire: `AlreadyPast`, never an error."""
        if self.status is not S.PENDING_PAYMENT:
            return self._already_past(S.EXPIRED, f"no longer awaiting payment ({self.status})")
        return self._apply(S.EXPIRED, reason=reason, actor=SYSTEM, now=now)

    def cancel(self, *, by: Actor, reason: str, now: datetime) -> TransitionResult:
        """Before payment only: a paid order needs a refund, which is staff's decision
        (`mark_permanently_failed` plus a refund in payments)."""
        if by.kind is ActorKind.USER and by.identity != str(self.user_id):
            raise NotOrderOwner(str(self.id))
        if self.status is S.CANCELLED:
            return self._already_past(S.CANCELLED, "already cancelled")
        why = None
        if self.status in PAID_STATUSES:
            why = "the order is paid; staff refund paid orders instead of cancelling them"
        elif self.status is S.EXPIRED:
            why = "the order has expired"
        check_transition(self.status, S.CANCELLED, why)
        return self._apply(S.CANCELLED, reason=reason, actor=by, now=now)

    # --- queries -------------------------------------------------------------------

    def is_payment_overdue(self, now: datetime) -> bool:
        """Should the orders-side deadline expire it (payments' invoice.expired may not come)?"""
        require_aware(now)
        return self.status is S.PENDING_PAYMENT and now >= self.payment_due_by

    @property
    def is_paid(self) -> bool:
        return self.status in PAID_STATUSES

    def payment_issue(self, issue_id: int) -> PaymentNeedsReview | None:
        """The stored payment issue staff name by `issue_id` (payment_issues.id), or None
        when this order has no such issue (an id from another order is not found either)."""
        return next((issue for issue in self.payment_issues if issue.id == issue_id), None)

    # --- internals -----------------------------------------------------------------

    def _apply(self, to: OrderStatus, *, reason: str, actor: Actor, now: datetime) -> StatusChange:
        require_aware(now)
        if not reason.strip():
            raise ValueError("a status change needs a reason for the history")
        check_transition(self.status, to)
        change = StatusChange(
            order_id=self.id,
            from_status=self.status,
            to_status=to,
            reason=reason,
            actor=str(actor),
            at=now,
            events=events_for(self.status, to),
        )
        self.status = to
        self.history.append(change)
        return change

    def _already_past(self, requested: OrderStatus, reason: str) -> AlreadyPast:
        return AlreadyPast(order_id=self.id, status=self.status, requested=requested, reason=reason)

    def _refuse_unless(self, expected: OrderStatus, to: OrderStatus, why: str) -> None:
        self._refuse_unless_in((expected,), to, why)

    def _refuse_unless_in(
        self, expected: tuple[OrderStatus, ...], to: OrderStatus, why: str
    ) -> None:
        # Named actions are narrower than the table (e.g. mark-paid from pending is an
        # edge, but `reopen_for_retry` must not take it), so check both.
        if self.status not in expected:
            raise IllegalTransition(self.status.value, to.value, why)

    @staticmethod
    def _require_staff(by: Actor, action: str) -> None:
        if not by.is_staff:
            raise StaffOnlyAction(action, str(by))

    def _payment_already_recorded(self, receipt: PaymentReceipt) -> AlreadyPast | None:
        """A signature names one on-chain transfer: if the order took it, or already
        holds it as a payment issue, hearing of it again changes nothing."""
        signature = receipt.signature
        if not signature:
            return None  # no signature, no way to tell it is the same money
        if self.payment is not None and self.payment.signature == signature:
            where = "as the order's payment"
        elif any(issue.receipt.signature == signature for issue in self.payment_issues):
            where = "as a payment issue for staff"
        else:
            return None
        return self._already_past(
            S.PAYMENT_RECEIVED, f"payment {signature} is already recorded {where}"
        )

    def _payment_not_taken(self, receipt: PaymentReceipt, now: datetime) -> PaymentNeedsReview:
        require_aware(now)
        if self.status is S.EXPIRED:
            kind = PaymentIssueKind.PAID_AFTER_EXPIRY
            message = "payment arrived after the order expired; staff: mark it paid or refund"
        elif self.status is S.CANCELLED:
            kind = PaymentIssueKind.PAID_AFTER_CANCELLATION
            message = "payment arrived for a cancelled order; staff: refund it"
        elif self.status in PAID_STATUSES:
            kind = PaymentIssueKind.ALREADY_PAID
            message = (
                f"payment arrived for an order already paid via {self.paid_via or 'unknown'}; "
                "staff: check whether it is the same money, else refund it"
            )
        else:  # pending_payment: only note_late_payment gets here (pay() takes the money)
            kind = PaymentIssueKind.PAID_LATE
            message = "payments reported this payment as late; staff: mark it paid or refund"
        issue = PaymentNeedsReview(
            order_id=self.id,
            order_status=self.status,
            kind=kind,
            receipt=receipt,
            at=now,
            message=message,
        )
        self.payment_issues.append(issue)
        return issue
