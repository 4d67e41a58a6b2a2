"""intake.set_paused against the fake unit of work: the newest intake event wins."""

from __future__ import annotations

from datetime import datetime, timedelta

from walletreports.orders.service_layer.intake import set_paused
from walletreports.orders.service_layer.ports import IntakeState

from .fakes import FakeUnitOfWork


async def test_a_pause_then_a_resume_apply_in_turn(now: datetime):
    uow = FakeUnitOfWork()

    assert await set_paused(uow, paused=True, reason="daily budget reached", as_of=now)
    assert uow.intake.state == IntakeState(True, "daily budget reached", now)

    later = now + timedelta(hours=1)
    assert await set_paused(uow, paused=False, reason="budget reset", as_of=later)
    assert uow.intake.state == IntakeState(False, "budget reset", later)
    assert uow.events == []  # orders only records it; dune_runner announced it


async def test_a_stale_pause_after_the_resume_changes_nothing(now: datetime):
    uow = FakeUnitOfWork()
    await set_paused(uow, paused=False, reason="budget reset", as_of=now)

    applied = await set_paused(
        uow, paused=True, reason="redelivered", as_of=now - timedelta(minutes=5)
    )

    assert applied is False
    assert uow.intake.state == IntakeState(False, "budget reset", now)
