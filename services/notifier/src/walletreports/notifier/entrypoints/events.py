"""Events the notifier consumes. Each handler runs inside the inbox's transaction: a
redelivered event has no second effect, and a notification is unique by its fact besides
(the same payment under a new event id writes nothing new). Bad data (an unknown user
or order, no address, a template that cannot render) is a notification row `refused`
with its reason, never an error: the consumer goes on. Only infrastructure failures
(the database away) are retried, by the kit.

The handlers that tell someone take the events the kit fetched together (`on_batch`):
their notices are delivered together, in a fixed number of statements for the whole
batch (service_layer.notifying.deliver). If one fails, the kit hands them over again
one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from walletreports.contracts import Event
from walletreports.contracts.dune_runner import (
    AnalysisFinished,
    AnalysisStarted,
    BudgetThresholdReached,
    IntakePaused,
    QueryFailed,
)
from walletreports.contracts.orders import (
    OrderCreated,
    OrderPaid,
    SubscriptionActivated,
    SubscriptionExpired,
)
from walletreports.contracts.payments import (
    InvoiceOverpaid,
    InvoicePaidLate,
    InvoiceUnderpaid,
    PaymentRejected,
    RefundRequested,
    RefundSent,
)
from walletreports.contracts.web import UserRegistered, UserUpdated
from walletreports.kit import Clock, EventHandlers, UnitOfWork

from ..adapters import contacts_repo
from ..adapters.metrics import count
from ..adapters.unit_of_work import NotifierUnitOfWork
from ..domain import Channel, Notice, NotificationStatus
from ..service_layer import notices
from ..service_layer.notifying import DeliveryRules, deliver
from ..service_layer.ports import ChannelPort

handlers = EventHandlers("notifier")

E = TypeVar("E", bound=Event)
Channels = Mapping[Channel, ChannelPort]

_OUTCOME = {
    NotificationStatus.PENDING: "queued",
    NotificationStatus.SKIPPED: "skipped",
    NotificationStatus.REFUSED: "refused",
}


async def _tell(
    uow: NotifierUnitOfWork,
    planned: Sequence[Notice],
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    written = await deliver(uow, planned, channels=channels, rules=rules, now=clock.now())
    for notification in written:
        count(notification.channel.value, _OUTCOME.get(notification.status, "queued"))


def _each(plan: Callable[[E], Iterable[Notice]], events: Sequence[E]) -> list[Notice]:
    return [notice for event in events for notice in plan(event)]


# --- what the notifier remembers ------------------------------------------------------


@handlers.on(UserRegistered)
async def remember_new_contact(event: UserRegistered, uow: UnitOfWork) -> None:
    await contacts_repo.upsert_from_user_event(uow.session, event)


@handlers.on(UserUpdated)
async def update_contact(event: UserUpdated, uow: UnitOfWork) -> None:
    await contacts_repo.upsert_from_user_event(uow.session, event)


@handlers.on_batch(OrderCreated)
async def remember_order(events: Sequence[OrderCreated], uow: NotifierUnitOfWork) -> None:
    await uow.orders.remember_many([notices.known_order(event) for event in events])


# --- to the user ------------------------------------------------------------------


@handlers.on_batch(OrderPaid)
async def tell_payment_received(
    events: Sequence[OrderPaid],
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await uow.orders.remember_many([notices.known_order(event) for event in events])
    await _tell(uow, _each(notices.payment_received, events), clock, channels, rules)


@handlers.on_batch(AnalysisStarted)
async def tell_processing_started(
    events: Sequence[AnalysisStarted],
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, _each(notices.processing_started, events), clock, channels, rules)


@handlers.on_batch(AnalysisFinished)
async def tell_analysis_finished(
    events: Sequence[AnalysisFinished],
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, _each(notices.analysis_finished, events), clock, channels, rules)


@handlers.on_batch(InvoicePaidLate)
async def tell_paid_late(
    events: Sequence[InvoicePaidLate],
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, _each(notices.paid_late, events), clock, channels, rules)


@handlers.on_batch(InvoiceUnderpaid)
async def tell_underpaid(
    events: Sequence[InvoiceUnderpaid],
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, _each(notices.underpaid, events), clock, channels, rules)


@handlers.on_batch(RefundRequested)
async def tell_refund_requested(
    events: Sequence[RefundRequested],
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, _each(notices.refund_requested, events), clock, channels, rules)


@handlers.on_batch(RefundSent)
async def tell_refund_sent(
    events: Sequence[RefundSent],
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, _each(notices.refund_sent, events), clock, channels, rules)


@handlers.on_batch(SubscriptionActivated)
async def tell_subscription_activated(
    events: Sequence[SubscriptionActivated],
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    for event in events:
        await uow.subscriptions.remember(notices.known_subscription(event))
    await _tell(uow, _each(notices.subscription_activated, events), clock, channels, rules)


@handlers.on_batch(SubscriptionExpired)
async def tell_subscription_expired(
    events: Sequence[SubscriptionExpired],
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    for event in events:
        await uow.subscriptions.ended(event.subscription_id, at=event.expired_at)
    await _tell(uow, _each(notices.subscription_expired, events), clock, channels, rules)


# --- to staff ---------------------------------------------------------------------


@handlers.on_batch(InvoiceOverpaid)
async def alert_overpaid(
    events: Sequence[InvoiceOverpaid],
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, _each(notices.overpaid, events), clock, channels, rules)


@handlers.on_batch(PaymentRejected)
async def alert_payment_rejected(
    events: Sequence[PaymentRejected],
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, _each(notices.payment_rejected, events), clock, channels, rules)


@handlers.on_batch(QueryFailed)
async def alert_query_failed(
    events: Sequence[QueryFailed],
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, _each(notices.query_failed, events), clock, channels, rules)


@handlers.on_batch(BudgetThresholdReached)
async def alert_budget_threshold(
    events: Sequence[BudgetThresholdReached],
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, _each(notices.budget_threshold, events), clock, channels, rules)


@handlers.on_batch(IntakePaused)
async def alert_intake_paused(
    events: Sequence[IntakePaused],
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, _each(notices.intake_paused, events), clock, channels, rules)


__all__ = ["handlers"]
