"""The notifier unit of work: one transaction, with the repositories use cases speak to."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from walletreports.kit import Outbox, UnitOfWork
from walletreports.kit.effects import find_effect, retry

from .contacts_repo import ContactRepository
from .notifications_repo import NotificationRepository
from .orders_repo import OrderRepository
from .subscriptions_repo import SubscriptionRepository
from .tables import side_effects
from .telegram_repo import TelegramRepository


class NotifierUnitOfWork(UnitOfWork):
    def __init__(self, session: AsyncSession, outbox: Outbox) -> None:
        super().__init__(session, outbox)
        self.contacts = ContactRepository(session)
        self.orders = OrderRepository(session)
        self.notifications = NotificationRepository(session)
        self.subscriptions = SubscriptionRepository(session)
        self.telegram = TelegramRepository(session)

    async def retry_effect(self, kind: str, key: str) -> bool:
        effect = await find_effect(self.session, side_effects, kind=kind, key=key)
        if effect is None:
            return False
        return await retry(self.session, side_effects, effect.id)
