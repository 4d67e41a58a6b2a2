"""The effect runner: performs recorded intents, at most once each, outside any
transaction. (The package docstring has the whole story; this is the mechanics.)

- Claim: due pending rows of the kinds it knows, FOR UPDATE SKIP LOCKED (replicas never
  claim one row together), are set `running` (attempts + 1, started_at, a fresh claim
  id) and COMMITTED before any I/O. From then on nobody performs that row again
  unless its outcome is known not to have happened.
- Perform: each claimed row in its own task, under its performer's timeout, with no
  transaction or connection held.
- Record: a new transaction writes the outcome, if the row is still under this claim,
  and the performer's hook (on_done / on_failed) in the same transaction. Intents done
  while another group of done ones is being recorded are recorded together, in one
  transaction with one UPDATE and one on_done_many per kind (group commit: under load a
  transaction per send would cost more than the send); failures are recorded one by one.
- Stale sweep: a row `running` for longer than its performer's timeout plus a margin
  lost its runner (a crash, a kill, the database away while recording): its outcome is
  unknown, settled by the performer's reconcile, else `in_doubt` (or tried again when
  safe to repeat). All times are the database's clock, so replicas agree.
- Stopping (the run task cancelled): no new claims (one under way is finished and
  handed back to pending: nothing of it was performed); the intents being performed get
  `stop_grace_seconds` to finish and record; any still going are cancelled and left
  `running` for the sweep, which is the same as a crash.
- Rows of a kind the runner has no performer for are never claimed by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from prometheus_client import Counter, Gauge
from sqlalchemy import (
    BigInteger,
    Integer,
    Table,
    Text,
    any_,
    bindparam,
    column,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..log import correlated
from ..messaging.outbox import RECORDED_FLAG
from .grouping import GroupWriter
from .performer import EffectNotPerformed, EffectRefused, Happened, Intent, Performer
from .requests import REQUESTED_FLAG
from .table import DONE, FAILED, IN_DOUBT, PENDING, RUNNING, UNRESOLVED

log = logging.getLogger(__name__)

# outcome: done | retrying (did not happen, pending again) | failed | in_doubt |
# unrecorded (the outcome could not be written; the row is left to the stale sweep).
EFFECTS = Counter("side_effects_total", "Side effect attempts by outcome", ["kind", "outcome"])
UNRESOLVED_ROWS = Gauge(
    "side_effects_unresolved",
    "Side effects failed or in doubt, waiting for staff",
    ["kind", "status"],
)

_OUTCOME_LABEL = {DONE: "done", PENDING: "retrying", FAILED: "failed", IN_DOUBT: "in_doubt"}
# The most done intents recorded in one transaction.
DONE_GROUP_SIZE = 128


@dataclass(frozen=True)
class _Outcome:
    status: str  # DONE, PENDING (try again), FAILED or IN_DOUBT
    result: Any = None
    error: str | None = None
    retry_in: timedelta | None = None


@dataclass(frozen=True)
class _Finished:
    """An intent performed, its outcome to be recorded."""

    performer: Performer
    intent: Intent
    claim: uuid.UUID
    outcome: _Outcome


class EffectRunner:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        table: Table,
        performers: Mapping[str, Performer],
        *,
        on_events_committed: Callable[[], None] = lambda: None,
        unit_of_work: Callable[[AsyncSession], Any] = lambda session: session,
        concurrency: int = 16,
        idle_poll_seconds: float = 1.0,
        stale_margin_seconds: float = 30.0,
        sweep_every_seconds: float = 10.0,
        stop_grace_seconds: float = 5.0,
        record_retry_seconds: Sequence[float] = (0.2, 1.0, 3.0),
        claim_at_least: int | None = None,
    ) -> None:
        """`on_events_committed` is called after a transaction of this runner (an
        outcome and its hook) recorded outbox events: pass the relay's wake.

        `concurrency`: how many intents are performed at once (a slot is taken at the
        claim and given back when the perform ends; its recording does not hold it).
        `claim_at_least`: while some are being performed, the next claim waits until
        this many slots are free (default a quarter of `concurrency`), so that under
        load one claim's transaction fetches several rows, not one per finished
        perform; with none under way, at the idle poll, or once the last claim is an
        idle poll old, it claims whatever is free.

        `stale_margin_seconds` must cover what may pass between a perform's end and
        its outcome's commit (the record retries, a lock wait): a row running longer
        than its performer's timeout plus this margin is taken for abandoned."""
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.sessions = sessions
        self.table = table
        self.performers = dict(performers)
        self.on_events_committed = on_events_committed
        self.unit_of_work = unit_of_work
        self.concurrency = concurrency
        self.idle_poll_seconds = idle_poll_seconds
        self.stale_margin_seconds = stale_margin_seconds
        self.sweep_every_seconds = sweep_every_seconds
        self.stop_grace_seconds = stop_grace_seconds
        self.record_retry_seconds = tuple(record_retry_seconds)
        wanted = concurrency // 4 if claim_at_least is None else claim_at_least
        self.claim_at_least = min(concurrency, max(1, wanted))
        self._wake = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()  # performing or recording
        self._performing = 0  # slots taken: claimed and not yet performed
        # A claim waits for free slots no longer than the idle poll, even when wake-ups
        # keep coming (long performs holding most slots must not starve new intents).
        self._last_claim_at = float("-inf")
        self._claim_statement = _claim_statement(table)
        self._done_writer = GroupWriter(
            self._write_done_together, self._write_alone, max_size=DONE_GROUP_SIZE
        )
        self._done_statement = _done_statement(table)

    def wake(self) -> None:
        """Ask for a pass now (called after a commit that requested effects)."""
        self._wake.set()

    async def run(self) -> None:
        """Claim and perform until cancelled; sweep stale rows on the side."""
        sweeper = asyncio.create_task(self._sweep_forever(), name="effects-sweep")
        try:
            idle = True
            while True:
                await _logged(functools.partial(self._start_due, force=idle), "side effect claim")
                try:
                    # asyncio.timeout, not wait_for: no task of its own on every wake-up.
                    async with asyncio.timeout(self.idle_poll_seconds):
                        await self._wake.wait()
                    idle = False
                except TimeoutError:
                    idle = True
                self._wake.clear()
        finally:
            sweeper.cancel()
            await asyncio.gather(sweeper, return_exceptions=True)
            await self._drain()
            await self._done_writer.close()

    async def run_due(self) -> int:
        """One pass: claim what is due (as much as there is room for), perform it and
        record the outcomes. Returns how many intents it claimed."""
        tasks = await self._start_due()
        if tasks:
            await asyncio.gather(*tasks)
        return len(tasks)

    async def sweep_stale(self) -> int:
        """Settle rows whose runner stopped while they were running. Returns how many."""
        settled = 0
        for kind, performer in self.performers.items():
            stale = await self._reclaim_stale(kind, performer)
            settled += len(stale)
            await asyncio.gather(
                *(self._settle_stale(performer, intent, claim) for intent, claim in stale)
            )
        return settled

    async def refresh_unresolved_gauge(self) -> None:
        t = self.table
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(t.c.kind, t.c.status, func.count())
                    .where(t.c.status.in_(UNRESOLVED))
                    .group_by(t.c.kind, t.c.status)
                )
            ).all()
        counts = {(kind, status): n for kind, status, n in rows}
        for kind in set(self.performers) | {kind for kind, _ in counts}:
            for status in UNRESOLVED:
                UNRESOLVED_ROWS.labels(kind, status).set(counts.get((kind, status), 0))

    # -- claiming and performing ------------------------------------------------------

    async def _start_due(self, *, force: bool = True) -> list[asyncio.Task[None]]:
        room = self.concurrency - self._performing
        if room <= 0 or not self.performers:
            return []
        now = asyncio.get_running_loop().time()
        recent = now - self._last_claim_at < self.idle_poll_seconds
        if not force and self._performing and room < self.claim_at_least and recent:
            return []  # a few more performs first: then one claim for several
        self._last_claim_at = now
        claiming = asyncio.ensure_future(self._claim(room))
        try:
            claimed = await asyncio.shield(claiming)
        except asyncio.CancelledError:
            # Stopped in the middle of a claim: let it finish and hand its rows back
            # (nothing was performed), rather than leave them running to end in doubt.
            with contextlib.suppress(Exception):
                await self._unclaim(await claiming)
            raise
        tasks = []
        self._performing += len(claimed)
        for intent, claim in claimed:
            task = asyncio.create_task(
                self._carry_out(intent, claim), name=f"effect-{intent.kind}-{intent.id}"
            )
            self._in_flight.add(task)
            task.add_done_callback(self._finished)
            tasks.append(task)
        return tasks

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)

    def _slot_free(self) -> None:
        self._performing -= 1
        self._wake.set()

    async def _claim(self, limit: int) -> list[tuple[Intent, uuid.UUID]]:
        claim = uuid.uuid4()
        # Committed before anything is performed: from here on, the row says "maybe".
        async with self.sessions() as session, session.begin():
            rows = (
                await session.execute(
                    self._claim_statement,
                    {"kinds": list(self.performers), "limit": limit, "claim": claim},
                )
            ).all()
        return [(_intent(row), claim) for row in rows]

    async def _unclaim(self, claimed: list[tuple[Intent, uuid.UUID]]) -> None:
        if not claimed:
            return
        t = self.table
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(t)
                .where(t.c.claim == claimed[0][1], t.c.status == RUNNING)
                .values(status=PENDING, attempts=t.c.attempts - 1, claim=None)
            )

    async def _carry_out(self, intent: Intent, claim: uuid.UUID) -> None:
        performer = self.performers[intent.kind]
        with correlated(intent.correlation_id):
            try:
                try:
                    outcome = await self._perform(performer, intent)
                finally:
                    self._slot_free()
                await self._record(performer, intent, claim, outcome)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug here must not kill the runner
                log.exception(
                    "side effect %s %r (id %d): the runner failed; left to the stale sweep",
                    intent.kind,
                    intent.key,
                    intent.id,
                )

    async def _perform(self, performer: Performer, intent: Intent) -> _Outcome:
        timeout = performer.policy.timeout_seconds
        try:
            async with asyncio.timeout(timeout):  # no task of its own, as wait_for makes
                result = await performer.perform(intent)
        except EffectNotPerformed as exc:
            return self._not_performed(
                performer, intent, f"not performed: {_describe(exc)}", at_least=exc.retry_after
            )
        except EffectRefused as exc:
            return _Outcome(FAILED, error=f"refused: {_describe(exc)}")
        except TimeoutError:
            return await self._unknown(
                performer, intent, f"outcome unknown: no answer within {timeout:g}s"
            )
        except Exception as exc:  # whatever it was, it may have happened
            log.warning(
                "side effect %s %r (id %d) raised; its outcome is unknown",
                intent.kind,
                intent.key,
                intent.id,
                exc_info=True,
            )
            return await self._unknown(performer, intent, f"outcome unknown: {_describe(exc)}")
        return _Outcome(DONE, result=result)

    # -- deciding ---------------------------------------------------------------------

    def _not_performed(
        self,
        performer: Performer,
        intent: Intent,
        error: str,
        *,
        at_least: timedelta | None = None,
    ) -> _Outcome:
        if intent.attempts >= performer.policy.max_attempts:
            return _Outcome(FAILED, error=f"{error} (gave up after {intent.attempts} attempts)")
        retry_in = performer.policy.backoff(intent.attempts)
        if at_least is not None and at_least > retry_in:
            retry_in = at_least
        return _Outcome(PENDING, error=error, retry_in=retry_in)

    async def _unknown(self, performer: Performer, intent: Intent, error: str) -> _Outcome:
        """It may have happened: ask reconcile; else in doubt, unless safe to repeat."""
        try:
            verdict = await asyncio.wait_for(
                performer.reconcile(intent), performer.policy.timeout_seconds
            )
        except Exception as exc:  # a reconcile that fails cannot tell
            log.warning(
                "side effect %s %r (id %d): reconcile failed",
                intent.kind,
                intent.key,
                intent.id,
                exc_info=True,
            )
            verdict, error = None, f"{error}; reconcile failed: {_describe(exc)}"
        if verdict is True or isinstance(verdict, Happened):
            result = verdict.result if isinstance(verdict, Happened) else None
            return _Outcome(DONE, result=result, error=f"{error}; reconciled: it happened")
        if verdict is False:
            return self._not_performed(performer, intent, f"{error}; reconciled: it did not happen")
        if performer.policy.safe_to_repeat:
            return self._not_performed(performer, intent, f"{error}; safe to repeat")
        return _Outcome(IN_DOUBT, error=error)

    # -- recording --------------------------------------------------------------------

    async def _record(
        self, performer: Performer, intent: Intent, claim: uuid.UUID, outcome: _Outcome
    ) -> None:
        """Write the outcome, trying again a few times (the database may blink). If it
        cannot be written, the row stays `running` and the stale sweep settles it."""
        for delay in (*self.record_retry_seconds, None):
            try:
                recorded = await self._write_outcome(performer, intent, claim, outcome)
                break
            except Exception:
                if delay is None:
                    EFFECTS.labels(intent.kind, "unrecorded").inc()
                    log.exception(
                        "side effect %s %r (id %d): could not record its outcome (%s: %s); "
                        "left running for the stale sweep",
                        intent.kind,
                        intent.key,
                        intent.id,
                        outcome.status,
                        outcome.error or "ok",
                    )
                    return
                log.warning(
                    "side effect %s %r (id %d): recording its outcome failed; again in %gs",
                    intent.kind,
                    intent.key,
                    intent.id,
                    delay,
                    exc_info=True,
                )
                await asyncio.sleep(delay)
        if not recorded:
            log.warning(
                "side effect %s %r (id %d): already settled elsewhere; this outcome (%s) is dropped",
                intent.kind,
                intent.key,
                intent.id,
                outcome.status,
            )
            return
        EFFECTS.labels(intent.kind, _OUTCOME_LABEL[outcome.status]).inc()
        if outcome.status in UNRESOLVED:
            log.error(
                "side effect %s %r (id %d) is %s: %s",
                intent.kind,
                intent.key,
                intent.id,
                outcome.status,
                outcome.error,
            )
        elif outcome.status == PENDING:
            log.warning(
                "side effect %s %r (id %d) attempt %d: %s; again in %s",
                intent.kind,
                intent.key,
                intent.id,
                intent.attempts,
                outcome.error,
                outcome.retry_in,
            )

    async def _write_outcome(
        self, performer: Performer, intent: Intent, claim: uuid.UUID, outcome: _Outcome
    ) -> bool:
        finished = _Finished(performer, intent, claim, outcome)
        if outcome.status == DONE:
            return await self._done_writer.write(finished)
        return await self._write_alone(finished)

    async def _write_alone(self, finished: _Finished) -> bool:
        performer, intent, claim, outcome = (
            finished.performer,
            finished.intent,
            finished.claim,
            finished.outcome,
        )
        t = self.table
        values: dict[str, Any] = {"status": outcome.status}
        if outcome.error is not None:
            values["last_error"] = outcome.error[:2000]
        if outcome.status == PENDING:
            assert outcome.retry_in is not None
            values |= {"next_attempt_at": func.now() + outcome.retry_in, "claim": None}
        else:
            values["finished_at"] = func.now()
        if outcome.status == DONE:
            values["result"] = outcome.result
        # Only the holder of the claim writes; a late outcome may still replace an
        # in_doubt that a sweep wrote meanwhile (it knows better), nothing else.
        statement = (
            update(t)
            .where(t.c.id == intent.id, t.c.claim == claim, t.c.status.in_((RUNNING, IN_DOUBT)))
            .values(**values)
            .returning(t.c.id)
        )
        async with self.sessions() as session:
            async with session.begin():
                if (await session.execute(statement)).first() is None:
                    return False
                if outcome.status == DONE:
                    await performer.on_done(self.unit_of_work(session), intent, outcome.result)
                elif outcome.status in UNRESOLVED:
                    await performer.on_failed(
                        self.unit_of_work(session), intent, outcome.status, outcome.error or ""
                    )
            self._after_commit(session)
        return True

    async def _write_done_together(self, group: Sequence[_Finished]) -> list[bool]:
        """Done intents in one transaction: one UPDATE (each row only if still under
        its claim, as alone) and each kind's on_done_many for the rows it updated."""
        rows = [
            {
                "id": f.intent.id,
                "claim": str(f.claim),
                "result": f.outcome.result,
                "error": None if f.outcome.error is None else f.outcome.error[:2000],
            }
            for f in group
        ]
        async with self.sessions() as session:
            async with session.begin():
                updated = set(
                    (await session.execute(self._done_statement, {"rows": rows})).scalars()
                )
                by_kind: dict[str, list[_Finished]] = {}
                for f in group:
                    if f.intent.id in updated:
                        by_kind.setdefault(f.intent.kind, []).append(f)
                uow = self.unit_of_work(session) if by_kind else None
                for done in by_kind.values():
                    await done[0].performer.on_done_many(
                        uow, [(f.intent, f.outcome.result) for f in done]
                    )
            self._after_commit(session)
        return [f.intent.id in updated for f in group]

    def _after_commit(self, session: AsyncSession) -> None:
        if session.info.pop(RECORDED_FLAG, False):
            self.on_events_committed()
        if session.info.pop(REQUESTED_FLAG, False):
            self.wake()  # a hook asked for a follow-up effect

    # -- stale rows and stopping ------------------------------------------------------

    async def _reclaim_stale(
        self, kind: str, performer: Performer
    ) -> list[tuple[Intent, uuid.UUID]]:
        """Take the rows of `kind` that have been running too long. Their started_at is
        moved on (they stay running, under the same claim), so other sweepers leave
        them alone while this one settles them; if it dies too, they come round again."""
        t = self.table
        threshold = timedelta(seconds=performer.policy.timeout_seconds + self.stale_margin_seconds)
        stale = (
            select(t.c.id)
            .where(t.c.status == RUNNING, t.c.kind == kind, t.c.started_at < func.now() - threshold)
            .order_by(t.c.started_at)
            .limit(self.concurrency)
            .with_for_update(skip_locked=True)
            .cte("stale")
            .prefix_with("MATERIALIZED")  # once, as in _claim
        )
        statement = (
            update(t)
            .where(t.c.id == stale.c.id, t.c.status == RUNNING)
            .values(started_at=func.now())
            .returning(*_intent_columns(t), t.c.claim)
        )
        async with self.sessions() as session, session.begin():
            rows = (await session.execute(statement)).all()
        return [(_intent(row), row.claim) for row in rows]

    async def _settle_stale(self, performer: Performer, intent: Intent, claim: uuid.UUID) -> None:
        with correlated(intent.correlation_id):
            log.warning(
                "side effect %s %r (id %d) was left running by a runner that stopped; outcome unknown",
                intent.kind,
                intent.key,
                intent.id,
            )
            outcome = await self._unknown(
                performer,
                intent,
                "outcome unknown: its runner stopped before recording it (crash, or database away)",
            )
            await self._record(performer, intent, claim, outcome)

    async def _sweep_forever(self) -> None:
        while True:
            await _logged(self.sweep_stale, "stale side effect sweep")
            await _logged(self.refresh_unresolved_gauge, "side effect gauge")
            await asyncio.sleep(self.sweep_every_seconds)

    async def _drain(self) -> None:
        """Let the intents being performed finish and record, for a while; then cancel
        them (they stay running: the stale sweep settles them, as after a crash)."""
        if not self._in_flight:
            return
        _, unfinished = await asyncio.wait(set(self._in_flight), timeout=self.stop_grace_seconds)
        for task in unfinished:
            task.cancel()
        if unfinished:
            log.warning(
                "stopping with %d side effects still being performed; left to the stale sweep",
                len(unfinished),
            )
            await asyncio.gather(*unfinished, return_exceptions=True)


