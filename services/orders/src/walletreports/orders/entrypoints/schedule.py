"""Work on a clock: expiring subscriptions whose time is up.

Every replica runs this loop; SKIP LOCKED in the query shares the due rows between
them and the outbox carries the events, so nothing is expired or announced twice.
(Unpaid orders are not expired here: payments owns the invoice clock and tells us
with invoice.expired.)
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from walletreports.kit.runtime import ServiceRuntime

from ..service_layer import subscriptions

log = logging.getLogger(__name__)

BATCH = 100


async def expire_subscriptions(runtime: ServiceRuntime) -> None:
    interval = runtime.settings.subscription_expiry_interval_seconds  # type: ignore[attr-defined]
    while True:
        try:
            await expire_all_due(runtime)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the database may be away; try next time
            log.exception("expiring subscriptions failed; trying again in %.0fs", interval)
        await asyncio.sleep(interval)


async def expire_all_due(runtime: ServiceRuntime) -> int:
    total = 0
    while True:
        async with runtime.units() as uow:
            done = await subscriptions.expire_due(uow, now=datetime.now(UTC), limit=BATCH)
        total += done
        if done < BATCH:
            if total:
                log.info("expired %d subscriptions", total)
            return total
