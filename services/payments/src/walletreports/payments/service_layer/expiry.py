"""Closing invoices whose payment window has passed, with one last look on chain.

Before an invoice that saw no payment expires, its reference is looked up once
(`getSignaturesForAddress(reference)`: the per-reference lookup, used only here and
for one invoice at a time). It finds what the watcher cannot see because it did not
reach a receiving account — a payment in another mint, to another recipient — and
records each with its reason for staff; and it would catch a payment the watcher
missed. When the chain cannot be asked, the invoice waits for the next sweep rather
than expiring on a guess (a payer who paid in time must not be made late by our
outage).

The domain decides what expires (`Invoice.expire`): an invoice with a transfer that may
still finalize stays open until the monitoring window ends.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..domain import Invoice, InvoiceStatus, SolQuote
from .candidates import Candidate
from .publishing import events_for
from .verification import verify
from .watch_ports import VerifyingInvoicesPort, WatchingUnitOfWork
from .watching import ChainReader

log = logging.getLogger(__name__)

# How many of a reference's transactions the last look reads: a reference is fresh per
# invoice, so more than a handful means someone is spamming it.
LAST_LOOK_LIMIT = 20


class ExpiringInvoicesPort(VerifyingInvoicesPort, Protocol):
    async def due_for_expiry(
        self, *, now: datetime, after: uuid.UUID | None, limit: int
    ) -> list[uuid.UUID]:
        """Open invoices past expires_at, in id order after `after`."""


class ExpiringUnitOfWork(WatchingUnitOfWork, Protocol):
    @property
    def invoices(self) -> ExpiringInvoicesPort: ...


Units = Callable[[], AbstractAsyncContextManager[ExpiringUnitOfWork]]


@dataclass
class SweepReport:
    expired: int = 0
    still_open: int = 0
    looked_up: int = 0
    deferred: int = 0


async def sweep(
    units: Units,
    chain: ChainReader,
    *,
    now: datetime,
    fresh_sol_quote: SolQuote | None,
    chain_errors: tuple[type[Exception], ...],
    merchant: str | None = None,
    batch: int = 100,
) -> SweepReport:
    report = SweepReport()
    after: uuid.UUID | None = None
    while True:
        async with units() as uow:
            due = await uow.invoices.due_for_expiry(now=now, after=after, limit=batch)
        for invoice_id in due:
            await _expire_one(
                units, chain, invoice_id, now, fresh_sol_quote, chain_errors, merchant, report
            )
        if len(due) < batch:
            return report
        after = due[-1]


async def _expire_one(
    units: Units,
    chain: ChainReader,
    invoice_id: uuid.UUID,
    now: datetime,
    fresh_sol_quote: SolQuote | None,
    chain_errors: tuple[type[Exception], ...],
    merchant: str | None,
    report: SweepReport,
) -> None:
    async with units() as uow:
        invoice = await uow.invoices.get(invoice_id)
    if invoice is None:
        return
    if invoice.status is InvoiceStatus.NEW and not invoice.transfers:
        try:
            await _last_look(units, chain, invoice, now, fresh_sol_quote, merchant)
        except chain_errors as error:
            log.warning("invoice %s stays open: its last look failed (%s)", invoice_id, error)
            report.deferred += 1
            return
        report.looked_up += 1
    async with units() as uow:
        invoice = await uow.invoices.get(invoice_id, lock=True)
        if invoice is None:
            return
        outcome = invoice.expire(now=now)
        await uow.invoices.save(invoice, now=now)
        events = events_for(invoice, outcome)
        await uow.emit(*events)
    if events:
        report.expired += 1
    else:
        report.still_open += 1


async def _last_look(
    units: Units,
    chain: ChainReader,
    invoice: Invoice,
    now: datetime,
    fresh_sol_quote: SolQuote | None,
    merchant: str | None,
) -> None:
    listing = await chain.signatures_for_address(invoice.reference, limit=LAST_LOOK_LIMIT)
    for info in reversed(listing):
        result = await chain.transaction(info.signature, commitment="confirmed")
        if result is None:
            continue
        candidate = Candidate(info.signature, info.slot, info.confirmation)
        async with units() as uow:
            await verify(
                uow, candidate, result, now=now, fresh_sol_quote=fresh_sol_quote, merchant=merchant
            )
