"""Loading and saving the domain `Invoice` (methods, transfers, history, reviews).

A load puts everything on the `Invoice`, so a use case asks the invoice and never reads
its rows again. The bookkeeping kept here is about the database, not the invoice: which
transfers, and how much history, dropped transfers and reviews each invoice had when
this unit of work loaded (or added) it, so `save` updates what changed and appends only
what the domain added. It lives as long as this repository's transaction.

A transfer new to the invoice is INSERTed, never upserted: when its signature already
paid another invoice the unique index refuses it and the transaction fails (an upsert
would quietly move or keep the other invoice's row).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import (
    Arrival,
    Commitment,
    Invoice,
    InvoiceReason,
    InvoiceStatus,
    PaymentMethod,
    ReviewKind,
    SeenTransfer,
    SolQuote,
    StaffReview,
    StatusEntry,
    Transfer,
)
from .tables import (
    dropped_transfers,
    invoice_history,
    invoices,
    payment_methods,
    staff_reviews,
    transfers,
)


@dataclass
class _Stored:
    signatures: set[str]
    history: int
    dropped: int
    reviews: int


class InvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._stored: dict[uuid.UUID, _Stored] = {}

    async def add(self, invoice: Invoice, *, urls: Mapping[str, str]) -> None:
        """A new invoice with its methods, each with the Solana Pay URL it promised."""
        await self.session.execute(
            insert(invoices).values(
                id=invoice.id,
                order_id=invoice.order_id,
                user_id=invoice.user_id,
                reference=invoice.reference,
                price_usd=invoice.price_usd,
                tolerance_percent=invoice.tolerance_percent,
                sol_withdrawn_reason=invoice.sol_withdrawn_reason,
                created_at=invoice.created_at,
                expires_at=invoice.expires_at,
                monitoring_until=invoice.monitoring_until,
                **_state(invoice, now=invoice.created_at),
            )
        )
        await self.session.execute(
            insert(payment_methods),
            [_method_row(invoice.id, m, urls[m.currency]) for m in invoice.methods],
        )
        self._stored[invoice.id] = _Stored(set(), 0, 0, 0)
        await self._write_new(invoice)

    async def get(self, invoice_id: uuid.UUID, *, lock: bool = False) -> Invoice | None:
        """The invoice, or None; `lock` holds its row until the transaction ends."""
        return await self._one(invoices.c.id == invoice_id, lock)

    async def for_order(self, order_id: uuid.UUID, *, lock: bool = False) -> Invoice | None:
        return await self._one(invoices.c.order_id == order_id, lock)

    async def by_references(
        self, references: Iterable[str], *, lock: bool = False
    ) -> list[Invoice]:
        """The invoices whose reference is among `references` (locked in id order, so
        two transactions locking the same invoices cannot deadlock)."""
        wanted = list(references)
        if not wanted:
            return []
        query = (
            select(invoices.c.id).where(invoices.c.reference.in_(wanted)).order_by(invoices.c.id)
        )
        ids = list((await self.session.execute(query)).scalars())
        found = [await self.get(invoice_id, lock=lock) for invoice_id in ids]
        return [invoice for invoice in found if invoice is not None]

    async def by_signature(self, signature: str, *, lock: bool = False) -> Invoice | None:
        """The invoice a transfer with this signature pays (there is at most one)."""
        query = select(transfers.c.invoice_id).where(transfers.c.signature == signature)
        invoice_id = (await self.session.execute(query)).scalar_one_or_none()
        return None if invoice_id is None else await self.get(invoice_id, lock=lock)

    async def due_for_expiry(
        self, *, now: datetime, after: uuid.UUID | None, limit: int
    ) -> list[uuid.UUID]:
        """Open invoices whose window has passed, in id order after `after` (the
        domain decides whether each expires: a pending transfer keeps one open)."""
        query = (
            select(invoices.c.id)
            .where(invoices.c.status.in_(["new", "processing"]), invoices.c.expires_at <= now)
            .order_by(invoices.c.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(invoices.c.id > after)
        return list((await self.session.execute(query)).scalars())

    async def counts_by_status(self) -> dict[str, int]:
        """How many invoices are in each status (for the metrics)."""
        query = select(invoices.c.status, func.count()).group_by(invoices.c.status)
        return {status: count for status, count in await self.session.execute(query)}

    async def first_created_at(self) -> datetime | None:
        """When the first invoice was opened: history before it cannot pay any."""
        first: datetime | None = (
            await self.session.execute(select(func.min(invoices.c.created_at)))
        ).scalar()
        return first

    async def method_urls(self, invoice_id: uuid.UUID) -> dict[str, str]:
        """Currency -> the Solana Pay URL the invoice promised for it."""
        rows = await self.session.execute(
            select(payment_methods.c.currency, payment_methods.c.url).where(
                payment_methods.c.invoice_id == invoice_id
            )
        )
        return {row.currency: row.url for row in rows}

    async def save(self, invoice: Invoice, *, now: datetime) -> None:
        """Write the invoice's state and what it gained; only one loaded (or added) here."""
        if invoice.id not in self._stored:
            raise ValueError(f"invoice {invoice.id} was not loaded in this unit of work")
        await self.session.execute(
            update(invoices).where(invoices.c.id == invoice.id).values(**_state(invoice, now=now))
        )
        await self._write_new(invoice)

    # --- internals -----------------------------------------------------------------

    async def _write_new(self, invoice: Invoice) -> None:
        stored = self._stored[invoice.id]
        gone = stored.signatures - invoice.transfers.keys()
        if gone:
            await self.session.execute(
                delete(transfers).where(
                    transfers.c.invoice_id == invoice.id, transfers.c.signature.in_(gone)
                )
            )
        for signature, seen in invoice.transfers.items():
            row = _transfer_row(seen)
            if signature in stored.signatures:
                await self.session.execute(
                    update(transfers)
                    .where(transfers.c.signature == signature, transfers.c.invoice_id == invoice.id)
                    .values(**row)
                )
            else:
                await self.session.execute(
                    insert(transfers).values(signature=signature, invoice_id=invoice.id, **row)
                )
        await self._append(
            dropped_transfers,
            [
                {"invoice_id": invoice.id, "signature": s.signature, **_transfer_row(s)}
                for s in invoice.dropped[stored.dropped :]
            ],
        )
        await self._append(
            invoice_history,
            [_history_row(invoice.id, h) for h in invoice.history[stored.history :]],
        )
        await self._append(
            staff_reviews, [_review_row(invoice.id, r) for r in invoice.reviews[stored.reviews :]]
        )
        self._stored[invoice.id] = _Stored(
            set(invoice.transfers), len(invoice.history), len(invoice.dropped), len(invoice.reviews)
        )

    async def _append(self, table: Any, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(table), rows)

    async def _one(self, where: Any, lock: bool) -> Invoice | None:
        query = select(invoices).where(where)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        invoice = await self._assemble(row)
        self._stored[invoice.id] = _Stored(
            set(invoice.transfers), len(invoice.history), len(invoice.dropped), len(invoice.reviews)
        )
        return invoice

    async def _rows(self, table: Any, invoice_id: uuid.UUID, *order_by: Any) -> list[Any]:
        query = select(table).where(table.c.invoice_id == invoice_id).order_by(*order_by)
        return list(await self.session.execute(query))

    async def _assemble(self, row: Any) -> Invoice:
        methods = await self._rows(payment_methods, row.id, payment_methods.c.currency)
        seen = {
            t.signature: _seen(t)
            for t in await self._rows(transfers, row.id, transfers.c.first_seen_at)
        }
        dropped = [_seen(t) for t in await self._rows(dropped_transfers, row.id, "id")]
        history = [_entry(h) for h in await self._rows(invoice_history, row.id, "id")]
        reviews = [
            StaffReview(ReviewKind(r.kind), seen[r.signature].transfer, r.at, r.message)
            for r in await self._rows(staff_reviews, row.id, "id")
        ]
        # Built as the domain builds it (its checks run), then given its stored state.
        invoice = Invoice(
            id=row.id,
            order_id=row.order_id,
            reference=row.reference,
            price_usd=row.price_usd,
            created_at=row.created_at,
            expires_at=row.expires_at,
            monitoring_until=row.monitoring_until,
            methods=tuple(_method(m) for m in methods),
            tolerance_percent=row.tolerance_percent,
            sol_withdrawn_reason=row.sol_withdrawn_reason,
            status=InvoiceStatus(row.status),
            reason=None if row.reason is None else InvoiceReason(row.reason),
            transfers=seen,
            dropped=dropped,
            reviews=reviews,
            history=history,
            finalized_signature=row.finalized_signature,
            cancelled_at=row.cancelled_at,
            user_id=row.user_id,
        )
        return invoice


