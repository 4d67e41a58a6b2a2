"""A service's side effects end to end: requested in a unit of work, performed once by
the runner its composition root's performer started, after the commit only."""

from sqlalchemy import select

from walletreports.devkit.testing import probe
from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.probe import (
    PROBE_EFFECT_CONCURRENCY,
    WITH_EFFECTS,
    side_effects,
)


async def _status(service, key):
    async with service.runtime.db.sessions() as session:
        return (
            await session.execute(select(side_effects.c.status).where(side_effects.c.key == key))
        ).scalar()


async def test_a_requested_effect_is_performed_once_after_the_commit(services, monkeypatch):
    monkeypatch.setattr(probe, "performed", [])
    async with services.run(WITH_EFFECTS) as service:
        async with service.runtime.units() as uow:
            assert await uow.request_effect("note", "k1", {"text": "hello"})
            assert not await uow.request_effect("note", "k1", {"text": "again"})  # one intent
        await eventually(lambda: _done(service, "k1"))
        assert probe.performed == ["hello"]


async def test_an_effect_requested_in_a_rolled_back_transaction_never_happens(
    services, monkeypatch
):
    monkeypatch.setattr(probe, "performed", [])
    async with services.run(WITH_EFFECTS) as service:
        try:
            async with service.runtime.units() as uow:
                await uow.request_effect("note", "gone", {"text": "never"})
                raise RuntimeError("the state change failed")
        except RuntimeError:
            pass
        async with service.runtime.units() as uow:
            await uow.request_effect("note", "k2", {"text": "after"})
        await eventually(lambda: _done(service, "k2"))
        assert probe.performed == ["after"]
        assert await _status(service, "gone") is None


async def _done(service, key) -> bool:
    return await _status(service, key) == "done"


async def test_the_runner_performs_as_many_at_once_as_the_composition_root_asked(services):
    async with services.run(WITH_EFFECTS) as service:
        assert service.runtime.effects.concurrency == PROBE_EFFECT_CONCURRENCY
