"""Work on a clock: keeping the SOL/USD quote fresh (every replica keeps its own board;
the source is asked a few times a minute, well inside the quote's maximum age), closing
invoices whose payment window passed (on one replica, every few seconds), and counting
invoices by status for the metrics (every replica, so any one scraped answers)."""

from __future__ import annotations

import asyncio

from prometheus_client import Gauge

from walletreports.kit import Clock, Lease, UnitsOfWork, repeat

from ..adapters.rate_sources import QuoteBoard
from ..adapters.solana_rpc import RpcError
from ..adapters.unit_of_work import PaymentsUnitOfWork
from ..domain import InvoiceStatus
from ..service_layer import expiry
from ..service_layer.terms import InvoiceTerms
from ..service_layer.watching import ChainReader

REFRESH_SOL_QUOTE_SECONDS = 10.0


async def refresh_sol_quotes(
    sol_quotes: QuoteBoard, every_seconds: float = REFRESH_SOL_QUOTE_SECONDS
) -> None:
    # The composition root asked once at start already: the first refresh is due later.
    await asyncio.sleep(every_seconds)
    await repeat(sol_quotes.refresh, every_seconds, "refreshing the SOL/USD quote")


EXPIRY_SWEEP_SECONDS = 5.0


async def expire_invoices(
    lease: Lease,
    units: expiry.Units,
    clock: Clock,
    chain: ChainReader,
    sol_quotes: QuoteBoard,
    terms: InvoiceTerms,
    every_seconds: float = EXPIRY_SWEEP_SECONDS,
) -> None:
    async def step() -> None:
        if not lease.held:
            return
        await expiry.sweep(
            units,
            chain,
            now=clock.now(),
            fresh_sol_quote=sol_quotes.usable_quote(),
            chain_errors=(RpcError,),
            merchant=terms.merchant,
        )

    await repeat(step, every_seconds, "closing invoices past their window")


INVOICE_COUNT_SECONDS = 15.0
INVOICES = Gauge("payments_invoices", "Invoices by status", ["status"])


async def count_invoices(
    units: UnitsOfWork[PaymentsUnitOfWork], every_seconds: float = INVOICE_COUNT_SECONDS
) -> None:
    async def step() -> None:
        async with units() as uow:
            counts = await uow.invoices.counts_by_status()
        for status in InvoiceStatus:
            INVOICES.labels(status.value).set(counts.get(status.value, 0))

    await repeat(step, every_seconds, "counting invoices by status")
