"""Events the notifier consumes."""

from walletreports.contracts.web import UserRegistered, UserUpdated
from walletreports.kit import EventHandlers, UnitOfWork

from ..adapters import contacts_repo

handlers = EventHandlers("notifier")


@handlers.on(UserRegistered)
async def remember_new_contact(event: UserRegistered, uow: UnitOfWork) -> None:
    await contacts_repo.upsert_from_user_event(uow.session, event)


@handlers.on(UserUpdated)
async def update_contact(event: UserUpdated, uow: UnitOfWork) -> None:
    await contacts_repo.upsert_from_user_event(uow.session, event)
