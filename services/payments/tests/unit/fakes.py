"""In-memory stand-ins for the payments unit of work and its repositories (cosmicpython's
fakes), so service-layer tests run in milliseconds and without a database.

They keep the real adapters' semantics where a use case could tell the difference:
- invoices come back as copies (a change is stored only by `save`); only an invoice
  loaded with `get`/`for_order` (or added) may be saved;
- one invoice per order and one per reference (the UNIQUE columns), and a signature
  pays at most one invoice (the unique index on transfers.signature);
- history, staff reviews and dropped transfers are append-only, as the repository
  only appends them;
- lock flags change nothing (one test, one task) but are recorded, so a test can check
  that a use case locks what it changes.

`FakeUnitOfWork` collects emitted events; used as `async with uow:` it commits on a clean
exit (`committed`) and on an exception rolls back the repositories and the events, as
the real transaction would. A later port (rejections, refunds, ...) adds its fake here
and to `FakeUnitOfWork._parts`.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from walletreports.contracts import Event
from walletreports.devkit.testing.fake_unit_of_work import FakeUnitOfWorkBase
from walletreports.payments.domain import Invoice, Refund
from walletreports.payments.service_layer.ports import PaymentsUnitOfWorkPort
from walletreports.payments.service_layer.refund_ports import RefundingUnitOfWork

E = TypeVar("E", bound=Event)


class Load(NamedTuple):
    invoice_id: uuid.UUID
    lock: bool


class Save(NamedTuple):
    invoice_id: uuid.UUID
    now: datetime


class FakeInvoiceRepository:
    def __init__(self, *invoices: Invoice, urls: Mapping[str, str] | None = None) -> None:
        self._rows: dict[uuid.UUID, Invoice] = {}
        self._urls: dict[uuid.UUID, dict[str, str]] = {}
        # Invoices this unit of work may save (loaded, or added).
        self._loaded: set[uuid.UUID] = set()
        self.loads: list[Load] = []
        self.saves: list[Save] = []
        for invoice in invoices:
            self._insert(invoice, urls or _default_urls(invoice))

    # --- the port ------------------------------------------------------------------

    async def add(self, invoice: Invoice, *, urls: Mapping[str, str]) -> None:
        missing = {m.currency for m in invoice.methods} - set(urls)
        if missing:
            raise KeyError(f"no URL for {sorted(missing)}")
        self._insert(invoice, urls)
        self._loaded.add(invoice.id)

    async def get(self, invoice_id: uuid.UUID, *, lock: bool = False) -> Invoice | None:
        self.loads.append(Load(invoice_id, lock))
        return self._load(self._rows.get(invoice_id))

    async def for_order(self, order_id: uuid.UUID, *, lock: bool = False) -> Invoice | None:
        row = next((i for i in self._rows.values() if i.order_id == order_id), None)
        if row is not None:
            self.loads.append(Load(row.id, lock))
        return self._load(row)

    async def method_urls(self, invoice_id: uuid.UUID) -> dict[str, str]:
        return dict(self._urls.get(invoice_id, {}))

    async def save(self, invoice: Invoice, *, now: datetime) -> None:
        if invoice.id not in self._loaded:
            raise ValueError(f"invoice {invoice.id} was not loaded in this unit of work")
        before = self._rows[invoice.id]
        for name in ("history", "reviews", "dropped"):
            old, new = getattr(before, name), getattr(invoice, name)
            if new[: len(old)] != old:
                raise AssertionError(f"invoice {invoice.id}: saved {name} rewrites stored {name}")
        self._check_signatures_unique(invoice)
        self._rows[invoice.id] = copy.deepcopy(invoice)
        self.saves.append(Save(invoice.id, now))

    # --- for tests -----------------------------------------------------------------

    def stored(self, invoice_id: uuid.UUID) -> Invoice:
        """The invoice as the database would now hold it."""
        return copy.deepcopy(self._rows[invoice_id])

    @property
    def ids(self) -> list[uuid.UUID]:
        return list(self._rows)

    # --- internals -----------------------------------------------------------------

    def _insert(self, invoice: Invoice, urls: Mapping[str, str]) -> None:
        for other in self._rows.values():
            if invoice.id == other.id:
                raise ValueError(f"invoice {invoice.id} exists already (primary key)")
            if invoice.order_id == other.order_id:
                raise ValueError(f"order {invoice.order_id} has an invoice already (unique)")
            if invoice.reference == other.reference:
                raise ValueError(f"reference {invoice.reference} is taken (unique)")
        self._check_signatures_unique(invoice)
        self._rows[invoice.id] = copy.deepcopy(invoice)
        self._urls[invoice.id] = dict(urls)

    def _load(self, row: Invoice | None) -> Invoice | None:
        if row is None:
            return None
        self._loaded.add(row.id)
        return copy.deepcopy(row)

    def _check_signatures_unique(self, invoice: Invoice) -> None:
        for other in self._rows.values():
            if other.id != invoice.id and (taken := other.transfers.keys() & invoice.transfers):
                raise ValueError(f"signature {sorted(taken)[0]} paid invoice {other.id} (unique)")


def _default_urls(invoice: Invoice) -> dict[str, str]:
    return {m.currency: f"solana:{invoice.reference}?{m.currency}" for m in invoice.methods}


class RefundLoad(NamedTuple):
    refund_id: uuid.UUID
    lock: bool


class FakeRefundRepository:
    """Refunds as the repository keeps them: copies; one per id, per reference and per
    signature (the UNIQUE columns); the URL stored with each; only a loaded (or added)
    refund may be saved."""

    def __init__(self) -> None:
        self._rows: dict[uuid.UUID, Refund] = {}
        self._urls: dict[uuid.UUID, str] = {}
        self._loaded: set[uuid.UUID] = set()
        self.loads: list[RefundLoad] = []
        self.saves: list[uuid.UUID] = []

    async def add(self, refund: Refund, *, url: str) -> None:
        for other in self._rows.values():
            if refund.id == other.id:
                raise ValueError(f"refund {refund.id} exists already (primary key)")
            if refund.reference == other.reference:
                raise ValueError(f"reference {refund.reference} is taken (unique)")
        self._rows[refund.id] = copy.deepcopy(refund)
        self._urls[refund.id] = url
        self._loaded.add(refund.id)

    async def get(self, refund_id: uuid.UUID, *, lock: bool = False) -> Refund | None:
        row = self._rows.get(refund_id)
        return None if row is None else self._load(row, lock)

    async def save(self, refund: Refund, *, now: datetime) -> None:
        if refund.id not in self._loaded:
            raise ValueError(f"refund {refund.id} was not loaded in this unit of work")
        signature = refund.signature
        if signature is not None and any(
            o.signature == signature and o.id != refund.id for o in self._rows.values()
        ):
            raise ValueError(f"signature {signature} sent another refund (unique)")
        self._rows[refund.id] = copy.deepcopy(refund)
        self.saves.append(refund.id)

    async def by_references(self, references: Iterable[str], *, lock: bool = False) -> list[Refund]:
        wanted = set(references)
        rows = sorted((r for r in self._rows.values() if r.reference in wanted), key=_by_id)
        return [self._load(r, lock) for r in rows]

    async def for_invoice(self, invoice_id: uuid.UUID, *, lock: bool = False) -> list[Refund]:
        rows = [r for r in self._rows.values() if r.invoice_id == invoice_id]
        rows.sort(key=lambda r: (r.requested_at, r.id))
        return [self._load(r, lock) for r in rows]

    async def urls(self, refund_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        return {i: self._urls[i] for i in refund_ids if i in self._urls}

    # --- for tests -----------------------------------------------------------------

    def stored(self, refund_id: uuid.UUID) -> Refund:
        return copy.deepcopy(self._rows[refund_id])

    def all(self) -> list[Refund]:
        return [copy.deepcopy(r) for r in self._rows.values()]

    def url(self, refund_id: uuid.UUID) -> str:
        return self._urls[refund_id]

    def _load(self, row: Refund, lock: bool) -> Refund:
        self._loaded.add(row.id)
        self.loads.append(RefundLoad(row.id, lock))
        return copy.deepcopy(row)


def _by_id(refund: Refund) -> uuid.UUID:
    return refund.id


class FakeRejectionRepository:
    """Rejected candidates, one per signature and reference (the unique index)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

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
        if any((r["signature"], r["reference"]) == (signature, reference) for r in self.rows):
            return
        self.rows.append(
            {
                "signature": signature,
                "reason": reason,
                "detail": detail,
                "at": at,
                "invoice_id": invoice_id,
                "reference": reference,
            }
        )


class FakeUnitOfWork(FakeUnitOfWorkBase):
    def __init__(
        self,
        *,
        invoices: FakeInvoiceRepository | None = None,
        refunds: FakeRefundRepository | None = None,
        rejections: FakeRejectionRepository | None = None,
    ) -> None:
        super().__init__()
        self.invoices = invoices or FakeInvoiceRepository()
        self.refunds = refunds or FakeRefundRepository()
        self.rejections = rejections or FakeRejectionRepository()

    def _parts(self) -> list[object]:
        return [self.invoices, self.refunds, self.rejections]


def unit_of_work(*invoices: Invoice) -> FakeUnitOfWork:
    return FakeUnitOfWork(invoices=FakeInvoiceRepository(*invoices))


def as_port(uow: FakeUnitOfWork) -> PaymentsUnitOfWorkPort:
    """The fake where the port is expected: a type checker proves it has the port's shape."""
    return uow


def as_refunding_port(uow: FakeUnitOfWork) -> RefundingUnitOfWork:
    """The fake where the refund use cases' port is expected."""
    return uow
