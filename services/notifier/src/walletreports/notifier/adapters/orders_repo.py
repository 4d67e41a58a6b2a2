"""What the notifier knows of orders: whose each one is (payments' events name only the
order), and what a mail may say of it."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import KnownOrder
from .tables import known_orders

t = known_orders
_KEPT = ("product", "wallet_address", "description", "price_usd", "paid_via")


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, order_id: uuid.UUID) -> KnownOrder | None:
        row = (await self.session.execute(select(t).where(t.c.order_id == order_id))).first()
        if row is None:
            return None
        return KnownOrder(
            order_id=row.order_id,
            user_id=row.user_id,
            product=row.product,
            wallet_address=row.wallet_address,
            description=row.description,
            price_usd=row.price_usd,
            paid_via=row.paid_via,
        )

    async def remember(self, order: KnownOrder) -> None:
        values = {
            "order_id": order.order_id,
            "user_id": order.user_id,
            "product": order.product,
            "wallet_address": order.wallet_address,
            "description": order.description,
            "price_usd": order.price_usd,
            "paid_via": order.paid_via,
            "updated_at": func.now(),
        }
        statement = insert(t).values(values)
        # What the newcomer does not know (order.paid has no price) stays as it was.
        keep = {name: func.coalesce(statement.excluded[name], t.c[name]) for name in _KEPT}
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[t.c.order_id],
                set_={**keep, "user_id": statement.excluded.user_id, "updated_at": func.now()},
            )
        )
