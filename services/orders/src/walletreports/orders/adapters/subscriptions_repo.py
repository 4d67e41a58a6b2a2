"""Loading and saving the domain `Subscription`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import Subscription, SubscriptionStatus
from .tables import subscriptions

t = subscriptions


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def latest_for_user(
        self, user_id: uuid.UUID, *, lock: bool = False
    ) -> Subscription | None:
        """The user's current subscription: the active one, else the last to expire.

        `lock` holds the row until the transaction ends, so two orders cannot both use
        the last included report, and an expiry or extension waits its turn.
        """
        query = (
            select(t)
            .where(t.c.user_id == user_id)
            .order_by(
                case((t.c.status == SubscriptionStatus.ACTIVE.value, 0), else_=1),
                t.c.expires_at.desc(),
            )
            .limit(1)
        )
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return None if row is None else subscription_from_row(row)

    async def due_for_expiry(self, now: datetime, *, limit: int) -> list[Subscription]:
        """Active subscriptions whose time is up, locked; rows another replica holds are
        skipped (SKIP LOCKED), so replicas share the work instead of queueing on it."""
        rows = (
            await self.session.execute(
                select(t)
                .where(t.c.status == SubscriptionStatus.ACTIVE.value, t.c.expires_at <= now)
                .order_by(t.c.expires_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        return [subscription_from_row(row) for row in rows]

    async def save(self, sub: Subscription, *, now: datetime) -> None:
        values = {
            "id": sub.id,
            "user_id": sub.user_id,
            "plan": sub.plan,
            "starts_at": sub.starts_at,
            "expires_at": sub.expires_at,
            "reports_included": sub.reports_included,
            "reports_used": sub.reports_used,
            "report_discount_percent": sub.report_discount_percent,
            "status": sub.status.value,
            "updated_at": now,
        }
        statement = insert(t).values(values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[t.c.id],
                set_={k: statement.excluded[k] for k in values if k not in ("id", "user_id")},
            )
        )


def subscription_from_row(row: Any) -> Subscription:
    return Subscription(
        id=row.id,
        user_id=row.user_id,
        plan=row.plan,
        starts_at=row.starts_at,
        expires_at=row.expires_at,
        reports_included=row.reports_included,
        reports_used=row.reports_used,
        report_discount_percent=row.report_discount_percent,
        status=SubscriptionStatus(row.status),
    )
