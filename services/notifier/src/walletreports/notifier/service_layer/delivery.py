"""What a send's outcome does to its notification, in the transaction that records the
outcome of the side effect (the performer's on_done / on_failed hooks): sent, failed
or in doubt, together with the side effect's own status, or not at all."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from datetime import datetime

from ..domain import Change, NotificationStatus, ReasonCode
from .ports import NotifierUnitOfWorkPort

log = logging.getLogger(__name__)

# The kit's reason for a failed effect starts with "refused:" when the performer said it
# never will happen (the server refused it for good); otherwise its attempts ran out.
_REFUSED_PREFIX = "refused"


async def delivered(
    uow: NotifierUnitOfWorkPort, notification_ids: Collection[uuid.UUID], *, at: datetime
) -> dict[uuid.UUID, NotificationStatus]:
    """The notifications whose sends are done (those sent together are marked together:
    one read, one write). Returns each one's status after."""
    found = await uow.notifications.many(notification_ids, lock=True)
    for missing in set(notification_ids) - {n.id for n in found}:
        log.error("sent notification %s, which has no row", missing)
    changed = [n for n in found if isinstance(n.delivered(at=at), Change)]
    await uow.notifications.save_many(changed)
    return {n.id: n.status for n in found}


async def undelivered(
    uow: NotifierUnitOfWorkPort,
    notification_id: uuid.UUID,
    *,
    doubt: bool,
    reason: str,
    at: datetime,
    code: ReasonCode | None = None,
) -> NotificationStatus | None:
    """`code`: the channel knows why (Telegram's bot_blocked); else from the kit's reason."""
    notification = await uow.notifications.get(notification_id, lock=True)
    if notification is None:
        log.error("notification %s failed (%s) and has no row", notification_id, reason)
        return None
    if code is not None:
        pass
    elif doubt:
        code = ReasonCode.DELIVERY_UNKNOWN
    elif reason.startswith(_REFUSED_PREFIX):
        code = ReasonCode.UNDELIVERABLE
    else:
        code = ReasonCode.GAVE_UP
    if isinstance(notification.undelivered(doubt=doubt, code=code, reason=reason, at=at), Change):
        await uow.notifications.save(notification)
    return notification.status
