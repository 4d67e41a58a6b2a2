"""What the notifier knows of subscriptions: when each ends, and whether its user was
reminded."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import KnownSubscription
from .tables import known_subscriptions

t = known_subscriptions


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def remember(self, subscription: KnownSubscription) -> None:
        values = {
            "subscription_id": subscription.subscription_id,
            "user_id": subscription.user_id,
            "plan": subscription.plan,
            "starts_at": subscription.starts_at,
            "expires_at": subscription.expires_at,
            "reports_included": subscription.reports_included,
        }
        statement = insert(t).values(values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[t.c.subscription_id],
                set_={k: statement.excluded[k] for k in values if k != "subscription_id"},
            )
        )

    async def ended(self, subscription_id: uuid.UUID, *, at: datetime) -> None:
        await self.session.execute(
            update(t).where(t.c.subscription_id == subscription_id).values(ended_at=at)
        )

    async def due_for_reminder(
        self, *, now: datetime, until: datetime, limit: int
    ) -> list[KnownSubscription]:
        rows = (
            await self.session.execute(
                select(t)
                .where(
                    t.c.ended_at.is_(None),
                    t.c.reminded_at.is_(None),
                    t.c.expires_at > now,
                    t.c.expires_at <= until,
                )
                .order_by(t.c.expires_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        return [
            KnownSubscription(
                subscription_id=row.subscription_id,
                user_id=row.user_id,
                plan=row.plan,
                starts_at=row.starts_at,
                expires_at=row.expires_at,
                reports_included=row.reports_included,
            )
            for row in rows
        ]

    async def reminded(self, subscription_id: uuid.UUID, *, at: datetime) -> None:
        await self.session.execute(
            update(t).where(t.c.subscription_id == subscription_id).values(reminded_at=at)
        )
