"""The domain never reads the clock: callers pass `now`. It must be timezone-aware."""

from __future__ import annotations

from datetime import datetime


def require_aware(value: datetime, name: str = "now") -> datetime:
    # A naive datetime compared with an aware one raises deep inside some rule, or
    # worse, two naive ones in different zones compare "fine"; refuse them at the door.
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value
