"""What the refund use cases need from storage, as protocols the adapters (and unit-test
fakes) implement. Only what a use case calls is here."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from walletreports.contracts import Event

from ..domain import Refund
from .ports import InvoiceRepositoryPort


class RefundRepositoryPort(Protocol):
    async def add(self, refund: Refund, *, url: str) -> None:
        """Store a new refund and the Solana Pay URL staff sign for it."""

    async def get(self, refund_id: uuid.UUID, *, lock: bool = False) -> Refund | None:
        """The refund, or None; `lock` holds it until commit."""

    async def save(self, refund: Refund, *, now: datetime) -> None:
        """Write what a transition of a stored refund changed."""

    async def by_references(self, references: Iterable[str], *, lock: bool = False) -> list[Refund]:
        """Refunds whose reference is among these, locked in id order."""

    async def for_invoice(self, invoice_id: uuid.UUID, *, lock: bool = False) -> list[Refund]:
        """All of the invoice's refunds (cancelled ones too), oldest first."""


class RefundingUnitOfWork(Protocol):
    @property
    def invoices(self) -> InvoiceRepositoryPort: ...

    @property
    def refunds(self) -> RefundRepositoryPort: ...

    async def emit(self, *events: Event) -> None:
        """Publish these events if, and only if, this transaction commits."""
