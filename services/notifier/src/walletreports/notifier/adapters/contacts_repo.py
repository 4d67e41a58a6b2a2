"""Contacts storage: kept from web's user events, read to address a user's notifications."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import any_, bindparam, select, update
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from walletreports.contracts.web import UserRegistered, UserUpdated

from ..domain import Contact, Preferences
from .tables import contacts


async def upsert_from_user_event(
    session: AsyncSession, event: UserRegistered | UserUpdated
) -> None:
    values = {
        "user_id": event.user_id,
        "email": event.email,
        "display_name": event.display_name,
        "is_staff": event.is_staff,
        "notify_payment_received": event.notification_prefs.payment_received,
        "notify_processing_started": event.notification_prefs.processing_started,
        "notify_reports_ready": event.notification_prefs.reports_ready,
        "as_of": event.occurred_at,
    }
    statement = insert(contacts).values(values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[contacts.c.user_id],
            set_={k: statement.excluded[k] for k in values if k != "user_id"},
            where=contacts.c.as_of < statement.excluded.as_of,
        )
    )


# Built once: compiled once (a batch of events reads its contacts with it).
_BY_IDS = select(contacts).where(
    contacts.c.user_id == any_(bindparam("ids", type_=ARRAY(UUID(as_uuid=True))))
)


def _contact(row: Any) -> Contact:
    return Contact(
        user_id=row.user_id,
        email=row.email,
        display_name=row.display_name,
        preferences=Preferences.of(
            payment_received=row.notify_payment_received,
            processing_started=row.notify_processing_started,
            reports_ready=row.notify_reports_ready,
            telegram_linked=row.telegram_chat_id is not None,
        ),
        telegram_chat_id=row.telegram_chat_id,
    )


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID) -> Contact | None:
        return (await self.many([user_id])).get(user_id)

    async def many(self, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Contact]:
        rows = await self.session.execute(_BY_IDS, {"ids": list(user_ids)})
        return {row.user_id: _contact(row) for row in rows}

    async def link_telegram(self, user_id: uuid.UUID, chat_id: int, *, at: datetime) -> bool:
        """Link the chat to the user (a chat reaches one user: taken from any other);
        False when the user is unknown."""
        await self.unlink_telegram(chat_id)
        result = await self.session.execute(
            update(contacts)
            .where(contacts.c.user_id == user_id)
            .values(telegram_chat_id=chat_id, telegram_linked_at=at)
        )
        return bool(getattr(result, "rowcount", 0))

    async def unlink_telegram(self, chat_id: int) -> None:
        await self.session.execute(
            update(contacts)
            .where(contacts.c.telegram_chat_id == chat_id)
            .values(telegram_chat_id=None, telegram_linked_at=None)
        )
