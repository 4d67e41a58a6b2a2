"""Idempotency keys are kept 24 hours, as Stripe keeps them, then swept away."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import func, insert, select

from walletreports.devkit.testing.eventually import eventually
from walletreports.orders.adapters.tables import idempotency_keys
from walletreports.orders.app import SERVICE
from walletreports.orders.entrypoints.schedule import (
    prune_idempotency_keys,
    prune_idempotency_keys_once,
)

from .conftest import OrdersDriver


async def _key(svc: OrdersDriver, age: timedelta) -> str:
    key = f"retention-{uuid.uuid4().hex}"
    async with svc.service.runtime.db.sessions() as session, session.begin():
        await session.execute(
            insert(idempotency_keys).values(
                key=key,
                fingerprint="0" * 64,
                response_status=201,
                response_body={"id": str(uuid.uuid4())},
                created_at=func.now() - age,
            )
        )
    return key


async def _kept(svc: OrdersDriver, *keys: str) -> set[str]:
    async with svc.service.runtime.db.sessions() as session:
        rows = await session.execute(
            select(idempotency_keys.c.key).where(idempotency_keys.c.key.in_(keys))
        )
        return set(rows.scalars())


async def test_the_sweep_deletes_only_keys_older_than_24_hours(svc: OrdersDriver):
    old = await _key(svc, timedelta(hours=24, minutes=1))
    fresh = await _key(svc, timedelta(hours=23, minutes=59))
    assert await prune_idempotency_keys_once(svc.service.collaborator("units")) >= 1
    assert await _kept(svc, old, fresh) == {fresh}


async def test_a_key_used_by_a_request_survives_the_sweep(svc: OrdersDriver):
    placed = await svc.place(key="kept-key")
    assert placed.status_code == 201, placed.text
    await prune_idempotency_keys_once(svc.service.collaborator("units"))
    replayed = await svc.place(key="kept-key", user_id=uuid.UUID(placed.json()["user_id"]))
    assert replayed.status_code == 201 and replayed.json() == placed.json()


async def test_the_service_runs_the_sweep_on_a_schedule(svc: OrdersDriver):
    assert prune_idempotency_keys in [task.run for task in SERVICE.background]
    loop = asyncio.create_task(
        prune_idempotency_keys(svc.service.collaborator("units"), every_seconds=0.05)
    )
    try:
        old = await _key(svc, timedelta(days=2))

        async def swept() -> bool:
            return await _kept(svc, old) == set()

        await eventually(swept)
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
