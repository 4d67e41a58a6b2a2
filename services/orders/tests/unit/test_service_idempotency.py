"""idempotency.* against the fake unit of work: a key replays its first response."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from walletreports.orders.service_layer import idempotency
from walletreports.orders.service_layer.errors import IdempotencyKeyReused
from walletreports.orders.service_layer.ports import StoredRequest

from .fakes import FakeIdempotency, FakeUnitOfWork

BODY = {"product": "wallet_report", "user_id": "u-1"}


def test_the_fingerprint_ignores_key_order_but_not_the_operation():
    same = idempotency.fingerprint("POST /v1/orders", dict(reversed(list(BODY.items()))))
    assert idempotency.fingerprint("POST /v1/orders", BODY) == same
    assert idempotency.fingerprint("POST /v1/other", BODY) != same
    assert idempotency.fingerprint("POST /v1/orders", BODY | {"user_id": "u-2"}) != same


async def test_the_first_request_goes_ahead_and_the_same_one_again_is_replayed():
    uow = FakeUnitOfWork()
    fp = idempotency.fingerprint("POST /v1/orders", BODY)

    assert await idempotency.begin(uow, "key-1", fp) is None
    await idempotency.remember(uow, "key-1", 201, {"id": "order-1"})

    assert await idempotency.begin(uow, "key-1", fp) == StoredRequest(fp, 201, {"id": "order-1"})


async def test_the_same_key_with_other_parameters_is_refused():
    uow = FakeUnitOfWork()
    await idempotency.begin(uow, "key-1", "fp-a")
    await idempotency.remember(uow, "key-1", 201, {"id": "order-1"})

    with pytest.raises(IdempotencyKeyReused):
        await idempotency.begin(uow, "key-1", "fp-b")


async def test_a_refused_request_leaves_its_key_free():
    uow = FakeUnitOfWork()
    with pytest.raises(RuntimeError):
        async with uow:
            await idempotency.begin(uow, "key-1", "fp-a")
            raise RuntimeError("placing failed")
    assert uow.rolled_back and "key-1" not in uow.idempotency.keys
    assert await idempotency.begin(uow, "key-1", "fp-a") is None  # retried with the same key


async def test_prune_forgets_keys_past_their_retention(now: datetime):
    keys = FakeIdempotency(now=now - idempotency.KEY_RETENTION - timedelta(minutes=1))
    uow = FakeUnitOfWork(idempotency=keys)
    await idempotency.begin(uow, "old", "fp")
    keys.now = now - timedelta(hours=1)
    await idempotency.begin(uow, "recent", "fp")
    keys.now = now

    assert await idempotency.prune(uow) == 1
    assert list(keys.keys) == ["recent"]
