"""Account mail from web: POST /v1/transactional, an email verification or a password
reset with its one-time link. Sent in the request (never through a retained stream);
the link is never stored or logged (service_layer.transactional)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Response

from walletreports.kit import InternalAuth, error_responses

from ...domain import Channel, TemplateName
from ...service_layer.transactional import AccountMail, send_account_mail
from .dependencies import ChannelsDep, ClockDep, EmailSenderDep, LinksDep, NotifierUnits
from .responses import AccountMailResult
from .schemas import IDEMPOTENCY_KEY_HEADER, AccountMailBody, IdempotencyKeyDep

router = APIRouter(prefix="/v1/transactional", tags=["account mail"], dependencies=[InternalAuth])

REPLAYED_HEADER = "Idempotent-Replayed"
# Still pending after this, a send with the same key was interrupted: in doubt.
STALE_AFTER = timedelta(minutes=5)


@router.post(
    "",
    summary="Send an account email (verification, password reset)",
    openapi_extra={"parameters": [IDEMPOTENCY_KEY_HEADER]},
    responses={
        200: {
            "description": "Sent (or in doubt: not sent again), or the key's first outcome, replayed.",
            "headers": {
                REPLAYED_HEADER: {
                    "description": "`true` when this is the key's first outcome, replayed",
                    "schema": {"type": "string", "enum": ["true", "false"]},
                }
            },
        },
        **error_responses(
            400,
            409,
            422,
            503,
            described={
                400: "No Idempotency-Key header (`idempotency_key_missing`).",
                409: "A request with this key is being sent right now (`send_in_progress`).",
                422: (
                    "Does not match this schema (`invalid_request`), or is refused:"
                    " `link_not_ours` (not under NOTIFIER_PUBLIC_BASE_URL),"
                    " `idempotency_key_reused` (the key was used for another template or"
                    " recipient), `recipient_refused` (the mail server refused it for good),"
                    " `cannot_render`."
                ),
                503: "The mail server cannot take it now (`email_unavailable`); the same key"
                " tries again.",
            },
        ),
    },
)
async def send_transactional(
    body: AccountMailBody,
    idempotency_key: IdempotencyKeyDep,
    units: NotifierUnits,
    channels: ChannelsDep,
    sender: EmailSenderDep,
    links: LinksDep,
    clock: ClockDep,
    response: Response,
) -> AccountMailResult:
    mail = AccountMail(
        template=TemplateName(body.template),
        to=body.to,
        name=body.variables.display_name,
        link=body.variables.link,
        expires_in_minutes=body.variables.expires_in_minutes,
    )
    answer = await send_account_mail(
        units,
        idempotency_key=idempotency_key,
        mail=mail,
        email=channels[Channel.EMAIL],
        sender=sender,
        links=links,
        now=clock.now,
        stale_after=STALE_AFTER,
    )
    response.headers[REPLAYED_HEADER] = "true" if answer.replayed else "false"
    notification = answer.notification
    return AccountMailResult(
        notification_id=notification.id,
        status=notification.status,
        message_id=notification.message_id,
        sent_at=notification.sent_at,
    )
