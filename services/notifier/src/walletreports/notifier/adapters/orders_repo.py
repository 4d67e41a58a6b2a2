"""What the notifier knows of orders: whose each one is (payments' events name only the
order), and what a mail may say of it.

The statements are built once (module level): SQLAlchemy then compiles each once, and
a batch of orders goes out as one multi-row statement."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from walletreports.kit.bulk import insert_from_arrays

from ..domain import KnownOrder
from .tables import known_orders

t = known_orders
_KEPT = ("product", "wallet_address", "description", "price_usd", "paid_via")

_BY_IDS = select(t).where(t.c.order_id == any_(bindparam("ids", type_=ARRAY(UUID(as_uuid=True)))))
_COLUMNS = ("order_id", "user_id", *_KEPT)
# The rows travel as one array per column (kit.bulk): one constant statement.
_insert = insert_from_arrays(t, _COLUMNS, same_for_all=("updated_at",))
# What the newcomer does not know (order.paid has no price) stays as it was.
_UPSERT = _insert.on_conflict_do_update(
    index_elements=[t.c.order_id],
    set_={
        **{name: func.coalesce(_insert.excluded[name], t.c[name]) for name in _KEPT},
        "user_id": _insert.excluded.user_id,
        "updated_at": func.now(),
    },
)


def _order(row: Any) -> KnownOrder:
    return KnownOrder(
        order_id=row.order_id,
        user_id=row.user_id,
        product=row.product,
        wallet_address=row.wallet_address,
        description=row.description,
        price_usd=row.price_usd,
        paid_via=row.paid_via,
    )


def _merged(older: KnownOrder, newer: KnownOrder) -> KnownOrder:
    """Two facts of one order in one batch, as two upserts one after the other would
    leave it."""
    kept = {
        name: getattr(newer, name) if getattr(newer, name) is not None else getattr(older, name)
        for name in _KEPT
    }
    return replace(older, user_id=newer.user_id, **kept)


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, order_id: uuid.UUID) -> KnownOrder | None:
        return (await self.many([order_id])).get(order_id)

    async def many(self, order_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, KnownOrder]:
        rows = await self.session.execute(_BY_IDS, {"ids": list(order_ids)})
        return {row.order_id: _order(row) for row in rows}

    async def remember(self, order: KnownOrder) -> None:
        await self.remember_many([order])

    async def remember_many(self, orders: Sequence[KnownOrder]) -> None:
        # One row per order: a statement may not update the same row twice.
        latest: dict[uuid.UUID, KnownOrder] = {}
        for order in orders:
            known = latest.get(order.order_id)
            latest[order.order_id] = order if known is None else _merged(known, order)
        if not latest:
            return
        columns: dict[str, Any] = {
            name: [getattr(o, name) for o in latest.values()] for name in _COLUMNS
        }
        columns["updated_at"] = datetime.now(UTC)
        await self.session.execute(_UPSERT, columns)
