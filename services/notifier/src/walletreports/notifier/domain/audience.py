"""Who a notification is for, as the fact that calls for it names them; resolved to a
contact (or staff's addresses) when it is written."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ToUser:
    user_id: uuid.UUID

    @property
    def key(self) -> str:
        return f"user:{self.user_id}"


@dataclass(frozen=True, slots=True)
class ToOrderOwner:
    """The user who placed the order (the notifier knows it from order.created): for
    payments' events, which name the order but not its user."""

    order_id: uuid.UUID

    @property
    def key(self) -> str:
        return f"owner:{self.order_id}"


@dataclass(frozen=True, slots=True)
class ToStaff:
    """Each address of NOTIFIER_STAFF_EMAILS (one notification per address)."""

    @property
    def key(self) -> str:
        return "staff"


@dataclass(frozen=True, slots=True)
class ToAddress:
    """One given address (account mail from web): no contact, no preferences."""

    address: str
    name: str | None = None

    @property
    def key(self) -> str:
        return f"address:{self.address.strip().lower()}"


Audience = ToUser | ToOrderOwner | ToStaff | ToAddress


def parse_audience_key(key: str) -> Audience:
    """The audience a stored notification was for (its `audience` column)."""
    kind, _, rest = key.partition(":")
    if kind == "user":
        return ToUser(uuid.UUID(rest))
    if kind == "owner":
        return ToOrderOwner(uuid.UUID(rest))
    if kind == "staff":
        return ToStaff()
    if kind == "address":
        return ToAddress(rest)
    raise ValueError(f"not an audience key: {key!r}")


def staff_key(address: str) -> str:
    """The audience key of one staff address (`staff` alone: nobody was configured)."""
    return f"staff:{address.strip().lower()}"
