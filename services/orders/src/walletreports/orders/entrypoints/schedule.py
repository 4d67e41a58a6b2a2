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

from walletreports.kit import Clock, UnitsOfWork, repeat

from ..adapters.unit_of_work import OrdersUnitOfWork
from ..service_layer import idempotency, subscriptions
from ..settings import OrdersSettings

log = logging.getLogger(__name__)

BATCH = 100
# Keys live 24 hours; sweeping hourly keeps at most an hour's worth past that.
PRUNE_KEYS_EVERY_SECONDS = 3600.0


async def expire_subscriptions(
    units: UnitsOfWork[OrdersUnitOfWork], clock: Clock, settings: OrdersSettings
) -> None:
    await repeat(
        lambda: expire_all_due(units, clock),
        settings.subscription_expiry_interval_seconds,
        "expiring subscriptions",
    )


async def expire_all_due(units: UnitsOfWork[OrdersUnitOfWork], clock: Clock) -> int:
    total = 0
    while True:
        async with units() as uow:
            done = await subscriptions.expire_due(uow, now=clock.now(), limit=BATCH)
        total += done
        if done < BATCH:
            if total:
                log.info("expired %d subscriptions", total)
            return total


async def prune_idempotency_keys(
    units: UnitsOfWork[OrdersUnitOfWork], every_seconds: float = PRUNE_KEYS_EVERY_SECONDS
) -> None:
    await repeat(
        lambda: prune_idempotency_keys_once(units), every_seconds, "pruning idempotency keys"
    )


async def prune_idempotency_keys_once(units: UnitsOfWork[OrdersUnitOfWork]) -> int:
    async with units() as uow:
        deleted = await idempotency.prune(uow)
    if deleted:
        log.info("deleted %d idempotency keys older than %s", deleted, idempotency.KEY_RETENTION)
    return deleted
