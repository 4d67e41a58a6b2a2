"""What dune_runner tells us about the analysis of a paid order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from ..domain import status_for_analysis_outcome
from . import changes
from .changes import Outcome
from .loading import locked_order
from .ports import OrdersUnitOfWorkPort


async def analysis_started(
    uow: OrdersUnitOfWorkPort, *, order_id: uuid.UUID, now: datetime
) -> Outcome:
    """processing; a start arriving after the finish is AlreadyPast, not an error."""
    order = await locked_order(uow, order_id)
    return await changes.record(uow, order, order.start_processing(now=now), now=now)


async def analysis_finished(
    uow: OrdersUnitOfWorkPort,
    *,
    order_id: uuid.UUID,
    outcome: str,
    failed_queries: Sequence[str],
    now: datetime,
) -> Outcome:
    """completed / partial_complete / failed, straight from payment_received if the
    finish overtook the start on the bus."""
    status = status_for_analysis_outcome(outcome)
    reason = f"analysis finished: {outcome}"
    if failed_queries:
        reason += f" (failed queries: {', '.join(failed_queries)})"
    order = await locked_order(uow, order_id)
    return await changes.record(
        uow, order, order.finish(outcome=status, now=now, reason=reason), now=now
    )
