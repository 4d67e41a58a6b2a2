"""GET /admin/api/dev-mailbox: what the dev SMTP sink received (make dev), newest first.
Only where NOTIFIER_DEV_MAILBOX_DIR is set; elsewhere 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from walletreports.kit import ApiError, InternalAuth, error_responses
from walletreports.kit.http.text import Email

from .dependencies import DevMailboxDep
from .responses import DevMailboxPage
from .schemas import Limit, Offset

router = APIRouter(
    prefix="/admin/api/dev-mailbox", tags=["development"], dependencies=[InternalAuth]
)


@router.get(
    "",
    summary="Messages the dev SMTP sink received",
    responses=error_responses(
        404,
        described={
            404: "No dev mailbox here (`dev_mailbox_not_configured`): NOTIFIER_DEV_MAILBOX_DIR"
            " is not set (it is under make dev)."
        },
    ),
)
async def list_dev_mailbox(
    mailbox: DevMailboxDep,
    to: Annotated[
        Email | None, Query(description="only messages to this envelope recipient")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> DevMailboxPage:
    if mailbox is None:
        raise ApiError(
            404, "dev_mailbox_not_configured", "NOTIFIER_DEV_MAILBOX_DIR is not set on this service"
        )
    page = await mailbox.page(to=to, limit=limit, offset=offset)
    return DevMailboxPage.model_validate(
        {"items": page.items, "total": page.total, "limit": limit, "offset": offset}
    )
