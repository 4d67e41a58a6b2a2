"""What verification and the chain watcher need from storage and from the chain, as
protocols the adapters (and unit-test fakes) implement."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol

from walletreports.contracts import Event

from ..domain import Commitment, Invoice
from .refund_ports import RefundRepositoryPort


class VerifyingInvoicesPort(Protocol):
    async def get(self, invoice_id: uuid.UUID, *, lock: bool = False) -> Invoice | None:
        """The invoice, or None."""

    async def by_references(
        self, references: Iterable[str], *, lock: bool = False
    ) -> list[Invoice]:
        """Invoices whose reference is among these, locked in id order."""

    async def by_signature(self, signature: str, *, lock: bool = False) -> Invoice | None:
        """The invoice a transfer with this signature pays, if any."""

    async def first_created_at(self) -> datetime | None:
        """When the first invoice was opened."""

    async def method_urls(self, invoice_id: uuid.UUID) -> dict[str, str]:
        """Currency -> the Solana Pay URL the invoice promised."""

    async def save(self, invoice: Invoice, *, now: datetime) -> None:
        """Write an invoice loaded here and what it gained."""


class RejectionsPort(Protocol):
    async def record(
        self,
        *,
        signature: str,
        reason: str,
        detail: str,
        at: datetime,
        invoice_id: uuid.UUID | None = None,
        reference: str | None = None,
    ) -> None:
        """Keep a rejected candidate for staff (once per signature and reference)."""


class CursorPort(Protocol):
    @property
    def account(self) -> str: ...
    @property
    def until_signature(self) -> str | None: ...
    @property
    def until_slot(self) -> int | None: ...


class WatchedPort(Protocol):
    @property
    def signature(self) -> str: ...
    @property
    def slot(self) -> int: ...
    @property
    def commitment(self) -> Commitment: ...
    @property
    def outcome(self) -> str: ...


class WatchPort(Protocol):
    async def cursor(self, account: str) -> CursorPort | None: ...

    async def start(self, account: str, *, now: datetime) -> None: ...

    async def advance(self, account: str, *, signature: str, slot: int, now: datetime) -> None: ...

    async def watched(self, account: str) -> Mapping[str, WatchedPort]: ...

    async def mark(
        self,
        account: str,
        *,
        signature: str,
        slot: int,
        commitment: Commitment,
        outcome: str,
        now: datetime,
    ) -> None: ...

    async def forget(self, account: str, signatures: Iterable[str]) -> None: ...


class VerifyingUnitOfWork(Protocol):
    @property
    def invoices(self) -> VerifyingInvoicesPort: ...

    @property
    def refunds(self) -> RefundRepositoryPort: ...

    @property
    def rejections(self) -> RejectionsPort: ...

    async def emit(self, *events: Event) -> None: ...


class WatchingUnitOfWork(VerifyingUnitOfWork, Protocol):
    @property
    def watch(self) -> WatchPort: ...
