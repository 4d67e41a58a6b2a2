"""Contacts storage."""

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from walletreports.contracts.web import UserRegistered, UserUpdated

from .tables import contacts


async def upsert_from_user_event(session: AsyncSession, event: UserRegistered | UserUpdated) -> None:
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
