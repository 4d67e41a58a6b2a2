"""What staff do with one notification: POST /admin/api/notifications/{id}/resend, with
the staff member's email (recorded on it) and an optional note."""

from __future__ import annotations

import logging
import uuid

from fastapi import APIRouter

from walletreports.kit import InternalAuth, error_responses

from ...adapters.notification_queries import NotificationQueries
from ...service_layer import staff
from .dependencies import ChannelsDep, NotifierUnits, Now
from .responses import NotificationDetail, ResendResult
from .schemas import ResendBody

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/admin/api/notifications", tags=["admin: notifications"], dependencies=[InternalAuth]
)


@router.post(
    "/{notification_id}/resend",
    summary="Send a notification again",
    description="A `failed` or `in_doubt` one is sent again as it was (the same message, the"
    " same Message-ID, to the same address: for one in doubt, you are saying it did not"
    " arrive, or that a second copy is acceptable). A `refused` one, or one `skipped`"
    " because its event was too old, is addressed and composed afresh (the user may be"
    " known by now), then sent. Its status is `pending` until the send's outcome.",
    responses=error_responses(
        404,
        409,
        422,
        described={
            404: "No notification with this id (`notification_not_found`).",
            409: "Not resendable (`notification_not_resendable`): sent, pending, skipped"
            " on purpose (the user turned it off), account mail, or still without a recipient.",
            422: "Does not match this schema.",
        },
    ),
)
async def resend(
    notification_id: uuid.UUID,
    body: ResendBody,
    units: NotifierUnits,
    channels: ChannelsDep,
    now: Now,
) -> ResendResult:
    async with units() as uow:
        resent = await staff.resend(
            uow, notification_id, staff_email=body.staff_email, channels=channels, now=now
        )
        detail = await NotificationQueries(uow.session).detail(notification_id)
    log.info(
        "notification %s resent by staff:%s (%s)%s",
        notification_id,
        body.staff_email,
        resent.kind.value,
        f": {body.reason}" if body.reason else "",
    )
    return ResendResult(
        kind=resent.kind.value, notification=NotificationDetail.model_validate(detail)
    )