def _claim_statement(t: Table) -> Any:
    """Claim up to :limit due pending rows of :kinds under :claim; returns them. Built
    once: compiled once."""
    due = (
        select(t.c.id)
        .where(
            t.c.status == PENDING,
            t.c.next_attempt_at <= func.now(),
            t.c.kind == any_(bindparam("kinds", type_=ARRAY(Text))),
        )
        .order_by(t.c.next_attempt_at, t.c.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
        .cte("due")
        # Run once, then joined: as `id IN (subquery)` PostgreSQL may rescan the
        # subquery per row, each rescan skipping the rows this UPDATE has just
        # changed and locking the next ones, and so claim far more than `limit`.
        .prefix_with("MATERIALIZED")
    )
    return (
        update(t)
        .where(t.c.id == due.c.id, t.c.status == PENDING)
        .values(
            status=RUNNING,
            attempts=t.c.attempts + 1,
            started_at=func.now(),
            finished_at=None,
            claim=bindparam("claim", type_=UUID(as_uuid=True)),
        )
        .returning(*_intent_columns(t))
    )


def _done_statement(t: Table) -> Any:
    """Mark done the rows in :rows (a JSON list of id, claim, result, error) that are
    still under that claim; returns their ids. Built once: compiled once."""
    done = (
        func.jsonb_to_recordset(bindparam("rows", type_=JSONB))
        .table_valued(
            column("id", BigInteger),
            column("claim", UUID(as_uuid=True)),
            column("result", JSONB),
            column("error", Text),
        )
        .render_derived(name="done", with_types=True)
    )
    return (
        update(t)
        .where(t.c.id == done.c.id, t.c.claim == done.c.claim, t.c.status.in_((RUNNING, IN_DOUBT)))
        .values(
            status=DONE,
            finished_at=func.now(),
            result=done.c.result,
            last_error=func.coalesce(done.c.error, t.c.last_error),
        )
        .returning(t.c.id)
    )


def _intent_columns(t: Table) -> tuple[Any, ...]:
    return (
        t.c.id,
        t.c.kind,
        t.c.key,
        t.c.payload,
        t.c.correlation_id,
        t.c.attempts,
        t.c.created_at,
    )


def _intent(row: Any) -> Intent:
    return Intent(
        id=row.id,
        kind=row.kind,
        key=row.key,
        payload=row.payload,
        correlation_id=row.correlation_id,
        attempts=row.attempts,
        created_at=row.created_at,
    )


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def _logged(step: Callable[[], Awaitable[Any]], what: str) -> Any:
    """Run one step of a loop; a failure (the database away) is logged, not raised."""
    try:
        return await step()
    except asyncio.CancelledError:
        raise
    except Exception:  # the loop tries again next time
        log.exception("%s failed", what)
        return None
