"""A contact follows the newest user event, whatever order the events arrive in
(adapters/tables.py: `as_of` keeps a late older event from overwriting a newer one)."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from walletreports.contracts.web import UserRegistered, UserUpdated
from walletreports.notifier.adapters import contacts_repo
from walletreports.notifier.adapters.tables import contacts
from walletreports.notifier.app import SERVICE


async def test_a_late_older_event_does_not_overwrite_a_newer_contact(services):
    registered = UserRegistered(user_id=uuid.uuid4(), email="ada@example.com", display_name="Ada")
    later = registered.occurred_at + timedelta(minutes=1)
    updated = UserUpdated(
        user_id=registered.user_id,
        email="ada@lovelace.example",
        display_name="Ada L.",
        occurred_at=later,
    )
    again = UserUpdated(
        user_id=registered.user_id,
        email="countess@example.com",
        display_name="Ada L.",
        occurred_at=later + timedelta(minutes=1),
    )

    async with services.run(SERVICE, wait_ready=False) as notifier:

        async def apply(event):
            async with notifier.runtime.units() as uow:
                await contacts_repo.upsert_from_user_event(uow.session, event)
            async with notifier.runtime.db.sessions() as session:
                return (
                    await session.execute(
                        select(contacts).where(contacts.c.user_id == event.user_id)
                    )
                ).one()

        row = await apply(updated)  # the update arrives first...
        assert (row.email, row.as_of) == ("ada@lovelace.example", later)
        row = await apply(registered)  # ...and the older registration late: ignored
        assert (row.email, row.display_name, row.as_of) == ("ada@lovelace.example", "Ada L.", later)
        row = await apply(again)  # a newer one still wins
        assert (row.email, row.as_of) == ("countess@example.com", again.occurred_at)
