"""The chain watcher as a background task: on one replica at a time (the kit's lease),
a poll cycle starting every PAYMENTS_WATCH_INTERVAL_SECONDS, and at once when the
websocket says a receiving account was mentioned.

An RPC that fails (down, timing out, 429, answering nonsense) makes the cycle fail as a
whole: nothing past the failure was recorded, the cursors did not move, and the next
cycle starts again from them after a back-off (the node's Retry-After when it gave one,
else 1 s doubling to 60 s). /readyz and the metrics say so (WatcherHealth).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from walletreports.kit import Clock, Lease

from ..adapters.chain_push import MentionsListener
from ..adapters.rate_sources import QuoteBoard
from ..adapters.solana_rpc import RpcError, RpcUnavailable, UnsupportedTransactionVersion
from ..domain import ReceivingAccount, SolQuote
from ..domain.quote_policy import QuoteUsable
from ..service_layer.watch_health import WatcherHealth
from ..service_layer.watching import ChainReader, ChainWatcher, Units
from ..settings import PaymentsSettings

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 60.0


async def watch_chain(
    lease: Lease,
    units: Units,
    clock: Clock,
    settings: PaymentsSettings,
    chain: ChainReader,
    receiving: tuple[ReceivingAccount, ...],
    sol_quotes: QuoteBoard,
    watcher_health: WatcherHealth,
) -> None:
    def fresh_quote() -> SolQuote | None:
        decision = sol_quotes.decision()
        return decision.quote if isinstance(decision, QuoteUsable) else None

    watcher = ChainWatcher(
        units=units,
        chain=chain,
        accounts=receiving,
        clock=clock,
        fresh_sol_quote=fresh_quote,
        unsupported=(UnsupportedTransactionVersion,),
        merchant=settings.merchant_address,
        still_ours=lambda: lease.held,
    )
    woken = asyncio.Event()
    async with contextlib.AsyncExitStack() as stack:
        if settings.watch_push:
            listener = MentionsListener(
                ws_url=settings.websocket_url,
                accounts=[account.address for account in receiving],
                wake=woken.set,
            )
            push = asyncio.create_task(listener.run(), name="payments-chain-push")
            stack.push_async_callback(_stop, push)
        loop = asyncio.get_running_loop()
        while True:
            woken.clear()
            started = loop.time()
            try:
                await watcher.cycle()
            except RpcError as error:
                watcher_health.failed(error)
                delay = _backoff(watcher_health.failures_in_a_row, error)
                log.warning("watcher cycle failed (%s); next try in %.1fs", error, delay)
                await asyncio.sleep(delay)
                continue
            watcher_health.succeeded(clock.now())
            if settings.watch_push:
                watcher_health.push_connected = listener.connected
            # Cycles start every interval (not an interval after the last one ended), so
            # an account is listed at least once per interval however long a cycle took.
            rest = max(0.0, settings.watch_interval_seconds - (loop.time() - started))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), timeout=rest)


async def _stop(task: asyncio.Task[None]) -> None:
    """Cancel the push listener and wait for it to close its socket."""
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def _backoff(failures: int, error: RpcError) -> float:
    delay = min(2.0 ** (failures - 1), MAX_BACKOFF_SECONDS)
    if isinstance(error, RpcUnavailable) and error.retry_after is not None:
        delay = max(delay, min(error.retry_after, MAX_BACKOFF_SECONDS))
    return delay
