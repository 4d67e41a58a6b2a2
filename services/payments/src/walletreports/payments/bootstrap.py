"""The payments composition root: what the service builds once at start, beside what
the kit provides (settings, units, clock, database, jetstream).

- `terms`: the merchant's invoice terms from the settings (checked there at start).
- `sol_quotes`: the board that keeps the latest SOL/USD quote from the configured rate
  source (refreshed by `entrypoints.schedule.refresh_sol_quotes`), judged when an invoice
  opens. The HTTP client the Pyth source reads with is closed when the service stops.
- `chain`: the Solana RPC the watcher and confirm-by-signature read; `receiving`: the
  merchant's three receiving accounts; `watcher_health`: how the watcher is doing,
  which /readyz reports beside a cheap call of the RPC (check "rpc").
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx

from walletreports.kit import Platform

from .adapters.rate_sources import FixedRateSource, PythOnchainSource, QuoteBoard, RateSource
from .adapters.solana_rpc import RpcError, SolanaRpc
from .domain import ReceivingAccount, receiving_accounts
from .domain.quote_policy import QuotePolicy
from .service_layer.terms import InvoiceTerms
from .service_layer.watch_health import WatcherHealth
from .settings import PaymentsSettings


@dataclass(frozen=True)
class PaymentsCollaborators:
    terms: InvoiceTerms
    sol_quotes: QuoteBoard
    chain: SolanaRpc
    receiving: tuple[ReceivingAccount, ...]
    watcher_health: WatcherHealth


@contextlib.asynccontextmanager
async def bootstrap(platform: Platform[PaymentsSettings]) -> AsyncIterator[PaymentsCollaborators]:
    settings = platform.settings
    async with contextlib.AsyncExitStack() as stack:
        source: RateSource | None = None
        if settings.sol_rate_source == "pyth":
            http = await stack.enter_async_context(httpx.AsyncClient())
            source = PythOnchainSource(
                http=http, rpc_url=settings.solana_rpc_url, account=settings.pyth_price_account
            )
        elif settings.sol_fixed_usd is not None:
            source = FixedRateSource(settings.sol_fixed_usd, clock=platform.clock)
        policy = QuotePolicy(max_age=timedelta(seconds=settings.sol_quote_max_age_seconds))
        board = QuoteBoard(source, policy=policy, clock=platform.clock)
        await board.refresh()  # invoices opened right after start are priced too
        rpc_http = await stack.enter_async_context(httpx.AsyncClient())
        chain = SolanaRpc(
            http=rpc_http, rpc_url=settings.solana_rpc_url, timeout=settings.rpc_timeout_seconds
        )
        health = WatcherHealth()
        # Its own client object, so readiness probes do not count as the watcher's calls.
        probe = SolanaRpc(http=rpc_http, rpc_url=settings.solana_rpc_url, timeout=2.0)

        async def rpc_ready() -> str:
            try:
                await probe.slot()
            except RpcError as error:
                return f"unreachable: {error}"
            return health.problem() or "ok"

        platform.add_readiness_check("rpc", rpc_ready)
        yield PaymentsCollaborators(
            terms=InvoiceTerms.from_settings(settings),
            sol_quotes=board,
            chain=chain,
            receiving=receiving_accounts(settings.merchant_address),
            watcher_health=health,
        )
