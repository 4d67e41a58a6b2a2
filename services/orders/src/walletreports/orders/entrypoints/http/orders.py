"""Orders, as web places and reads them (/v1/orders).

Writes commit before the response is sent, so a 201 always means the order (and its
events) are stored.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from walletreports.kit import InternalAuth, error_responses

from ...service_layer import ordering
from ...service_layer.errors import OrderNotFound
from ...service_layer.placing import PlaceOrder
from .dependencies import IDEMPOTENCY_KEY_HEADER, CatalogDep, IdempotencyKeyDep, Now, OrdersUnits
from .responses import OrderDetail
from .schemas import PlaceOrderBody

router = APIRouter(prefix="/v1/orders", tags=["orders"], dependencies=[InternalAuth])

REPLAYED_HEADER = "Idempotent-Replayed"

NOT_FOUND = error_responses(404, described={404: "No order with this id (`order_not_found`)."})


@router.post(
    "",
    status_code=201,
    summary="Place an order",
    openapi_extra={"parameters": [IDEMPOTENCY_KEY_HEADER]},
    responses={
        201: {
            "description": "The order as stored, or the first answer for this key, replayed.",
            "headers": {
                REPLAYED_HEADER: {
                    "description": "`true` when this is the key's first answer, replayed",
                    "schema": {"type": "string", "enum": ["true", "false"]},
                }
            },
        },
        **error_responses(
            400,
            422,
            503,
            described={
                400: "No Idempotency-Key header (`idempotency_key_missing`).",
                422: (
                    "Does not match this schema (`invalid_request`), or is refused:"
                    " `unknown_product`, `invalid_wallet_address` (EIP-55),"
                    " `invalid_order_request`, `idempotency_key_reused` (the key was used"
                    " with another body)."
                ),
                503: "Intake is paused (`intake_paused`, with its `reason`); try later.",
            },
        ),
    },
)
async def place_order(
    body: PlaceOrderBody,
    idempotency_key: IdempotencyKeyDep,
    units: OrdersUnits,
    catalog: CatalogDep,
    now: Now,
    response: Response,
) -> OrderDetail:
    """Priced, and paid at once when the user's plan covers it. The same key and body
    replay the first answer; the same key with another body is refused."""
    command = PlaceOrder(
        user_id=body.user_id,
        user_email=body.user_email,
        product=body.product,
        wallet_address=body.wallet_address,
    )
    async with units() as uow:
        answer = await ordering.place_idempotently(uow, catalog, idempotency_key, command, now=now)
    response.status_code = answer.status
    response.headers[REPLAYED_HEADER] = "true" if answer.replayed else "false"
    return OrderDetail.model_validate(answer.body)


@router.get("/{order_id}", summary="One order, with its history", responses=NOT_FOUND)
async def get_order(order_id: uuid.UUID, units: OrdersUnits) -> OrderDetail:
    async with units() as uow:
        view = await uow.views.order_detail(order_id)
    if view is None:
        raise OrderNotFound(order_id)
    return OrderDetail.model_validate(view)
