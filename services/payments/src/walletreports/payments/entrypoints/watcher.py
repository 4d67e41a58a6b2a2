"""The chain watcher as a background task: on one replica at a time (the kit's lease),
poll cycles often enough that a confirmed transfer is seen and committed within
PAYMENTS_WATCH_INTERVAL_SECONDS, and a cycle at once when the websocket says a
receiving account was mentioned.

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
from ..domain import ReceivingAccount
from ..service_layer.watch_health import WatcherHealth
from ..service_layer.watching import ChainReader, ChainWatcher, Units
from ..settings import PaymentsSettings

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 60.0
# How long handling a new transaction takes (list, fetch, verify, commit), until one is.
FIRST_HANDLING_GUESS_SECONDS = 0.1


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
    watcher = ChainWatcher(
        units=units,
        chain=chain,
        accounts=receiving,
        clock=clock,
        fresh_sol_quote=sol_quotes.usable_quote,
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
        handling = FIRST_HANDLING_GUESS_SECONDS
        while True:
            woken.clear()
            started = loop.time()
            try:
                report = await watcher.cycle()
            except RpcError as error:
                watcher_health.failed(error)
                delay = _backoff(watcher_health.failures_in_a_row, error)
                log.warning("watcher cycle failed (%s); next try in %.1fs", error, delay)
                await asyncio.sleep(delay)
                continue
            watcher_health.succeeded(clock.now())
            took = loop.time() - started
            if report.fetched:
                handling = min(took, settings.watch_interval_seconds / 2)
            # The interval is how long a confirmed transfer may wait to be seen and
            # committed with the websocket off: the next cycle starts early enough for
            # the last handling time to fit in it (so never an interval after this one
            # ended, and a little more often than every interval).
            rest = max(0.0, settings.watch_interval_seconds - took - handling)
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
