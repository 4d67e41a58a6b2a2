"""Loading and saving the domain `Order` (with its plan terms, history and payment issues).

Everything a load reads goes onto the `Order` (its plan terms, its payment issues with
their ids), so a use case asks the order and never reads its rows a second time.

The one thing kept here is persistence bookkeeping: how much history and how many
payment issues each order had in the database when this unit of work loaded (or added)
it, so `save` appends only what the domain added since (history rows are written once
and never rewritten). It is a fact about the database, not about the order, and it
lives exactly as long as this repository's transaction, so it cannot go stale; the
domain stays free of it (an order built by hand or by `place_order` needs no count).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import (
    Currency,
    Order,
    OrderPrice,
    OrderStatus,
    PaidVia,
    PaymentIssueKind,
    PaymentNeedsReview,
    PaymentReceipt,
    StatusChange,
    SubscriptionPlan,
)
from .tables import order_history, orders, payment_issues


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # order id -> (history entries, payment issues) already in the database, for the
        # orders loaded to change (`get`) or added in this transaction
        self._stored: dict[uuid.UUID, tuple[int, int]] = {}

    async def add(
        self,
        order: Order,
        *,
        price: OrderPrice,
        user_email: str,
        placed_by: str,
    ) -> None:
        """A new order: its row as the order now is (a covered one is already paid), the
        creation history row, then the history it made since."""
        plan_terms = None if order.plan is None else order.plan.model_dump(mode="json")
        await self.session.execute(
            insert(orders).values(
                id=order.id,
                user_id=order.user_id,
                user_email=user_email,
                product=order.product,
                product_kind=order.product_kind,
                wallet_address=order.wallet_address,
                list_price_usd=price.list_price_usd,
                discount_usd=price.discount_usd,
                price_usd=price.price_usd,
                price_note=price.note,
                payment_required=price.payment_required,
                plan_terms=plan_terms,
                created_at=order.created_at,
                payment_due_by=order.payment_due_by,
                **_state(order, now=order.created_at),
            )
        )
        await self.session.execute(
            insert(order_history).values(
                order_id=order.id,
                from_status=None,
                to_status=OrderStatus.PENDING_PAYMENT.value,
                reason="order placed",
                actor=placed_by,
                at=order.created_at,
            )
        )
        self._stored[order.id] = (0, 0)
        await self._append_new(order)

    async def get(self, order_id: uuid.UUID, *, lock: bool = False) -> Order | None:
        """The order, or None. `lock` holds its row (FOR UPDATE) until the transaction ends,
        so two events or actions on one order apply one after the other."""
        query = select(orders).where(orders.c.id == order_id)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        return (await self._assemble([row]))[0]

    async def for_user(self, user_id: uuid.UUID) -> list[Order]:
        """The user's orders to read (billing), without their history, which nothing
        reading them uses. Not to be saved: load an order with `get` to change it."""
        rows = (
            await self.session.execute(
                select(orders).where(orders.c.user_id == user_id).order_by(orders.c.created_at)
            )
        ).all()
        return await self._assemble(rows, with_history=False)

    async def save(self, order: Order, *, now: datetime) -> None:
        """Write the order's current state and append its new history and payment issues.
        Only an order this transaction loaded with `get` (or added) can be saved."""
        if order.id not in self._stored:
            raise ValueError(
                f"order {order.id} was not loaded to be changed in this unit of work; "
                "load it with get() (for_user() reads it without its history)"
            )
        await self.session.execute(
            update(orders).where(orders.c.id == order.id).values(**_state(order, now=now))
        )
        await self._append_new(order)

    async def _append_new(self, order: Order) -> None:
        """Insert the history and payment issues the order gained since it was stored."""
        history_done, issues_done = self._stored[order.id]
        new_history = order.history[history_done:]
        if new_history:
            await self.session.execute(
                insert(order_history),
                [
                    {
                        "order_id": order.id,
                        "from_status": change.from_status.value,
                        "to_status": change.to_status.value,
                        "reason": change.reason,
                        "actor": change.actor,
                        "at": change.at,
                    }
                    for change in new_history
                ],
            )
        new_issues = order.payment_issues[issues_done:]
        if new_issues:
            await self.session.execute(insert(payment_issues), [_issue_row(i) for i in new_issues])
        self._stored[order.id] = (len(order.history), len(order.payment_issues))

    async def _assemble(self, rows: Iterable[Any], *, with_history: bool = True) -> list[Order]:
        rows = list(rows)
        ids = [row.id for row in rows]
        if not ids:
            return []
        history = await self._history(ids) if with_history else defaultdict(list)
        issues: dict[uuid.UUID, list[PaymentNeedsReview]] = defaultdict(list)
        for i in await self.session.execute(
            select(payment_issues)
            .where(payment_issues.c.order_id.in_(ids))
            .order_by(payment_issues.c.id)
        ):
            issues[i.order_id].append(issue_from_row(i))
        found = []
        for row in rows:
            order = _order_from_row(row, history[row.id], issues[row.id])
            if with_history:  # else `save` could not tell which history is new
                self._stored[order.id] = (len(order.history), len(order.payment_issues))
            found.append(order)
        return found

    async def _history(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[StatusChange]]:
        history: dict[uuid.UUID, list[StatusChange]] = defaultdict(list)
        for h in await self.session.execute(
            select(order_history)
            .where(order_history.c.order_id.in_(ids), order_history.c.from_status.is_not(None))
            .order_by(order_history.c.id)
        ):
            history[h.order_id].append(
                StatusChange(
                    order_id=h.order_id,
                    from_status=OrderStatus(h.from_status),
                    to_status=OrderStatus(h.to_status),
                    reason=h.reason,
                    actor=h.actor,
                    at=h.at,
                    events=(),  # published when it happened
                )
            )
        return history


def receipt_from_issue_row(row: Any) -> PaymentReceipt:
    return PaymentReceipt(
        currency=Currency(row.currency),
        amount_base_units=row.amount_base_units,
        signature=row.signature,
        invoice_id=row.invoice_id,
    )


def issue_from_row(row: Any) -> PaymentNeedsReview:
    return PaymentNeedsReview(
        order_id=row.order_id,
        order_status=OrderStatus(row.order_status),
        kind=PaymentIssueKind(row.kind),
        receipt=receipt_from_issue_row(row),
        at=row.at,
        message=row.message,
        id=row.id,
    )


def _state(order: Order, *, now: datetime) -> dict[str, Any]:
    """The columns a transition may change."""
    payment = order.payment
    return {
        "status": order.status.value,
        "paid_via": None if order.paid_via is None else order.paid_via.value,
        "covered_by_subscription_id": order.covered_by_subscription_id,
        "payment_currency": None if payment is None else payment.currency.value,
        "payment_base_units": None if payment is None else payment.amount_base_units,
        "payment_signature": None if payment is None else payment.signature,
        "payment_invoice_id": None if payment is None else payment.invoice_id,
        "updated_at": now,
    }


def _issue_row(issue: PaymentNeedsReview) -> dict[str, Any]:
    return {
        "order_id": issue.order_id,
        "kind": issue.kind.value,
        "order_status": issue.order_status.value,
        "currency": issue.receipt.currency.value,
        "amount_base_units": issue.receipt.amount_base_units,
        "signature": issue.receipt.signature,
        "invoice_id": issue.receipt.invoice_id,
        "message": issue.message,
        "at": issue.at,
    }


def _order_from_row(
    row: Any, history: list[StatusChange], issues: list[PaymentNeedsReview]
) -> Order:
    payment = None
    if row.payment_currency is not None:
        payment = PaymentReceipt(
            currency=Currency(row.payment_currency),
            amount_base_units=row.payment_base_units,
            signature=row.payment_signature,
            invoice_id=row.payment_invoice_id,
        )
    return Order(
        id=row.id,
        user_id=row.user_id,
        product=row.product,
        product_kind=row.product_kind,
        wallet_address=row.wallet_address,
        price_usd=row.price_usd,
        created_at=row.created_at,
        payment_due_by=row.payment_due_by,
        status=OrderStatus(row.status),
        paid_via=None if row.paid_via is None else PaidVia(row.paid_via),
        payment=payment,
        covered_by_subscription_id=row.covered_by_subscription_id,
        plan=None if row.plan_terms is None else SubscriptionPlan.model_validate(row.plan_terms),
        history=history,
        payment_issues=issues,
    )
