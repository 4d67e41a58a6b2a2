"""Events the notifier consumes. Each handler runs inside the inbox's transaction: a
redelivered event has no second effect, and a notification is unique by its fact besides
(the same payment under a new event id writes nothing new). Bad data (an unknown user
or order, no address, a template that cannot render) is a notification row `refused`
with its reason, never an error: the consumer goes on. Only infrastructure failures
(the database away) are retried, by the kit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    RefundRequested,
    RefundSent,
)
from walletreports.contracts.web import UserRegistered, UserUpdated
from walletreports.kit import Clock, EventHandlers, UnitOfWork

from ..adapters import contacts_repo
from ..adapters.metrics import count
from ..adapters.unit_of_work import NotifierUnitOfWork
from ..domain import Channel, KnownOrder, Notice, NotificationStatus
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
    now = clock.now()
    for notice in planned:
        for notification in await deliver(uow, notice, channels=channels, rules=rules, now=now):
            count(notification.channel.value, _OUTCOME.get(notification.status, "queued"))


# --- what the notifier remembers ------------------------------------------------------


@handlers.on(UserRegistered)
async def remember_new_contact(event: UserRegistered, uow: UnitOfWork) -> None:
    await contacts_repo.upsert_from_user_event(uow.session, event)


@handlers.on(UserUpdated)
async def update_contact(event: UserUpdated, uow: UnitOfWork) -> None:
    await contacts_repo.upsert_from_user_event(uow.session, event)


@handlers.on(OrderCreated)
async def remember_order(event: OrderCreated, uow: NotifierUnitOfWork) -> None:
    await uow.orders.remember(
        KnownOrder(
            order_id=event.order_id,
            user_id=event.user_id,
            product=event.product,
            wallet_address=event.wallet_address,
            description=event.description,
            price_usd=event.price_usd,
        )
    )


# --- to the user ------------------------------------------------------------------


@handlers.on(OrderPaid)
async def tell_payment_received(
    event: OrderPaid,
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await uow.orders.remember(
        KnownOrder(
            order_id=event.order_id,
            user_id=event.user_id,
            product=event.product,
            wallet_address=event.wallet_address,
            paid_via=event.paid_via,
        )
    )
    await _tell(uow, notices.payment_received(event), clock, channels, rules)


@handlers.on(AnalysisStarted)
async def tell_processing_started(
    event: AnalysisStarted,
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, notices.processing_started(event), clock, channels, rules)


@handlers.on(AnalysisFinished)
async def tell_analysis_finished(
    event: AnalysisFinished,
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, notices.analysis_finished(event), clock, channels, rules)


@handlers.on(InvoicePaidLate)
async def tell_paid_late(
    event: InvoicePaidLate,
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, notices.paid_late(event), clock, channels, rules)


@handlers.on(InvoiceUnderpaid)
async def tell_underpaid(
    event: InvoiceUnderpaid,
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, notices.underpaid(event), clock, channels, rules)


@handlers.on(RefundRequested)
async def tell_refund_requested(
    event: RefundRequested,
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, notices.refund_requested(event), clock, channels, rules)


@handlers.on(RefundSent)
async def tell_refund_sent(
    event: RefundSent,
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, notices.refund_sent(event), clock, channels, rules)


@handlers.on(SubscriptionActivated)
async def tell_subscription_activated(
    event: SubscriptionActivated,
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await uow.subscriptions.remember(notices.known_subscription(event))
    await _tell(uow, notices.subscription_activated(event), clock, channels, rules)


@handlers.on(SubscriptionExpired)
async def tell_subscription_expired(
    event: SubscriptionExpired,
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await uow.subscriptions.ended(event.subscription_id, at=event.expired_at)
    await _tell(uow, notices.subscription_expired(event), clock, channels, rules)


# --- to staff ---------------------------------------------------------------------


@handlers.on(InvoiceOverpaid)
async def alert_overpaid(
    event: InvoiceOverpaid,
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, notices.overpaid(event), clock, channels, rules)


@handlers.on(QueryFailed)
async def alert_query_failed(
    event: QueryFailed,
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, notices.query_failed(event), clock, channels, rules)


@handlers.on(BudgetThresholdReached)
async def alert_budget_threshold(
    event: BudgetThresholdReached,
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, notices.budget_threshold(event), clock, channels, rules)


@handlers.on(IntakePaused)
async def alert_intake_paused(
    event: IntakePaused,
    uow: NotifierUnitOfWork,
    clock: Clock,
    channels: Channels,
    rules: DeliveryRules,
) -> None:
    await _tell(uow, notices.intake_paused(event), clock, channels, rules)


__all__ = ["handlers"]
