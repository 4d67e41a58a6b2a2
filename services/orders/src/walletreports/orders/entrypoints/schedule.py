"""Work on a clock: expiring subscriptions whose time is up, and forgetting
idempotency keys past their 24 hours.

Every replica runs these loops. SKIP LOCKED in the expiry query shares the due rows
between them and the outbox carries the events, so nothing is expired or announced
twice; the key sweep is one plain DELETE, which replicas may run at once (a row one
deletes, the other skips). (Unpaid orders are not expired here: payments owns the
invoice clock and tells us with invoice.expired.)
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from walletreports.kit.periodic import repeat
from walletreports.kit.runtime import ServiceRuntime

from ..service_layer import idempotency, subscriptions

log = logging.getLogger(__name__)

BATCH = 100
# Keys live 24 hours; sweeping hourly keeps at most an hour's worth past that.
PRUNE_KEYS_EVERY_SECONDS = 3600.0


async def expire_subscriptions(runtime: ServiceRuntime) -> None:
    interval = runtime.settings.subscription_expiry_interval_seconds  # type: ignore[attr-defined]
    await repeat(lambda: expire_all_due(runtime), interval, "expiring subscriptions")


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


async def prune_idempotency_keys(
    runtime: ServiceRuntime, every_seconds: float = PRUNE_KEYS_EVERY_SECONDS
) -> None:
    await repeat(lambda: prune_idempotency_keys_once(runtime), every_seconds, "pruning idempotency keys")


async def prune_idempotency_keys_once(runtime: ServiceRuntime) -> int:
    async with runtime.units() as uow:
        deleted = await idempotency.prune(uow)
    if deleted:
        log.info("deleted %d idempotency keys older than %s", deleted, idempotency.KEY_RETENTION)
    return deleted
