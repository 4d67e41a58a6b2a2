"""GroupCommitter with fakes: what a group does when a handler fails, when an event
comes twice, and when the service stops mid-group."""

import asyncio
import contextlib
import uuid

import pytest

from walletreports.contracts.web import UserRegistered
from walletreports.kit.messaging.consumers import ConsumerStopped, GroupCommitter, Route


class FakeInbox:
    def __init__(self) -> None:
        self.seen: set[uuid.UUID] = set()

    async def claim_many(self, session, consumer, events):
        fresh = {e.event_id for e in events} - self.seen
        session.update(fresh)  # claimed in this transaction; kept only if it commits
        return fresh


class FakeUnits:
    """Units of work whose 'transaction' keeps its effects and claims only if it ends cleanly."""

    def __init__(self, inbox: FakeInbox) -> None:
        self.inbox = inbox
        self.committed: list[str] = []

    @contextlib.asynccontextmanager
    async def __call__(self):
        uow = type("Uow", (), {"session": set(), "effects": []})()
        yield uow
        self.committed.extend(uow.effects)
        self.inbox.seen |= uow.session


def event(name: str, correlation_id: str | None = None) -> UserRegistered:
    return UserRegistered(user_id=uuid.uuid4(), email=f"{name}@example.com", display_name=name, correlation_id=correlation_id)


def committer(handler) -> tuple[GroupCommitter, FakeUnits]:
    inbox = FakeInbox()
    units = FakeUnits(inbox)
    return GroupCommitter(Route(UserRegistered, handler, "test__consumer"), units, inbox), units


async def test_one_failing_handler_fails_only_its_own_message():
    async def handler(e, uow):
        if e.display_name == "bad":
            raise RuntimeError("boom")
        uow.effects.append(e.display_name)

    group, units = committer(handler)
    results = await asyncio.gather(
        *(group.handle(event(name)) for name in ("a", "bad", "c")), return_exceptions=True
    )
    await group.close()

    assert results[0] is True and results[2] is True
    assert isinstance(results[1], RuntimeError)
    assert sorted(units.committed) == ["a", "c"]  # the failed group's effects were not kept


async def test_a_second_copy_in_the_same_group_is_a_duplicate():
    handled: list[str] = []

    async def handler(e, uow):
        handled.append(e.display_name)

    group, _ = committer(handler)
    same = event("twice")
    results = await asyncio.gather(group.handle(same), group.handle(same))
    await group.close()

    assert results == [True, False]
    assert handled == ["twice"]


async def test_handlers_run_in_correlation_id_order_within_a_group():
    order: list[str] = []

    async def handler(e, uow):
        order.append(e.correlation_id)

    group, _ = committer(handler)
    await asyncio.gather(*(group.handle(event(c, c)) for c in ("order-b", "order-c", "order-a")))
    await group.close()
    assert order == ["order-a", "order-b", "order-c"]


async def test_stopping_mid_group_releases_every_waiting_message():
    started = asyncio.Event()

    async def handler(e, uow):
        started.set()
        await asyncio.Event().wait()  # never finishes on its own

    group, _ = committer(handler)
    waiting = asyncio.create_task(group.handle(event("stuck")))
    queued = asyncio.create_task(group.handle(event("behind")))
    await started.wait()
    await group.close()

    for task in (waiting, queued):
        with pytest.raises(ConsumerStopped):
            await asyncio.wait_for(task, 2)
