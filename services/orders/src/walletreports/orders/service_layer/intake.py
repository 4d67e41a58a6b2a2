"""dune_runner's intake switch, as orders sees it."""

from __future__ import annotations

import logging
from datetime import datetime

from .ports import OrdersUnitOfWorkPort

log = logging.getLogger(__name__)


async def set_paused(
    uow: OrdersUnitOfWorkPort, *, paused: bool, reason: str, as_of: datetime
) -> bool:
    """Record a pause or resume. The newest event wins: a pause that arrives after the
    resume that followed it (redelivery, reordering) changes nothing."""
    applied = await uow.intake.record(paused=paused, reason=reason, as_of=as_of)
    state = "paused" if paused else "resumed"
    if applied:
        log.warning("order intake %s: %s", state, reason)
    else:
        log.info("stale intake %s event (as of %s) ignored", state, as_of)
    return applied
