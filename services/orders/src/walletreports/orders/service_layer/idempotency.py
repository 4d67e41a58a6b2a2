"""Stripe-style idempotency keys: the first response is kept and replayed; the same key
with different parameters is refused.

Only a request that succeeded keeps its key: the key row commits in the same
transaction as the order it created, so a refused request (bad input, intake paused)
leaves nothing behind and may be retried with the same key.

Keys are kept for 24 hours (`KEY_RETENTION`, as Stripe does): a background task
(`entrypoints.schedule.prune_idempotency_keys`) deletes older ones, after which the
same key is a new request.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from .errors import IdempotencyKeyReused
from .ports import OrdersUnitOfWorkPort, StoredRequest

KEY_RETENTION = timedelta(hours=24)


def fingerprint(operation: str, parameters: dict[str, Any]) -> str:
    """sha256 of the operation and its parameters in a canonical JSON spelling."""
    canonical = json.dumps(
        [operation, parameters], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def begin(
    uow: OrdersUnitOfWorkPort, key: str, request_fingerprint: str
) -> StoredRequest | None:
    """None: go ahead (this transaction holds the key). Otherwise the response to replay."""
    stored = await uow.idempotency.claim(key, request_fingerprint)
    if stored is not None and stored.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused()
    return stored


async def remember(uow: OrdersUnitOfWorkPort, key: str, status: int, body: Any) -> None:
    await uow.idempotency.remember(key, status, body)


async def prune(uow: OrdersUnitOfWorkPort) -> int:
    """Forget keys past `KEY_RETENTION`; returns how many were deleted."""
    return await uow.idempotency.delete_older_than(KEY_RETENTION)
