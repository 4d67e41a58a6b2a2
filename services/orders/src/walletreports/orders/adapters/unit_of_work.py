"""The orders unit of work: one transaction, with the repositories use cases speak to."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from walletreports.kit import Outbox, UnitOfWork

from .idempotency_repo import IdempotencyRepository
from .intake_repo import IntakeRepository
from .order_views import OrderViews
from .orders_repo import OrderRepository
from .subscriptions_repo import SubscriptionRepository


class OrdersUnitOfWork(UnitOfWork):
    def __init__(self, session: AsyncSession, outbox: Outbox) -> None:
        super().__init__(session, outbox)
        self.orders = OrderRepository(session)
        self.subscriptions = SubscriptionRepository(session)
        self.intake = IntakeRepository(session)
        self.idempotency = IdempotencyRepository(session)
        self.views = OrderViews(session)
