"""Notifications storage: one row per notification, unique by its key.

The statements a batch uses are built once (module level), so SQLAlchemy compiles each
once; many rows go out in one statement (a multi-row INSERT, one executemany UPDATE)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Text, any_, bindparam, exists, select
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from walletreports.kit.bulk import insert_from_json, rows_json, update_from_json

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


_TAKEN = select(t.c.key).where(t.c.key == any_(bindparam("keys", type_=ARRAY(Text))))
# The rows travel as one JSON text (kit.bulk): one constant statement.
_ADD = (
    insert_from_json(t, _FIELDS).on_conflict_do_nothing(index_elements=[t.c.key]).returning(t.c.id)
)
_BY_IDS = (
    select(t)
    .where(t.c.id == any_(bindparam("ids", type_=ARRAY(UUID(as_uuid=True)))))
    .order_by(t.c.id)
)
_BY_IDS_LOCKED = _BY_IDS.with_for_update()
_SAVE = update_from_json(t, "id", _MUTABLE)


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

    async def existing_keys(self, keys: Collection[str]) -> set[str]:
        return set((await self.session.execute(_TAKEN, {"keys": list(keys)})).scalars())

    async def add(self, notification: Notification) -> bool:
        return bool(await self.add_many([notification]))

    async def add_many(self, notifications: Sequence[Notification]) -> set[uuid.UUID]:
        if not notifications:
            return set()
        rows = rows_json((row_values(n) for n in notifications), _FIELDS)
        return set((await self.session.execute(_ADD, {"rows": rows})).scalars())

    async def many(
        self, notification_ids: Collection[uuid.UUID], *, lock: bool = False
    ) -> list[Notification]:
        query = _BY_IDS_LOCKED if lock else _BY_IDS
        rows = await self.session.execute(query, {"ids": list(notification_ids)})
        return [from_row(row) for row in rows]

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
        await self.save_many([notification])

    async def save_many(self, notifications: Sequence[Notification]) -> None:
        if not notifications:
            return
        rows = rows_json((row_values(n) for n in notifications), ("id", *_MUTABLE))
        await self.session.execute(_SAVE, {"rows": rows})

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
