"""The staff console's notifications (/admin/api/notifications): find them (by status,
template, channel, day; by an email address, an order, a user, an event, a Message-ID),
and see one with its send's attempts. Resending is in admin_notification_actions.

Web checks the staff flag before calling (it owns users); this API trusts its token.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from walletreports.kit import ApiError, InternalAuth, error_responses

from ...adapters.notification_queries import NotificationFilters, NotificationQueries
from ...domain import Channel, NotificationNotFound, NotificationStatus, TemplateName
from .dependencies import NotifierUnits
from .responses import NotificationDetail, NotificationsPage
from .schemas import Limit, Offset, QueryDate, SearchText, end_of, start_of

router = APIRouter(
    prefix="/admin/api/notifications", tags=["admin: notifications"], dependencies=[InternalAuth]
)

SEARCH = (
    "exactly one of: the recipient's email address (any case), a Message-ID, or an id"
    " (the notification's, its order's, its user's or its event's)"
)


@router.get(
    "",
    summary="Find notifications",
    description="Summaries, newest first. Filters combine (AND); a repeated `status` or"
    " `template` is any of them. Days are UTC.",
    responses=error_responses(
        422,
        described={422: "Does not match this schema, or `created_to` is before `created_from`."},
    ),
)
async def list_notifications(
    units: NotifierUnits,
    status: Annotated[list[NotificationStatus] | None, Query(max_length=6)] = None,
    template: Annotated[list[TemplateName] | None, Query(max_length=25)] = None,
    channel: Channel | None = None,
    created_from: Annotated[QueryDate | None, Query(description="first day, inclusive")] = None,
    created_to: Annotated[QueryDate | None, Query(description="last day, inclusive")] = None,
    q: Annotated[SearchText | None, Query(description=SEARCH)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> NotificationsPage:
    if created_from is not None and created_to is not None and created_to < created_from:
        raise ApiError(
            422, "invalid_request", "created_to must not be before created_from", field="created_to"
        )
    filters = NotificationFilters(
        statuses=tuple(s.value for s in status or ()),
        templates=tuple(t.value for t in template or ()),
        channel=None if channel is None else channel.value,
        created_from=None if created_from is None else start_of(created_from),
        created_to=None if created_to is None else end_of(created_to),
        search=q,
    )
    async with units() as uow:
        page = await NotificationQueries(uow.session).page(filters, limit=limit, offset=offset)
    return NotificationsPage.model_validate(page)


@router.get(
    "/{notification_id}",
    summary="One notification, with its send's attempts",
    responses=error_responses(
        404, described={404: "No notification with this id (`notification_not_found`)."}
    ),
)
async def notification_detail(
    notification_id: uuid.UUID, units: NotifierUnits
) -> NotificationDetail:
    async with units() as uow:
        found = await NotificationQueries(uow.session).detail(notification_id)
    if found is None:
        raise NotificationNotFound(notification_id)
    return NotificationDetail.model_validate(found)
