"""Turning a notice into notifications: resolve whom it is for on which channels, decide
whether to send, compose, and record each one with its send as a durable side effect.

For every target (a recipient on a channel) one row is written, whatever happens:
- a row with the same key exists (the fact came again): nothing at all;
- bad data: `refused` with the reason (unknown order or user, no address, a template
  that cannot render); the consumer goes on;
- not to be sent: `skipped` with the reason (the user turned the category off, the
  event is older than NOTIFIER_MAX_EVENT_AGE_HOURS, no staff address configured);
- otherwise `pending`, and in the same transaction the intent to send it
  (`uow.request_effects([EffectRequest(channel.effect_kind, <notification id>, <the
  composed message>)])`), which the kit's effect runner performs once after the commit
  (adapters.performers).

Everything happens inside the caller's transaction (an event's, with its inbox row), so
the rows and their sends exist if and only if the event counts as handled.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from walletreports.kit import EffectRequest

from ..domain import (
    CannotRender,
    Channel,
    Contact,
    KnownOrder,
    Notice,
    Notification,
    NotificationStatus,
    ReasonCode,
    Recipient,
    TemplateName,
    ToAddress,
    ToOrderOwner,
    ToStaff,
    ToUser,
    dedup_key,
    parse_audience_key,
    staff_key,
)
from ..domain.audience import Audience
from .ports import Channels, NotifierUnitOfWorkPort

S, R = NotificationStatus, ReasonCode


@dataclass(frozen=True)
class DeliveryRules:
    # An event older than this (a consumer replaying the stream, a long outage) is
    # recorded as skipped: a "your payment arrived" days late helps nobody.
    max_event_age: timedelta


@dataclass(frozen=True, slots=True)
class Problem:
    status: NotificationStatus  # SKIPPED or REFUSED
    code: ReasonCode
    reason: str


@dataclass(frozen=True, slots=True)
class Target:
    """One recipient on one channel, or why there is none."""

    channel: Channel
    audience: str
    recipient: Recipient | None = None
    user_id: uuid.UUID | None = None
    problem: Problem | None = None


@dataclass(frozen=True)
class Known:
    """What the notices being handled together need to know of their orders and users,
    read in one query each before anything is decided."""

    orders: Mapping[uuid.UUID, KnownOrder]
    contacts: Mapping[uuid.UUID, Contact]


async def known_for(
    uow: NotifierUnitOfWorkPort,
    audiences: Iterable[Audience],
    order_ids: Iterable[uuid.UUID | None] = (),
) -> Known:
    """The orders (of order-owner audiences, and those the notices are about) and the
    contacts (of user audiences and of those orders' owners)."""
    audiences = list(audiences)
    wanted_orders = {o for o in order_ids if o is not None}
    wanted_orders |= {a.order_id for a in audiences if isinstance(a, ToOrderOwner)}
    orders = await uow.orders.many(wanted_orders) if wanted_orders else {}
    users = {a.user_id for a in audiences if isinstance(a, ToUser)}
    users |= {
        orders[a.order_id].user_id
        for a in audiences
        if isinstance(a, ToOrderOwner) and a.order_id in orders
    }
    contacts = await uow.contacts.many(users) if users else {}
    return Known(orders=orders, contacts=contacts)


def resolve(
    known: Known,
    audience: Audience,
    template: TemplateName,
    channels: Channels,
) -> list[Target]:
    """Whom a notice reaches, on which channels."""
    if isinstance(audience, ToStaff):
        return _staff_targets(channels)
    if isinstance(audience, ToAddress):
        return [Target(Channel.EMAIL, audience.key, Recipient(audience.address, audience.name))]
    user_id: uuid.UUID
    if isinstance(audience, ToOrderOwner):
        order = known.orders.get(audience.order_id)
        if order is None:
            problem = Problem(
                S.REFUSED,
                R.UNKNOWN_ORDER,
                f"order {audience.order_id} is unknown here (no order.created seen for it)",
            )
            return [Target(Channel.EMAIL, audience.key, problem=problem)]
        user_id = order.user_id
    else:
        user_id = audience.user_id
    return _user_targets(known.contacts.get(user_id), user_id, audience.key, template, channels)


def _user_targets(
    contact: Contact | None,
    user_id: uuid.UUID,
    audience: str,
    template: TemplateName,
    channels: Channels,
) -> list[Target]:
    if contact is None:
        problem = Problem(
            S.REFUSED,
            R.UNKNOWN_USER,
            f"user {user_id} is unknown here (no user.registered seen for them)",
        )
        return [Target(Channel.EMAIL, audience, user_id=user_id, problem=problem)]
    targets: list[Target] = []
    category = template.category
    for channel in sorted(contact.preferences.channels):
        if channel not in channels:
            continue  # chosen by the user, not run by this deployment
        address = contact.address(channel)
        why: Problem | None = None
        if not contact.preferences.allows(category):
            why = Problem(S.SKIPPED, R.OPTED_OUT, f"the user turned off {category.value} messages")
        elif address is None:
            why = Problem(S.REFUSED, R.NO_ADDRESS, f"the user has no {channel.value} address")
        recipient = None if address is None else Recipient(address, contact.name)
        targets.append(Target(channel, audience, recipient, user_id, why))
    return targets


def _staff_targets(channels: Channels) -> list[Target]:
    targets = [
        Target(channel, staff_key(address), Recipient(address))
        for channel in sorted(channels)
        for address in channels[channel].staff_addresses()
    ]
    if targets:
        return targets
    problem = Problem(S.SKIPPED, R.NO_STAFF_ADDRESSES, "NOTIFIER_STAFF_EMAILS names nobody")
    return [Target(Channel.EMAIL, ToStaff().key, problem=problem)]


async def deliver(
    uow: NotifierUnitOfWorkPort,
    notices: Sequence[Notice],
    *,
    channels: Channels,
    rules: DeliveryRules,
    now: datetime,
) -> list[Notification]:
    """Record (and queue the sends of) the notices' new notifications; returns them.

    The notices of a batch of events are handled together, with a fixed number of
    statements whatever their number: their orders and contacts read at once, the keys
    already taken looked up at once, the new rows written and their sends requested in
    one statement each."""
    known = await known_for(uow, (n.audience for n in notices), (n.order_id for n in notices))
    planned: dict[str, tuple[Notice, Target]] = {}
    for notice in notices:
        for target in resolve(known, notice.audience, notice.template, channels):
            key = dedup_key(notice.fact, notice.template, target.channel, target.audience)
            planned.setdefault(key, (notice, target))  # a repeat in the batch: the first
    if not planned:
        return []
    taken = await uow.notifications.existing_keys(list(planned))
    rows: list[Notification] = []
    sends: dict[uuid.UUID, EffectRequest] = {}
    for key, (notice, target) in planned.items():
        if key in taken:
            continue  # this fact was told to this recipient already
        notification, payload = _written(key, notice, target, known, channels, rules, now)
        rows.append(notification)
        if payload is not None:
            sends[notification.id] = EffectRequest(
                target.channel.effect_kind,
                str(notification.id),
                payload,
                correlation_id=notice.correlation_id,
            )
    # A key taken meanwhile by another replica handling a copy of the fact: not stored.
    stored = await uow.notifications.add_many(rows)
    await uow.request_effects([send for id_, send in sends.items() if id_ in stored])
    return [n for n in rows if n.id in stored]


def _written(
    key: str,
    notice: Notice,
    target: Target,
    known: Known,
    channels: Channels,
    rules: DeliveryRules,
    now: datetime,
) -> tuple[Notification, dict[str, Any] | None]:
    """The row for one target (pending, or why not) and its composed message."""
    context = _context(notice, known)
    notification = Notification(
        id=uuid.uuid4(),
        key=key,
        fact=notice.fact,
        template=notice.template,
        channel=target.channel,
        audience=target.audience,
        status=S.PENDING,
        created_at=now,
        updated_at=now,
        user_id=target.user_id,
        order_id=notice.order_id,
        event_id=notice.event_id,
        event_subject=notice.event_subject,
        recipient=None if target.recipient is None else target.recipient.address,
        context=context,
        correlation_id=notice.correlation_id,
    )
    problem = target.problem
    if problem is None and now - notice.occurred_at > rules.max_event_age:
        problem = Problem(
            S.SKIPPED,
            R.STALE_EVENT,
            f"the event is from {notice.occurred_at.isoformat()}, older than"
            f" {rules.max_event_age} when handled",
        )
    payload: dict[str, Any] | None = None
    if problem is None and target.recipient is not None:
        try:
            composed = channels[target.channel].compose(
                notification_id=notification.id,
                template=notice.template,
                context=context,
                recipient=target.recipient,
            )
        except CannotRender as error:
            problem = Problem(S.REFUSED, R.CANNOT_RENDER, error.message)
        else:
            notification.subject = composed.subject
            notification.message_id = composed.message_id
            payload = composed.payload
    if problem is not None:
        notification.status = problem.status
        notification.reason_code = problem.code
        notification.reason = problem.reason
    return notification, payload


def _context(notice: Notice, known: Known) -> dict[str, Any]:
    """The notice's facts, and what the notifier knows of its order (wallet, product)."""
    context = dict(notice.context)
    if notice.order_id is not None and "order" not in context:
        order = known.orders.get(notice.order_id)
        context["order"] = None if order is None else order.facts()
    return context


async def resolve_again(
    uow: NotifierUnitOfWorkPort, notification: Notification, channels: Channels
) -> Target:
    """Whom a stored notification is for now (for a staff resend that composes afresh):
    the same channel and audience; the contact as it is today."""
    if notification.channel not in channels:
        problem = Problem(
            S.REFUSED, R.NO_ADDRESS, f"channel {notification.channel.value} is not run here"
        )
        return Target(notification.channel, notification.audience, problem=problem)
    kind, _, address = notification.audience.partition(":")
    if kind == "staff":
        if not address:
            problem = Problem(S.SKIPPED, R.NO_STAFF_ADDRESSES, "no staff address configured")
            return Target(notification.channel, notification.audience, problem=problem)
        return Target(notification.channel, notification.audience, Recipient(address))
    audience = parse_audience_key(notification.audience)
    known = await known_for(uow, [audience])
    targets = resolve(known, audience, notification.template, _only(channels, notification.channel))
    same = [t for t in targets if t.channel is notification.channel]
    return same[0] if same else targets[0]


def _only(channels: Channels, channel: Channel) -> Channels:
    return {channel: channels[channel]}
