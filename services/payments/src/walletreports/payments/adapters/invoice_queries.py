"""Read models for the staff console and web's billing page, straight from the tables.

Nothing is decided here, so no domain object is built: pages of plain dicts the HTTP
answer models check (USD as Decimal, amounts in base units and in user units, ids as
UUIDs, aware datetimes). Every list is newest first, with `limit`/`offset` and the
total over all pages.

What the filters mean:
- `currency`: invoices with at least one transfer seen in that currency, at any
  commitment (what was paid, or is being paid, in it), not the currencies offered;
- `created_from` inclusive, `created_to` exclusive;
- `search`: exactly (no prefixes, no case folding: base58 is case-sensitive) an
  invoice's reference, a signature or payer of one of its transfers, or, when it is a
  UUID, the invoice's id or its order's id.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import Currency, format_amount
from .tables import invoice_history, invoices, payment_methods, rejected_candidates, transfers

__all__ = ["InvoiceFilters", "InvoiceQueries", "Page", "PageRequest", "RejectionFilters"]

FINALIZED = "finalized"
SETTLED = "settled"


@dataclass(frozen=True)
class PageRequest:
    limit: int = 50
    offset: int = 0


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


@dataclass(frozen=True)
class InvoiceFilters:
    statuses: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    currency: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    search: str | None = None


@dataclass(frozen=True)
class RejectionFilters:
    invoice_id: uuid.UUID | None = None
    reason: str | None = None
    since: datetime | None = None  # inclusive


def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _matches(search: str) -> ColumnElement[bool]:
    by_transfer = select(transfers.c.invoice_id).where(
        or_(transfers.c.signature == search, transfers.c.payer == search)
    )
    either = [invoices.c.reference == search, invoices.c.id.in_(by_transfer)]
    as_id = _as_uuid(search)
    if as_id is not None:
        either += [invoices.c.id == as_id, invoices.c.order_id == as_id]
    return or_(*either)


def _filtered(query: Select[Any], f: InvoiceFilters) -> Select[Any]:
    if f.statuses:
        query = query.where(invoices.c.status.in_(f.statuses))
    if f.reasons:
        query = query.where(invoices.c.reason.in_(f.reasons))
    if f.currency is not None:
        query = query.where(
            exists().where(
                transfers.c.invoice_id == invoices.c.id, transfers.c.currency == f.currency
            )
        )
    if f.created_from is not None:
        query = query.where(invoices.c.created_at >= f.created_from)
    if f.created_to is not None:
        query = query.where(invoices.c.created_at < f.created_to)
    if f.search is not None:
        query = query.where(_matches(f.search))
    return query


def _amount(currency: str, base_units: int) -> dict[str, Any]:
    return {
        "currency": currency,
        "amount_base_units": base_units,
        "amount": format_amount(base_units, Currency(currency).decimals),
    }


class InvoiceQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_invoices(self, filters: InvoiceFilters, page: PageRequest) -> Page:
        """Invoice summaries for the console's list."""
        total = await self._count(_filtered(select(func.count()).select_from(invoices), filters))
        rows = list(
            await self.session.execute(
                _filtered(select(invoices), filters)
                .order_by(invoices.c.created_at.desc(), invoices.c.id.desc())
                .limit(page.limit)
                .offset(page.offset)
            )
        )
        ids = [row.id for row in rows]
        offered = await self._offered(ids)
        paid = await self._paid(ids)
        last = await self._last_signatures(ids)
        items = [
            {
                "invoice_id": row.id,
                "order_id": row.order_id,
                "user_id": row.user_id,
                "status": row.status,
                "reason": row.reason,
                "price_usd": row.price_usd,
                "currencies_offered": offered.get(row.id, []),
                "paid": paid.get(row.id, []),
                "created_at": row.created_at,
                "expires_at": row.expires_at,
                "last_signature": last.get(row.id),
            }
            for row in rows
        ]
        return Page(items, total, page.limit, page.offset)

    async def rejected_candidates(self, filters: RejectionFilters, page: PageRequest) -> Page:
        """Transactions that did not pay an invoice, with the stable reason and its detail."""
        t = rejected_candidates

        def filtered(query: Select[Any]) -> Select[Any]:
            if filters.invoice_id is not None:
                query = query.where(t.c.invoice_id == filters.invoice_id)
            if filters.reason is not None:
                query = query.where(t.c.reason == filters.reason)
            if filters.since is not None:
                query = query.where(t.c.at >= filters.since)
            return query

        total = await self._count(filtered(select(func.count()).select_from(t)))
        rows = await self.session.execute(
            filtered(select(t))
            .order_by(t.c.at.desc(), t.c.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        )
        items = [
            {
                "id": row.id,
                "signature": row.signature,
                "invoice_id": row.invoice_id,
                "reference": row.reference,
                "reason": row.reason,
                "detail": row.detail,
                "at": row.at,
            }
            for row in rows
        ]
        return Page(items, total, page.limit, page.offset)

    async def payment_history(self, user_id: uuid.UUID, page: PageRequest) -> Page:
        """The user's invoices, as their billing page shows them."""
        mine = invoices.c.user_id == user_id
        total = await self._count(select(func.count()).select_from(invoices).where(mine))
        rows = list(
            await self.session.execute(
                select(invoices)
                .where(mine)
                .order_by(invoices.c.created_at.desc(), invoices.c.id.desc())
                .limit(page.limit)
                .offset(page.offset)
            )
        )
        ids = [row.id for row in rows]
        paid = await self._paid(ids)
        signatures = await self._signatures(ids)
        settled = await self._settled_at(ids)
        items = [
            {
                "invoice_id": row.id,
                "order_id": row.order_id,
                "status": row.status,
                "reason": row.reason,
                "price_usd": row.price_usd,
                "paid": paid.get(row.id, []),
                "signatures": signatures.get(row.id, []),
                "created_at": row.created_at,
                "expires_at": row.expires_at,
                "settled_at": settled.get(row.id),
            }
            for row in rows
        ]
        return Page(items, total, page.limit, page.offset)

    # --- internals -----------------------------------------------------------------

    async def _count(self, query: Select[Any]) -> int:
        count: int = (await self.session.execute(query)).scalar_one()
        return count

    async def _offered(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        found: dict[uuid.UUID, list[str]] = defaultdict(list)
        if ids:
            rows = await self.session.execute(
                select(payment_methods.c.invoice_id, payment_methods.c.currency)
                .where(payment_methods.c.invoice_id.in_(ids))
                .order_by(payment_methods.c.currency)
            )
            for row in rows:
                found[row.invoice_id].append(row.currency)
        return found

    async def _paid(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
        """Finalized money per currency (whenever it arrived: late money is money too)."""
        found: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
        if ids:
            total = func.sum(transfers.c.amount_base_units)
            rows = await self.session.execute(
                select(transfers.c.invoice_id, transfers.c.currency, total.label("total"))
                .where(transfers.c.invoice_id.in_(ids), transfers.c.commitment == FINALIZED)
                .group_by(transfers.c.invoice_id, transfers.c.currency)
                .order_by(transfers.c.currency)
            )
            for row in rows:
                found[row.invoice_id].append(_amount(row.currency, int(row.total)))
        return found

    async def _signatures(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        """Every transfer's signature, oldest first."""
        found: dict[uuid.UUID, list[str]] = defaultdict(list)
        if ids:
            rows = await self.session.execute(
                select(transfers.c.invoice_id, transfers.c.signature)
                .where(transfers.c.invoice_id.in_(ids))
                .order_by(transfers.c.first_seen_at, transfers.c.slot, transfers.c.signature)
            )
            for row in rows:
                found[row.invoice_id].append(row.signature)
        return found

    async def _last_signatures(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(transfers.c.invoice_id, transfers.c.signature)
            .ext(distinct_on(transfers.c.invoice_id))
            .where(transfers.c.invoice_id.in_(ids))
            .order_by(
                transfers.c.invoice_id,
                transfers.c.first_seen_at.desc(),
                transfers.c.slot.desc(),
                transfers.c.signature.desc(),
            )
        )
        return {row.invoice_id: row.signature for row in rows}

    async def _settled_at(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, datetime]:
        if not ids:
            return {}
        h = invoice_history
        rows = await self.session.execute(
            select(h.c.invoice_id, func.min(h.c.at).label("at"))
            .where(h.c.invoice_id.in_(ids), h.c.to_status == SETTLED, h.c.from_status != SETTLED)
            .group_by(h.c.invoice_id)
        )
        return {row.invoice_id: row.at for row in rows}
