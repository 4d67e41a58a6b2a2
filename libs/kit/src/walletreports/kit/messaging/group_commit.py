"""Handling a batch of one consumer's events in one transaction.

A transaction per message costs more than most handlers, so the messages fetched
together are claimed in the inbox and handled in one transaction. If any handler of
the batch raises, the batch is redone one event per transaction so the failure stays
with its own event and the others still commit. Handlers therefore never rely on
running alone or in order, and stay quick (database work): a batch of up to
GROUP_SIZE events must finish within GROUP_DEADLINE_SECONDS, so slow I/O (email,
HTTP calls) does not belong inside a handler's transaction.

The one error policy (kit.errors): a DomainError is a refusal for good (an unknown
order, an illegal transition): the same event would be refused on every redelivery, so
its effects are rolled back, the refusal is logged and recorded on the event's inbox
row (outcome "refused", with the code and message, for staff), and it is acknowledged.
Any other exception is infrastructure (the database away, a lock timeout): rolled back
and retried with back-off.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from walletreports.contracts import Event

from ..errors import DomainError
from ..log import correlated
from .inbox import Inbox
from .metrics import HANDLED
from .routes import Route
from .unit_of_work import UnitsOfWork

log = logging.getLogger(__name__)

# True: handled now (or refused for good, and recorded); False: handled before (a redelivery or a duplicate); an
# exception: the handler failed and its effects were rolled back.
Outcome = bool | Exception

ACK_WAIT_SECONDS = 60
# A stuck batch fails well before JetStream would redeliver its messages.
GROUP_DEADLINE_SECONDS = ACK_WAIT_SECONDS / 2


class GroupCommitter:
    def __init__(self, route: Route[Any], units: UnitsOfWork[Any], inbox: Inbox) -> None:
        self.route = route
        self.units = units
        self.inbox = inbox

    async def handle(self, events: list[Event]) -> list[Outcome]:
        """One outcome per event, in the order given."""
        try:
            fresh = await self._handle_together(events)
        except Exception as exc:  # noqa: BLE001 - isolate the failure below
            if len(events) == 1:
                return [await self._refuse(events[0], exc) if isinstance(exc, DomainError) else exc]
            return [await self._handle_alone(event) for event in events]
        outcomes: list[Outcome] = []
        for event in events:
            # Only the first copy of an event counts as handled; later copies are duplicates.
            outcomes.append(event.event_id in fresh)
            fresh.discard(event.event_id)
        return outcomes

    async def _handle_alone(self, event: Event) -> Outcome:
        try:
            return bool(await self._handle_together([event]))
        except DomainError as exc:
            return await self._refuse(event, exc)
        except Exception as exc:  # noqa: BLE001 - goes back to its own message
            return exc

    async def _refuse(self, event: Event, refusal: DomainError) -> Outcome:
        """Record a refusal for good in the inbox, without the handler's effects."""
        try:
            async with asyncio.timeout(GROUP_DEADLINE_SECONDS), self.units() as uow:
                fresh = await self.inbox.claim_many(uow.session, self.route.consumer, [event])
                if fresh:
                    await self.inbox.record_refusal(
                        uow.session, self.route.consumer, event, refusal.code, refusal.message
                    )
        except Exception as exc:  # noqa: BLE001 - could not record it: retried like any failure
            return exc
        if fresh:
            HANDLED.labels(self.route.consumer, "refused").inc()
            with correlated(event.correlation_id):
                log.error(
                    "%s refused %s %s for good (%s: %s); acknowledged, not retried",
                    self.route.consumer,
                    event.subject,
                    event.event_id,
                    refusal.code,
                    refusal.message,
                )
        return bool(fresh)

    async def _handle_together(self, events: list[Event]) -> set[Any]:
        """Claim and handle events in one transaction; returns the ids handled now."""
        async with asyncio.timeout(GROUP_DEADLINE_SECONDS), self.units() as uow:
            fresh = await self.inbox.claim_many(uow.session, self.route.consumer, events)
            todo: dict[Any, Event] = {}
            for event in events:
                if event.event_id in fresh:
                    todo.setdefault(event.event_id, event)  # a second copy in one batch runs once
            # One lock order for everyone: by correlation id (the order whose rows a
            # handler locks), so batches on different replicas rarely deadlock.
            if todo:
                await self.route.handle(
                    sorted(todo.values(), key=lambda e: e.correlation_id or ""), uow
                )
        return set(fresh)
