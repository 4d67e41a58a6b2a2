"""Loading and saving the domain `Refund`, and the pages of refunds the console lists.

A refund's Solana Pay URL is stored beside it when it is requested (`add`) and never
changes: it is the promise staff sign, even if the label is reconfigured later. The
domain `Refund` does not carry it; `urls` reads it for the answers that show it.

Several refunds are locked in id order, so two transactions locking the same refunds
cannot deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import Currency, Refund, RefundReason, RefundStatus
from .tables import refunds

__all__ = ["RefundFilters", "RefundListing", "RefundRepository"]


@dataclass(frozen=True)
class RefundFilters:
    status: RefundStatus | None = None
    invoice_id: uuid.UUID | None = None


@dataclass(frozen=True)
class RefundListing:
    """One page of refunds, newest first, and how many match over all pages."""

    items: list[Refund]
    total: int
    limit: int
    offset: int


class RefundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, refund: Refund, *, url: str) -> None:
        """A new refund with the Solana Pay URL staff sign for it."""
        await self.session.execute(
            insert(refunds).values(
                id=refund.id,
                invoice_id=refund.invoice_id,
                order_id=refund.order_id,
                currency=refund.currency.value,
                amount_base_units=refund.amount_base_units,
                recipient=refund.recipient,
                reference=refund.reference,
                reason=refund.reason.value,
                note=refund.note,
                requested_by=refund.requested_by,
                requested_at=refund.requested_at,
                url=url,
                **_state(refund, now=refund.requested_at),
            )
        )

    async def get(self, refund_id: uuid.UUID, *, lock: bool = False) -> Refund | None:
        found = await self._where(refunds.c.id == refund_id, lock=lock)
        return found[0] if found else None

    async def save(self, refund: Refund, *, now: datetime) -> None:
        """Write what a transition changed (sent or cancelled)."""
        await self.session.execute(
            update(refunds).where(refunds.c.id == refund.id).values(**_state(refund, now=now))
        )

    async def by_references(self, references: Iterable[str], *, lock: bool = False) -> list[Refund]:
        """The refunds whose reference is among `references`."""
        wanted = list(references)
        if not wanted:
            return []
        return await self._where(refunds.c.reference.in_(wanted), lock=lock)

    async def for_invoice(self, invoice_id: uuid.UUID, *, lock: bool = False) -> list[Refund]:
        """All of the invoice's refunds, oldest first (cancelled ones too)."""
        found = await self._where(refunds.c.invoice_id == invoice_id, lock=lock)
        return sorted(found, key=lambda r: (r.requested_at, r.id))

    async def urls(self, refund_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Refund id -> the Solana Pay URL it was requested with."""
        wanted = list(refund_ids)
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(refunds.c.id, refunds.c.url).where(refunds.c.id.in_(wanted))
        )
        return {row.id: row.url for row in rows}

    async def listing(self, filters: RefundFilters, *, limit: int, offset: int) -> RefundListing:
        """The console's list: newest first, filters combined (AND)."""
        total: int = (
            await self.session.execute(
                _filtered(select(func.count()).select_from(refunds), filters)
            )
        ).scalar_one()
        rows = await self.session.execute(
            _filtered(select(refunds), filters)
            .order_by(refunds.c.requested_at.desc(), refunds.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return RefundListing([_refund(row) for row in rows], total, limit, offset)

    # --- internals -----------------------------------------------------------------

    async def _where(self, where: ColumnElement[bool], *, lock: bool) -> list[Refund]:
        query = select(refunds).where(where).order_by(refunds.c.id)
        if lock:
            query = query.with_for_update()
        return [_refund(row) for row in await self.session.execute(query)]


def _filtered(query: Select[Any], filters: RefundFilters) -> Select[Any]:
    if filters.status is not None:
        query = query.where(refunds.c.status == filters.status.value)
    if filters.invoice_id is not None:
        query = query.where(refunds.c.invoice_id == filters.invoice_id)
    return query


def _state(refund: Refund, *, now: datetime) -> dict[str, Any]:
    """The columns a transition may change."""
    return {
        "status": refund.status.value,
        "signature": refund.signature,
        "sent_amount_base_units": refund.sent_amount_base_units,
        "sent_at": refund.sent_at,
        "cancelled_by": refund.cancelled_by,
        "cancelled_at": refund.cancelled_at,
        "cancel_note": refund.cancel_note,
        "updated_at": now,
    }


def _refund(row: Any) -> Refund:
    # Built as the domain builds it, so its checks run on what the database holds.
    return Refund(
        id=row.id,
        invoice_id=row.invoice_id,
        order_id=row.order_id,
        currency=Currency(row.currency),
        amount_base_units=row.amount_base_units,
        recipient=row.recipient,
        reference=row.reference,
        reason=RefundReason(row.reason),
        note=row.note,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        status=RefundStatus(row.status),
        signature=row.signature,
        sent_at=row.sent_at,
        sent_amount_base_units=row.sent_amount_base_units,
        cancelled_by=row.cancelled_by,
        cancelled_at=row.cancelled_at,
        cancel_note=row.cancel_note,
    )
