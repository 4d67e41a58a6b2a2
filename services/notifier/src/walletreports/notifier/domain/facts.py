"""What the notifier remembers of other services' facts, to know whom an event is about
and what to tell them: an order (from order.created / order.paid: payments' events name
the order, not its user) and a subscription (from subscription.activated, for the
reminder before it expires)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class KnownOrder:
    order_id: uuid.UUID
    user_id: uuid.UUID
    product: str | None = None
    wallet_address: str | None = None
    description: str | None = None
    price_usd: Decimal | None = None
    paid_via: str | None = None

    def facts(self) -> dict[str, Any]:
        """What templates may show of the order (JSON)."""
        return {
            "product": self.product,
            "wallet_address": self.wallet_address,
            "description": self.description,
            "price_usd": None if self.price_usd is None else str(self.price_usd),
            "paid_via": self.paid_via,
        }


@dataclass(frozen=True, slots=True)
class KnownSubscription:
    subscription_id: uuid.UUID
    user_id: uuid.UUID
    plan: str
    starts_at: datetime
    expires_at: datetime
    reports_included: int
