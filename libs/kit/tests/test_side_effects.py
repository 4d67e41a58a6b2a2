"""Durable side effects against a real PostgreSQL: at most once per intent, crashes
included; attempts, back-off and the visible failure states.

The I/O of the performers here is appending the intent's key to a file: outside the
database, so a rolled-back transaction cannot undo it, and countable afterwards."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest
import pytest_asyncio
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from prometheus_client import REGISTRY
from sqlalchemy import (
    BigInteger,
    Column,
    MetaData,
    Table,
    Text,
    create_engine,
    func,
    insert,
    inspect,
    pool,
    select,
    text,
)

import walletreports.devkit.testing
from walletreports.devkit.testing.eventually import eventually
from walletreports.kit import migrations
from walletreports.kit.db import Database
from walletreports.kit.effects import (
    DONE,
    FAILED,
    IN_DOUBT,
    PENDING,
    REQUESTED_FLAG,
    RUNNING,
    EffectNotPerformed,
    EffectPolicy,
    EffectRefused,
    EffectRequest,
    EffectRunner,
    Happened,
    Performer,
    find_effect,
    needing_attention,
    request_effect,
    request_effects,
    retry,
    side_effects_table,
)

PROBE_MIGRATIONS = Path(walletreports.devkit.testing.__file__).parent / "probe_migrations"

metadata = MetaData()
side_effects = side_effects_table(metadata)
# What an on_done hook writes: the state change that follows from the I/O.
consequences = Table(
    "consequences",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False),
)

# Tiny times, so a test takes a fraction of a second: the runner's margin before a
# running row counts as stale, and the performers' policy.
MARGIN = 0.1
FAST = EffectPolicy(
    timeout_seconds=0.25, max_attempts=3, backoff_base_seconds=0.1, backoff_max_seconds=1.0
)


@pytest.fixture(scope="module")
def database_url(databases) -> str:
    return databases.create_with("effects", metadata)


@pytest_asyncio.fixture(loop_scope="session")
async def db(database_url):
    database = Database(database_url)
    async with database.engine.begin() as conn:
        await conn.execute(text("TRUNCATE side_effects, consequences RESTART IDENTITY"))
    yield database
    await database.dispose()


@pytest.fixture
def sent(tmp_path) -> Path:
    """The outside world: one line per I/O performed."""
    path = tmp_path / "sent.txt"
    path.touch()
    return path


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def send(path: Path, key: str) -> None:
    with path.open("a") as file:
        file.write(key + "\n")


class Scripted(Performer):
    """A performer whose n-th attempt does steps[n] (the last step repeats):
    "ok" sends; "not_performed" / "refused" raise before sending; "boom" sends and then
    raises (the connection broke after the message went out); "hang" never answers."""

    def __init__(
        self, path: Path, *steps: str, policy: EffectPolicy = FAST, verdict=None, delay: float = 0.0
    ):
        self.path = path
        self.steps = steps or ("ok",)
        self.policy = policy
        self.verdict = verdict
        self.delay = delay
        self.calls = 0
        self.reconciled = 0
        self.done: list[tuple[str, object]] = []
        self.failed: list[tuple[str, str, str]] = []
        self.done_hook_fails = False

    async def perform(self, intent):
        step = self.steps[min(self.calls, len(self.steps) - 1)]
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if step == "not_performed":
            raise EffectNotPerformed("connection refused")
        if step == "refused":
            raise EffectRefused("no such mailbox")
        if step == "hang":
            await asyncio.sleep(3600)
        send(self.path, intent.key)
        if step == "boom":
            raise ConnectionResetError("connection reset after sending")
        return {"sent": intent.key}

    async def reconcile(self, intent):
        self.reconciled += 1
        if isinstance(self.verdict, Exception):
            raise self.verdict
        return self.verdict

    async def on_done(self, session, intent, result):
        await session.execute(insert(consequences).values(key=intent.key))
        if self.done_hook_fails:
            raise RuntimeError("bug in on_done")
        self.done.append((intent.key, result))

    async def on_failed(self, session, intent, status, reason):
        self.failed.append((intent.key, status, reason))


def runner(db: Database, performer: Performer, **options) -> EffectRunner:
    settings = {
        "idle_poll_seconds": 0.05,
        "stale_margin_seconds": MARGIN,
        "sweep_every_seconds": 0.05,
        "record_retry_seconds": (0.01,),
    } | options
    return EffectRunner(db.sessions, side_effects, {"mail": performer}, **settings)


async def request(db: Database, key: str, *, kind: str = "mail") -> bool:
    async with db.sessions() as session, session.begin():
        return await request_effect(
            session, side_effects, kind=kind, key=key, payload={"to": f"{key}@example.com"}
        )


async def row(db: Database, key: str, kind: str = "mail"):
    async with db.sessions() as session:
        return await find_effect(session, side_effects, kind=kind, key=key)


async def consequence_count(db: Database, key: str) -> int:
    async with db.sessions() as session:
        return (
            await session.execute(select(func.count()).where(consequences.c.key == key))
        ).scalar_one()


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# -- crashes ---------------------------------------------------------------------------

CRASH_AFTER_RECORDING = textwrap.dedent(
    """
    import asyncio, os
    from sqlalchemy import MetaData
    from walletreports.kit.db import Database
    from walletreports.kit.effects import request_effect, side_effects_table

    table = side_effects_table(MetaData())

    async def main():
        db = Database({url!r})
        async with db.sessions() as session, session.begin():
            await request_effect(session, table, kind="mail", key={key!r}, payload={{"to": "ada@example.com"}})
        os._exit(1)  # dies right after the commit, before any runner saw it

    asyncio.run(main())
    """
)

CRASH_AFTER_IO = textwrap.dedent(
    """
    import asyncio, os
    from sqlalchemy import MetaData
    from walletreports.kit.db import Database
    from walletreports.kit.effects import EffectPolicy, EffectRunner, Performer, side_effects_table

    table = side_effects_table(MetaData())

    class SendsThenDies(Performer):
        policy = EffectPolicy(timeout_seconds={timeout!r})

        async def perform(self, intent):
            with open({path!r}, "a") as file:
                file.write(intent.key + "\\n")
            os._exit(1)  # the mail is out; the process dies before marking it

    async def main():
        db = Database({url!r})
        await EffectRunner(db.sessions, table, {{"mail": SendsThenDies()}}).run_due()

    asyncio.run(main())
    """
)


def crash(script: str) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert finished.returncode == 1, finished.stderr


async def test_a_crash_after_recording_the_intent_still_performs_it_once(db, database_url, sent):
    crash(CRASH_AFTER_RECORDING.format(url=database_url, key="order-1"))
    assert (await row(db, "order-1")).status == PENDING

    performer = Scripted(sent)
    assert await runner(db, performer).run_due() == 1
    assert await runner(db, performer).run_due() == 0  # a second replica, later: nothing left
    assert lines(sent) == ["order-1"]
    effect = await row(db, "order-1")
    assert (effect.status, effect.attempts, effect.result) == (DONE, 1, {"sent": "order-1"})
    assert performer.done == [("order-1", {"sent": "order-1"})]
    assert await consequence_count(db, "order-1") == 1


async def crash_after_io(db, database_url, sent, key: str) -> None:
    """Request `key`, then a runner in another process performs it and dies before
    marking it: the row is left running, the line sent."""
    await request(db, key)
    crash(CRASH_AFTER_IO.format(url=database_url, path=str(sent), timeout=FAST.timeout_seconds))
    effect = await row(db, key)
    assert (effect.status, effect.attempts) == (RUNNING, 1)
    assert lines(sent) == [key]


async def test_a_crash_after_the_io_before_marking_leaves_it_in_doubt_never_repeated(
    db, database_url, sent
):
    await crash_after_io(db, database_url, sent, "order-2")
    performer = Scripted(sent)
    restarted = runner(db, performer)
    failed_before = metric("side_effects_total", kind="mail", outcome="in_doubt")

    assert await restarted.run_due() == 0  # running is not due: it may have happened
    await eventually(restarted.sweep_stale, timeout=5)  # once older than timeout + margin

    effect = await row(db, "order-2")
    assert effect.status == IN_DOUBT and "runner stopped" in effect.last_error
    assert await restarted.run_due() == 0 and await restarted.sweep_stale() == 0
    assert lines(sent) == ["order-2"]  # not sent a second time
    assert performer.calls == 0 and performer.failed == [("order-2", IN_DOUBT, effect.last_error)]
    assert metric("side_effects_total", kind="mail", outcome="in_doubt") == failed_before + 1
    await restarted.refresh_unresolved_gauge()
    assert metric("side_effects_unresolved", kind="mail", status=IN_DOUBT) == 1
    async with db.sessions() as session:
        assert [e.key for e in await needing_attention(session, side_effects)] == ["order-2"]


async def test_a_crash_after_the_io_is_done_when_reconcile_finds_it_happened(
    db, database_url, sent
):
    await crash_after_io(db, database_url, sent, "order-3")
    performer = Scripted(sent, verdict=Happened({"found": "order-3"}))
    restarted = runner(db, performer)

    await eventually(restarted.sweep_stale, timeout=5)

    effect = await row(db, "order-3")
    assert (effect.status, effect.result) == (DONE, {"found": "order-3"})
    assert "reconciled: it happened" in effect.last_error
    assert performer.calls == 0 and performer.reconciled == 1
    assert performer.done == [("order-3", {"found": "order-3"})]  # the consequences are written
    assert await consequence_count(db, "order-3") == 1
    assert lines(sent) == ["order-3"]


async def test_a_crash_after_the_io_is_performed_again_when_safe_to_repeat(db, database_url, sent):
    await crash_after_io(db, database_url, sent, "order-4")
    performer = Scripted(
        sent,
        policy=EffectPolicy(timeout_seconds=0.5, safe_to_repeat=True, backoff_base_seconds=0.01),
    )
    restarted = runner(db, performer)

    await eventually(restarted.sweep_stale, timeout=5)
    assert (await row(db, "order-4")).status == PENDING
    await eventually(restarted.run_due, timeout=5)

    effect = await row(db, "order-4")
    assert (effect.status, effect.attempts) == (DONE, 2)
    assert lines(sent) == ["order-4", "order-4"]  # repeating it was declared harmless


async def test_the_sweep_leaves_a_row_alone_while_its_runner_is_still_performing(db, sent):
    await request(db, "slow")
    performer = Scripted(sent, delay=0.3, policy=EffectPolicy(timeout_seconds=1.0))
    performing = asyncio.create_task(runner(db, performer).run_due())
    await eventually(lambda: _status_is(db, "slow", RUNNING))

    other = runner(db, Scripted(sent))
    assert await other.sweep_stale() == 0
    assert await other.run_due() == 0
    assert await performing == 1
    assert (await row(db, "slow")).status == DONE
    assert lines(sent) == ["slow"]


async def _status_is(db, key, status) -> bool:
    effect = await row(db, key)
    return effect is not None and effect.status == status


# -- outcomes --------------------------------------------------------------------------


async def test_not_performed_is_tried_again_after_a_growing_back_off(db, sent):
    await request(db, "flaky")
    performer = Scripted(sent, "not_performed", "not_performed", "ok")
    effects = runner(db, performer)
    waits = []
    for attempt in (1, 2):
        assert await effects.run_due() == 1
        current = await row(db, "flaky")
        assert (current.status, current.attempts) == (PENDING, attempt)
        assert current.last_error == "not performed: EffectNotPerformed: connection refused"
        waits.append((current.next_attempt_at - current.started_at).total_seconds())
        assert await effects.run_due() == 0  # not before its back-off
        await eventually(lambda: _due(db, "flaky"), timeout=5)
    assert 0.1 <= waits[0] < 0.4 and 0.2 <= waits[1] < 0.5  # 0.1 s, then 0.2 s (plus the attempt)
    assert await effects.run_due() == 1
    effect = await row(db, "flaky")
    assert (effect.status, effect.attempts) == (DONE, 3)
    assert lines(sent) == ["flaky"] and performer.calls == 3


async def _due(db, key) -> bool:
    async with db.sessions() as session:
        return (
            await session.execute(
                select(side_effects.c.next_attempt_at <= func.now()).where(
                    side_effects.c.key == key
                )
            )
        ).scalar_one()


async def test_not_performed_fails_after_max_attempts(db, sent):
    await request(db, "down")
    performer = Scripted(sent, "not_performed")
    effects = runner(db, performer)

    async def attempt_until_failed() -> bool:
        await effects.run_due()
        return (await row(db, "down")).status == FAILED

    await eventually(attempt_until_failed, timeout=5, interval=0.02)
    effect = await row(db, "down")
    assert effect.attempts == 3 and performer.calls == 3
    assert effect.last_error.endswith("(gave up after 3 attempts)")
    assert performer.failed == [("down", FAILED, effect.last_error)]
    await asyncio.sleep(0.3)
    assert await effects.run_due() == 0 and lines(sent) == []


async def test_refused_fails_at_once(db, sent):
    await request(db, "bounced")
    performer = Scripted(sent, "refused")
    before = metric("side_effects_total", kind="mail", outcome="failed")
    assert await runner(db, performer).run_due() == 1
    effect = await row(db, "bounced")
    assert (effect.status, effect.attempts) == (FAILED, 1)
    assert (
        effect.last_error == "refused: EffectRefused: no such mailbox"
        and effect.finished_at is not None
    )
    assert performer.failed == [("bounced", FAILED, effect.last_error)]
    assert metric("side_effects_total", kind="mail", outcome="failed") == before + 1


@pytest.mark.parametrize(
    ("step", "error"),
    [
        ("boom", "ConnectionResetError: connection reset after sending"),
        ("hang", "no answer within"),
    ],
)
async def test_an_unexpected_error_or_a_timeout_is_in_doubt_and_not_repeated(db, sent, step, error):
    await request(db, step)
    performer = Scripted(sent, step, policy=EffectPolicy(timeout_seconds=0.2))
    effects = runner(db, performer)
    assert await effects.run_due() == 1
    effect = await row(db, step)
    assert effect.status == IN_DOUBT and error in effect.last_error
    await asyncio.sleep(0.4)  # past timeout + margin: the sweep has nothing to do either
    assert await effects.run_due() == 0 and await effects.sweep_stale() == 0
    assert performer.calls == 1 and performer.reconciled == 1


async def test_an_unexpected_error_is_tried_again_when_reconcile_says_it_did_not_happen(db, sent):
    await request(db, "unsure")
    performer = Scripted(sent, "boom", "ok", verdict=False)
    effects = runner(db, performer)
    assert await effects.run_due() == 1
    assert (await row(db, "unsure")).status == PENDING
    await eventually(effects.run_due, timeout=5)
    assert (await row(db, "unsure")).status == DONE


async def test_a_reconcile_that_fails_cannot_tell(db, sent):
    await request(db, "murky")
    performer = Scripted(sent, "boom", verdict=TimeoutError("status API down"))
    assert await runner(db, performer).run_due() == 1
    effect = await row(db, "murky")
    assert (
        effect.status == IN_DOUBT
        and "reconcile failed: TimeoutError: status API down" in effect.last_error
    )


async def test_an_on_done_hook_that_fails_leaves_it_for_the_sweep_which_never_repeats_it(db, sent):
    await request(db, "hooked")
    performer = Scripted(sent)
    performer.done_hook_fails = True
    effects = runner(db, performer)
    assert await effects.run_due() == 1
    assert (
        await row(db, "hooked")
    ).status == RUNNING  # the marking and its hook rolled back together
    assert await consequence_count(db, "hooked") == 0
    await eventually(effects.sweep_stale, timeout=5)
    assert (await row(db, "hooked")).status == IN_DOUBT
    assert lines(sent) == ["hooked"] and performer.calls == 1


# -- recording done intents together ----------------------------------------------------


class Grouped(Scripted):
    """Writes its consequences for a whole group in one statement, and remembers the
    groups it was given; the key "bad" makes its hook raise."""

    def __init__(self, path: Path, **kwargs) -> None:
        super().__init__(path, **kwargs)
        self.groups: list[list[str]] = []

    async def on_done_many(self, session, done):
        keys = [intent.key for intent, _ in done]
        self.groups.append(keys)
        await session.execute(insert(consequences), [{"key": key} for key in keys])
        if "bad" in keys:
            raise RuntimeError("bug in on_done for bad")
        self.done.extend((intent.key, result) for intent, result in done)

    async def on_done(self, session, intent, result):
        await self.on_done_many(session, [(intent, result)])


async def test_intents_done_together_are_recorded_in_one_transaction_with_their_results(db, sent):
    keys = [f"together-{n}" for n in range(12)]
    for key in keys:
        await request(db, key)
    performer = Grouped(sent)
    assert await runner(db, performer, concurrency=12).run_due() == 12
    assert sorted(k for group in performer.groups for k in group) == sorted(keys)
    assert len(performer.groups) < len(keys)  # grouped, not one transaction each
    for key in keys:
        effect = await row(db, key)
        assert effect.status == DONE and effect.result == {"sent": key}
        assert effect.finished_at is not None and await consequence_count(db, key) == 1


async def test_a_hook_failing_in_a_group_fails_only_its_own_intent(db, sent):
    keys = ["good-1", "bad", "good-2", "good-3"]
    for key in keys:
        await request(db, key)
    performer = Grouped(sent)
    effects = runner(db, performer, concurrency=4)
    assert await effects.run_due() == 4
    for key in ("good-1", "good-2", "good-3"):
        assert (await row(db, key)).status == DONE and await consequence_count(db, key) == 1
    # Its marking and its hook rolled back together; the sweep never repeats it.
    assert (await row(db, "bad")).status == RUNNING and await consequence_count(db, "bad") == 0
    await eventually(effects.sweep_stale, timeout=5)
    assert (await row(db, "bad")).status == IN_DOUBT
    assert sorted(lines(sent)) == sorted(keys)  # each performed once


async def test_a_done_intent_whose_claim_moved_on_is_not_recorded_in_a_group(db, sent):
    for key in ("kept", "taken"):
        await request(db, key)

    class StaffRetriesMidway(Grouped):
        async def perform(self, intent):
            result = await super().perform(intent)
            if intent.key == "taken":  # settled elsewhere meanwhile (a sweep, staff)
                async with db.sessions() as session, session.begin():
                    await session.execute(
                        side_effects.update()
                        .where(side_effects.c.key == "taken")
                        .values(status=FAILED, claim=None)
                    )
            return result

    performer = StaffRetriesMidway(sent)
    assert await runner(db, performer, concurrency=2).run_due() == 2
    assert (await row(db, "kept")).status == DONE
    assert (await row(db, "taken")).status == FAILED  # the late outcome is dropped
    assert [k for group in performer.groups for k in group] == ["kept"]


async def test_long_performs_holding_most_slots_do_not_starve_a_new_intent(db, sent):
    """Under load the next claim waits for several free slots, but never longer than the
    idle poll, however many wake-ups keep coming."""

    class SlowForSome(Scripted):
        async def perform(self, intent):
            if intent.key.startswith("long"):
                await asyncio.sleep(3)
            return await super().perform(intent)

    for n in range(3):
        await request(db, f"long-{n}")
    performer = SlowForSome(sent, policy=EffectPolicy(timeout_seconds=10))
    effects = runner(db, performer, concurrency=4, claim_at_least=4, idle_poll_seconds=0.3)
    task = asyncio.create_task(effects.run())

    async def keep_waking() -> None:
        while True:
            effects.wake()
            await asyncio.sleep(0.02)

    waking = asyncio.create_task(keep_waking())
    try:
        await eventually(lambda: _status_is(db, "long-0", RUNNING), timeout=5)
        await request(db, "short")
        await eventually(lambda: _status_is(db, "short", DONE), timeout=2.5)  # longs still on
        assert (await row(db, "long-0")).status == RUNNING
    finally:
        waking.cancel()
        task.cancel()
        await asyncio.gather(waking, task, return_exceptions=True)


# -- recording -------------------------------------------------------------------------


async def test_the_same_kind_and_key_requested_twice_is_one_intent(db, sent):
    assert await request(db, "once") is True
    assert await request(db, "once") is False
    async with db.sessions() as session, session.begin():
        assert (
            await request_effect(session, side_effects, kind="mail", key="twice", payload={})
            is True
        )
        assert (
            await request_effect(session, side_effects, kind="mail", key="twice", payload={"x": 1})
            is False
        )
    assert await request(db, "once", kind="telegram") is True  # another kind, another intent

    performer = Scripted(sent)
    assert await runner(db, performer).run_due() == 2  # the telegram one has no performer here
    assert await request(db, "once") is False  # done already: still the same intent
    assert await runner(db, performer).run_due() == 0
    assert sorted(lines(sent)) == ["once", "twice"]
    assert (await row(db, "twice")).payload == {}  # the first request stands


async def test_many_requests_at_once_record_each_new_intent_once(db, sent):
    assert await request(db, "known") is True
    wanted = [
        EffectRequest("mail", "known", {"to": "again"}),  # requested before
        EffectRequest("mail", "fresh-1", {"to": "a"}, correlation_id="c-1"),
        EffectRequest("mail", "fresh-2", {"to": "b"}),
        EffectRequest("mail", "fresh-1", {"to": "second copy"}),  # twice in one call
    ]
    async with db.sessions() as session, session.begin():
        new = await request_effects(session, side_effects, wanted)
        assert session.info[REQUESTED_FLAG] is True
    assert [(r.key, r.payload) for r in new] == [("fresh-1", {"to": "a"}), ("fresh-2", {"to": "b"})]
    assert (await row(db, "fresh-1")).payload == {"to": "a"}  # the first request stands
    assert (await row(db, "fresh-1")).correlation_id == "c-1"
    assert (await row(db, "known")).payload == {"to": "known@example.com"}
    async with db.sessions() as session, session.begin():
        assert await request_effects(session, side_effects, []) == []
        assert REQUESTED_FLAG not in session.info


async def test_a_rolled_back_request_is_no_intent(db, sent):
    with pytest.raises(RuntimeError):
        async with db.sessions() as session, session.begin():
            assert await request_effect(
                session, side_effects, kind="mail", key="abandoned", payload={}
            )
            assert session.info[REQUESTED_FLAG] is True
            raise RuntimeError("the state change failed")
    assert await row(db, "abandoned") is None
    assert await runner(db, Scripted(sent)).run_due() == 0
    assert lines(sent) == []


async def test_two_runners_side_by_side_perform_each_intent_once(db, database_url, sent):
    keys = [f"order-{n}" for n in range(50)]
    async with db.sessions() as session, session.begin():
        for key in keys:
            await request_effect(session, side_effects, kind="mail", key=key, payload={})
    other_db = Database(database_url)  # another replica: its own pool
    first, second = Scripted(sent, delay=0.01), Scripted(sent, delay=0.01)
    runners = [runner(db, first, concurrency=4), runner(other_db, second, concurrency=4)]
    for r in runners:
        r.wake()
    tasks = [asyncio.create_task(r.run()) for r in runners]
    try:
        await eventually(lambda: _all_done(db, len(keys)), timeout=15)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await other_db.dispose()
    assert Counter(lines(sent)) == Counter(keys)  # every one, once
    assert first.calls + second.calls == 50 and first.calls > 0 and second.calls > 0


async def test_a_pass_claims_no_more_than_there_is_room_for(db, sent):
    async with db.sessions() as session, session.begin():
        for n in range(10):
            await request_effect(session, side_effects, kind="mail", key=f"k{n}", payload={})
    assert await runner(db, Scripted(sent), concurrency=4).run_due() == 4
    async with db.sessions() as session:
        pending = (
            await session.execute(select(func.count()).where(side_effects.c.status == PENDING))
        ).scalar_one()
    assert pending == 6 and len(lines(sent)) == 4


async def _all_done(db, expected: int) -> bool:
    async with db.sessions() as session:
        done = (
            await session.execute(select(func.count()).where(side_effects.c.status == DONE))
        ).scalar_one()
    return done == expected


async def test_run_is_woken_by_a_request_and_stops_cleanly(db, sent):
    effects = runner(db, Scripted(sent, delay=0.2), idle_poll_seconds=60)
    task = asyncio.create_task(effects.run())
    await asyncio.sleep(0.05)
    await request(db, "woken")
    effects.wake()  # what the unit of work does after a commit that set REQUESTED_FLAG
    await eventually(lambda: _status_is(db, "woken", RUNNING), timeout=2)
    task.cancel()  # mid-perform: it gets its grace to finish and record
    await asyncio.gather(task, return_exceptions=True)
    assert (await row(db, "woken")).status == DONE


async def test_stopping_in_the_middle_of_a_claim_hands_the_rows_back(db, sent):
    await request(db, "unlucky")
    performer = Scripted(sent)
    effects = runner(db, performer)
    claimed = asyncio.Event()
    claim = effects._claim

    async def claim_then_dawdle(limit):
        rows = await claim(limit)
        claimed.set()
        await asyncio.sleep(0.2)  # the commit is through, the answer not yet back
        return rows

    effects._claim = claim_then_dawdle
    task = asyncio.create_task(effects.run())
    await asyncio.wait_for(claimed.wait(), 5)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    effect = await row(db, "unlucky")
    assert (effect.status, effect.attempts) == (PENDING, 0) and performer.calls == 0


# -- staff -----------------------------------------------------------------------------


async def test_staff_retry_puts_a_failed_or_in_doubt_intent_back(db, sent):
    await request(db, "doubtful")
    performer = Scripted(sent, "boom", "ok")
    effects = runner(db, performer)
    await effects.run_due()
    effect = await row(db, "doubtful")
    assert effect.status == IN_DOUBT

    async with db.sessions() as session, session.begin():
        assert await retry(session, side_effects, effect.id) is True
        assert session.info.pop(REQUESTED_FLAG) is True
    retried = await row(db, "doubtful")
    assert (retried.status, retried.attempts) == (PENDING, 0)

    assert await effects.run_due() == 1
    assert (await row(db, "doubtful")).status == DONE
    assert lines(sent) == ["doubtful", "doubtful"]  # staff chose to send it again
    async with db.sessions() as session, session.begin():
        assert await retry(session, side_effects, effect.id) is False  # done: nothing to retry
        assert await needing_attention(session, side_effects) == []


# -- migration -------------------------------------------------------------------------


def test_the_kit_revision_builds_the_table_and_undoes_it(databases):
    url = databases.create("effects_migration")
    migrations.upgrade(url, PROBE_MIGRATIONS)
    only_side_effects = MetaData()
    side_effects_table(only_side_effects)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, type_, parents: (
                        type_ != "table" or name == "side_effects"
                    ),
                },
            )
            assert compare_metadata(context, only_side_effects) == []
        migrations.downgrade(url, PROBE_MIGRATIONS, "messaging_0001")
        with engine.connect() as conn:
            assert "side_effects" not in inspect(conn).get_table_names()
    finally:
        engine.dispose()
