"""GroupCommitter with fakes: what a batch does when a handler fails, when an event
comes twice, and when the service stops mid-batch."""

import asyncio
import contextlib
import uuid

import pytest

from walletreports.contracts.web import UserRegistered
from walletreports.kit.messaging.group_commit import GroupCommitter
from walletreports.kit.messaging.routes import EventHandlers, Route, one_at_a_time


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
    return UserRegistered(
        user_id=uuid.uuid4(),
        email=f"{name}@example.com",
        display_name=name,
        correlation_id=correlation_id,
    )


def committer(handler, *, batched: bool = False) -> tuple[GroupCommitter, FakeUnits]:
    inbox = FakeInbox()
    units = FakeUnits(inbox)
    handle = handler if batched else one_at_a_time(handler)
    return GroupCommitter(Route(UserRegistered, handle, "test__consumer"), units, inbox), units


async def test_one_failing_handler_fails_only_its_own_event():
    async def handler(e, uow):
        if e.display_name == "bad":
            raise RuntimeError("boom")
        uow.effects.append(e.display_name)

    group, units = committer(handler)
    outcomes = await group.handle([event(name) for name in ("a", "bad", "c")])

    assert outcomes[0] is True and outcomes[2] is True
    assert isinstance(outcomes[1], RuntimeError)
    assert sorted(units.committed) == ["a", "c"]  # the failed batch's effects were not kept


async def test_a_lone_failing_event_reports_its_error_without_a_retry():
    calls: list[str] = []

    async def handler(e, uow):
        calls.append(e.display_name)
        raise RuntimeError("boom")

    group, units = committer(handler)
    [outcome] = await group.handle([event("bad")])
    assert isinstance(outcome, RuntimeError) and calls == ["bad"] and units.committed == []


async def test_a_second_copy_in_the_same_batch_is_a_duplicate():
    handled: list[str] = []

    async def handler(e, uow):
        handled.append(e.display_name)
        uow.effects.append(e.display_name)

    group, units = committer(handler)
    same = event("twice")
    assert await group.handle([same, same]) == [True, False]
    assert handled == ["twice"]
    # ...and again once the batch failed and was redone event by event.
    again = event("again")

    async def flaky(e, uow):
        if e.display_name == "bad":
            raise RuntimeError("boom")
        uow.effects.append(e.display_name)

    group, units = committer(flaky)
    outcomes = await group.handle([again, event("bad"), again])
    assert outcomes[0] is True and isinstance(outcomes[1], RuntimeError) and outcomes[2] is False
    assert units.committed == ["again"]


async def test_an_event_handled_before_is_a_duplicate():
    async def handler(e, uow):
        uow.effects.append(e.display_name)

    group, units = committer(handler)
    seen = event("seen")
    assert await group.handle([seen]) == [True]
    assert await group.handle([seen, event("new")]) == [False, True]
    assert units.committed == ["seen", "new"]


async def test_handlers_run_in_correlation_id_order_within_a_batch():
    order: list[str] = []

    async def handler(e, uow):
        order.append(e.correlation_id)

    group, _ = committer(handler)
    await group.handle([event(c, c) for c in ("order-b", "order-c", "order-a")])
    assert order == ["order-a", "order-b", "order-c"]


async def test_stopping_mid_batch_keeps_nothing():
    started = asyncio.Event()

    async def handler(e, uow):
        uow.effects.append(e.display_name)
        started.set()
        await asyncio.Event().wait()  # never finishes on its own

    group, units = committer(handler)
    task = asyncio.create_task(group.handle([event("stuck"), event("behind")]))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert units.committed == [] and units.inbox.seen == set()


async def test_a_batch_handler_gets_the_new_events_at_once_in_correlation_order():
    calls: list[list[str]] = []

    async def handler(events, uow):
        calls.append([e.display_name for e in events])
        uow.effects.extend(e.display_name for e in events)

    group, units = committer(handler, batched=True)
    seen = event("seen", "order-0")
    await group.handle([seen])
    twice = event("twice", "order-b")
    outcomes = await group.handle([twice, event("first", "order-a"), seen, twice])
    assert outcomes == [True, True, False, False]
    assert calls == [["seen"], ["first", "twice"]]  # no repeat, no second copy; by correlation id
    assert units.committed == ["seen", "first", "twice"]


async def test_a_failing_batch_handler_is_redone_one_event_at_a_time():
    calls: list[list[str]] = []

    async def handler(events, uow):
        calls.append([e.display_name for e in events])
        if any(e.display_name == "bad" for e in events):
            raise RuntimeError("boom")
        uow.effects.extend(e.display_name for e in events)

    group, units = committer(handler, batched=True)
    outcomes = await group.handle([event("a", "1"), event("bad", "2"), event("c", "3")])
    assert outcomes[0] is True and isinstance(outcomes[1], RuntimeError) and outcomes[2] is True
    assert calls == [["a", "bad", "c"], ["a"], ["bad"], ["c"]]
    assert units.committed == ["a", "c"]


def test_each_handler_gets_its_own_durable_consumer_name():
    handlers = EventHandlers("svc")

    @handlers.on(UserRegistered)
    async def one(e, uow): ...

    @handlers.on_batch(UserRegistered)
    async def many(events, uow): ...

    assert handlers.consumers == ["svc__one", "svc__many"]
    with pytest.raises(ValueError, match="svc__many"):
        handlers.on(UserRegistered, name="many")(one)