def _state(invoice: Invoice, *, now: datetime) -> dict[str, Any]:
    """The columns a transition may change."""
    return {
        "status": invoice.status.value,
        "reason": None if invoice.reason is None else invoice.reason.value,
        "finalized_signature": invoice.finalized_signature,
        "cancelled_at": invoice.cancelled_at,
        "updated_at": now,
    }


def _method_row(invoice_id: uuid.UUID, method: PaymentMethod, url: str) -> dict[str, Any]:
    quote = method.quote
    return {
        "invoice_id": invoice_id,
        "currency": method.currency,
        "amount_base_units": method.amount_base_units,
        "url": url,
        "usd_per_sol": None if quote is None else quote.usd_per_sol,
        "quote_confidence": None if quote is None else quote.confidence,
        "quote_source": None if quote is None else quote.source,
        "quote_published_at": None if quote is None else quote.published_at,
    }


def _method(row: Any) -> PaymentMethod:
    quote = None
    if row.usd_per_sol is not None:
        quote = SolQuote(
            usd_per_sol=row.usd_per_sol,
            confidence=row.quote_confidence,
            source=row.quote_source,
            published_at=row.quote_published_at,
        )
    return PaymentMethod(row.currency, row.amount_base_units, quote)


def _transfer_row(seen: SeenTransfer) -> dict[str, Any]:
    t = seen.transfer
    return {
        "currency": t.currency,
        "amount_base_units": t.amount_base_units,
        "payer": t.payer,
        "slot": t.slot,
        "commitment": t.commitment.value,
        "first_seen_at": seen.first_seen_at,
        "arrival": seen.arrival.value,
    }


