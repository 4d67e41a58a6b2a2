"""What the use cases need from storage, as protocols the adapters (and unit-test fakes)
implement. Only what a use case calls is here."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from walletreports.contracts import Event

from ..domain import Invoice


class InvoiceRepositoryPort(Protocol):
    async def add(self, invoice: Invoice, *, urls: Mapping[str, str]) -> None:
        """Store a new invoice and the Solana Pay URL of each of its methods."""

    async def get(self, invoice_id: uuid.UUID, *, lock: bool = False) -> Invoice | None:
        """The invoice with everything on it, or None; `lock` holds it until commit."""

    async def for_order(self, order_id: uuid.UUID, *, lock: bool = False) -> Invoice | None:
        """The order's invoice (there is at most one), or None."""

    async def method_urls(self, invoice_id: uuid.UUID) -> dict[str, str]:
        """Currency -> the URL the invoice promised."""

    async def save(self, invoice: Invoice, *, now: datetime) -> None:
        """Write an invoice loaded with `get`/`for_order` (or added) and what it gained."""


class PaymentsUnitOfWorkPort(Protocol):
    @property
    def invoices(self) -> InvoiceRepositoryPort: ...

    async def emit(self, *events: Event) -> None:
        """Publish these events if, and only if, this transaction commits."""
