"""Read models: orders and subscriptions as the APIs show them, straight from the tables.

Reads do not go through the domain (nothing is decided here). Values come out JSON-ready:
USD as strings ("25.00", never a float), base units as integers, times in ISO 8601.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import order_history, orders, payment_issues, subscriptions


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _id(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def order_summary(row: Any) -> dict[str, Any]:
    payment = None
    if row.payment_currency is not None:
        payment = {
            "currency": row.payment_currency,
            "amount_base_units": row.payment_base_units,
            "signature": row.payment_signature,
            "invoice_id": _id(row.payment_invoice_id),
        }
    return {
        "id": str(row.id),
        "user_id": str(row.user_id),
        "user_email": row.user_email,
        "product": row.product,
        "product_kind": row.product_kind,
        "wallet_address": row.wallet_address,
        "status": row.status,
        "price": {
            "list_price_usd": str(row.list_price_usd),
            "discount_usd": str(row.discount_usd),
            "price_usd": str(row.price_usd),
            "note": row.price_note,
        },
        "payment_required": row.payment_required,
        "paid_via": row.paid_via,
        "covered_by_subscription_id": _id(row.covered_by_subscription_id),
        "payment": payment,
        "created_at": _time(row.created_at),
        "payment_due_by": _time(row.payment_due_by),
        "updated_at": _time(row.updated_at),
    }


def _history_entry(row: Any) -> dict[str, Any]:
    return {
        "from_status": row.from_status,
        "to_status": row.to_status,
        "reason": row.reason,
        "actor": row.actor,
        "at": _time(row.at),
    }


def _issue_entry(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "order_status": row.order_status,
        "currency": row.currency,
        "amount_base_units": row.amount_base_units,
        "signature": row.signature,
        "invoice_id": _id(row.invoice_id),
        "message": row.message,
        "at": _time(row.at),
    }


async def order_detail(session: AsyncSession, order_id: uuid.UUID) -> dict[str, Any] | None:
    """The order with its whole history and any payment it did not take."""
    row = (await session.execute(select(orders).where(orders.c.id == order_id))).first()
    if row is None:
        return None
    history = await session.execute(
        select(order_history)
        .where(order_history.c.order_id == order_id)
        .order_by(order_history.c.id)
    )
    issues = await session.execute(
        select(payment_issues)
        .where(payment_issues.c.order_id == order_id)
        .order_by(payment_issues.c.id)
    )
    return {
        **order_summary(row),
        "history": [_history_entry(h) for h in history],
        "payment_issues": [_issue_entry(i) for i in issues],
    }


@dataclass(frozen=True)
class OrderFilters:
    statuses: tuple[str, ...] = ()
    product: str | None = None
    user_id: uuid.UUID | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    # One box for staff: an order id (or its start), a wallet (or its start), an email.
    search: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
        }


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(query: Select[Any], f: OrderFilters) -> Select[Any]:
    if f.statuses:
        query = query.where(orders.c.status.in_(f.statuses))
    if f.product:
        query = query.where(orders.c.product == f.product)
    if f.user_id:
        query = query.where(orders.c.user_id == f.user_id)
    if f.created_from:
        query = query.where(orders.c.created_at >= f.created_from)
    if f.created_to:
        query = query.where(orders.c.created_at < f.created_to)
    if f.search:
        needle = _escape_like(f.search.strip().lower())
        query = query.where(
            or_(
                cast(orders.c.id, String).like(f"{needle}%", escape="\\"),
                func.lower(orders.c.wallet_address).like(f"{needle}%", escape="\\"),
                func.lower(orders.c.user_email).like(f"%{needle}%", escape="\\"),
            )
        )
    return query


async def search_orders(session: AsyncSession, f: OrderFilters, *, limit: int, offset: int) -> Page:
    total = (
        await session.execute(_filtered(select(func.count()).select_from(orders), f))
    ).scalar_one()
    rows = await session.execute(
        _filtered(select(orders), f)
        .order_by(orders.c.created_at.desc(), orders.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return Page([order_summary(r) for r in rows], total, limit, offset)


def subscription_entry(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "user_id": str(row.user_id),
        "plan": row.plan,
        "status": row.status,
        "starts_at": _time(row.starts_at),
        "expires_at": _time(row.expires_at),
        "reports_included": row.reports_included,
        "reports_used": row.reports_used,
        "report_discount_percent": row.report_discount_percent,
    }


async def list_subscriptions(
    session: AsyncSession, *, status: str | None, user_id: uuid.UUID | None, limit: int, offset: int
) -> Page:
    t = subscriptions

    def filtered(query: Select[Any]) -> Select[Any]:
        if status:
            query = query.where(t.c.status == status)
        if user_id:
            query = query.where(t.c.user_id == user_id)
        return query

    total = (await session.execute(filtered(select(func.count()).select_from(t)))).scalar_one()
    rows = await session.execute(
        filtered(select(t)).order_by(t.c.expires_at.desc(), t.c.id).limit(limit).offset(offset)
    )
    return Page([subscription_entry(r) for r in rows], total, limit, offset)


class OrderViews:
    """The read side, as the unit of work offers it (`uow.views`)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def order_detail(self, order_id: uuid.UUID) -> dict[str, Any] | None:
        return await order_detail(self.session, order_id)

    async def search_orders(self, f: OrderFilters, *, limit: int, offset: int) -> Page:
        return await search_orders(self.session, f, limit=limit, offset=offset)

    async def list_subscriptions(
        self, *, status: str | None, user_id: uuid.UUID | None, limit: int, offset: int
    ) -> Page:
        return await list_subscriptions(
            self.session, status=status, user_id=user_id, limit=limit, offset=offset
        )
