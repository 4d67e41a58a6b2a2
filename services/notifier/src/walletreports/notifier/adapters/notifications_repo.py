"""Notifications storage: one row per notification, unique by its key."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import (
    TRANSACTIONAL_TEMPLATES,
    Channel,
    Notification,
    NotificationStatus,
    ReasonCode,
    TemplateName,
)
from .tables import notifications

t = notifications

_FIELDS = (
    "id",
    "key",
    "fact",
    "template",
    "channel",
    "audience",
    "status",
    "reason_code",
    "reason",
    "user_id",
    "order_id",
    "event_id",
    "event_subject",
    "recipient",
    "subject",
    "message_id",
    "context",
    "fingerprint",
    "correlation_id",
    "resends",
    "last_resent_by",
    "last_resent_at",
    "created_at",
    "updated_at",
    "sent_at",
)
# What a save may change (the rest is fixed when the row is written).
_MUTABLE = (
    "status",
    "reason_code",
    "reason",
    "user_id",
    "recipient",
    "subject",
    "message_id",
    "resends",
    "last_resent_by",
    "last_resent_at",
    "updated_at",
    "sent_at",
)


def row_values(notification: Notification) -> dict[str, Any]:
    values = {name: getattr(notification, name) for name in _FIELDS}
    values["template"] = notification.template.value
    values["channel"] = notification.channel.value
    values["status"] = notification.status.value
    values["reason_code"] = (
        None if notification.reason_code is None else notification.reason_code.value
    )
    return values


def from_row(row: Any) -> Notification:
    values = {name: getattr(row, name) for name in _FIELDS}
    values["template"] = TemplateName(row.template)
    values["channel"] = Channel(row.channel)
    values["status"] = NotificationStatus(row.status)
    values["reason_code"] = None if row.reason_code is None else ReasonCode(row.reason_code)
    return Notification(**values)


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def exists(self, key: str) -> bool:
        found = await self.session.execute(select(exists().where(t.c.key == key)))
        return bool(found.scalar())

    async def add(self, notification: Notification) -> bool:
        statement = (
            insert(t)
            .values(row_values(notification))
            .on_conflict_do_nothing(index_elements=[t.c.key])
            .returning(t.c.id)
        )
        return (await self.session.execute(statement)).first() is not None

    async def get(self, notification_id: uuid.UUID, *, lock: bool = False) -> Notification | None:
        query = select(t).where(t.c.id == notification_id)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return None if row is None else from_row(row)

    async def by_key(self, key: str, *, lock: bool = False) -> Notification | None:
        query = select(t).where(t.c.key == key)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return None if row is None else from_row(row)

    async def save(self, notification: Notification) -> None:
        values = row_values(notification)
        await self.session.execute(
            update(t).where(t.c.id == notification.id).values({k: values[k] for k in _MUTABLE})
        )

    async def stale_pending_account_mail(
        self, *, before: datetime, limit: int
    ) -> list[Notification]:
        rows = (
            await self.session.execute(
                select(t)
                .where(
                    t.c.status == NotificationStatus.PENDING.value,
                    t.c.template.in_([name.value for name in TRANSACTIONAL_TEMPLATES]),
                    t.c.updated_at < before,
                )
                .order_by(t.c.updated_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        return [from_row(row) for row in rows]