def _seen(row: Any) -> SeenTransfer:
    transfer = Transfer(
        signature=row.signature,
        currency=row.currency,
        amount_base_units=row.amount_base_units,
        payer=row.payer,
        slot=row.slot,
        commitment=Commitment(row.commitment),
    )
    return SeenTransfer(transfer, row.first_seen_at, Arrival(row.arrival))


def _history_row(invoice_id: uuid.UUID, entry: StatusEntry) -> dict[str, Any]:
    return {
        "invoice_id": invoice_id,
        "from_status": entry.from_status.value,
        "to_status": entry.to_status.value,
        "from_reason": None if entry.from_reason is None else entry.from_reason.value,
        "to_reason": None if entry.to_reason is None else entry.to_reason.value,
        "actor": entry.actor,
        "note": entry.note,
        "at": entry.at,
    }


def _entry(row: Any) -> StatusEntry:
    return StatusEntry(
        from_status=InvoiceStatus(row.from_status),
        to_status=InvoiceStatus(row.to_status),
        from_reason=None if row.from_reason is None else InvoiceReason(row.from_reason),
        to_reason=None if row.to_reason is None else InvoiceReason(row.to_reason),
        at=row.at,
        actor=row.actor,
        note=row.note,
    )


def _review_row(invoice_id: uuid.UUID, review: StaffReview) -> dict[str, Any]:
    return {
        "invoice_id": invoice_id,
        "kind": review.kind.value,
        "signature": review.transfer.signature,
        "message": review.message,
        "at": review.at,
    }
