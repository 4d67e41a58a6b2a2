"""The internal API web calls: place and read orders, a user's billing, the catalog.

Every route needs the internal bearer token. Writes commit before the response is
sent, so a 201 always means the order (and its events) are stored.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from walletreports.kit.http.auth import InternalAuth
from walletreports.kit.http.errors import ApiError
from walletreports.kit.service import Runtime

from ...adapters import order_views
from ...adapters.order_views import OrderFilters
from ...domain import calculate_audit_fee
from ...service_layer import billing, idempotency, placing
from ...service_layer.errors import OrderNotFound
from .dependencies import CatalogDep, Limit, Now, Offset
from .errors import DomainErrorRoute
from .presenters import audit_fee_json, billing_json, catalog_json
from .schemas import AuditFeeQuoteBody, IdempotencyKey, PlaceOrderBody

router = APIRouter(
    prefix="/v1", tags=["orders"], dependencies=[InternalAuth], route_class=DomainErrorRoute
)

REPLAYED_HEADER = "Idempotent-Replayed"


@router.post("/orders", status_code=201)
async def place_order(
    body: PlaceOrderBody,
    runtime: Runtime,
    catalog: CatalogDep,
    now: Now,
    idempotency_key: Annotated[IdempotencyKey | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Place an order. `Idempotency-Key` is required: the first successful response is
    replayed for the same key and body; the same key with another body is refused (422)."""
    if idempotency_key is None:
        raise ApiError(
            400,
            "idempotency_key_missing",
            "the Idempotency-Key header is required (a unique value per order the user submits)",
            field="Idempotency-Key",
        )
    fingerprint = idempotency.fingerprint("POST /v1/orders", body.model_dump(mode="json"))
    async with runtime.units() as uow:
        stored = await idempotency.begin(uow, idempotency_key, fingerprint)
        if stored is not None:
            return JSONResponse(
                stored.body, status_code=stored.status, headers={REPLAYED_HEADER: "true"}
            )
        command = placing.PlaceOrder(
            user_id=body.user_id,
            user_email=body.user_email,
            product=body.product,
            wallet_address=body.wallet_address,
        )
        order_id = await placing.place(uow, catalog, command, now=now)
        view = await order_views.order_detail(uow.session, order_id)
        await idempotency.remember(uow, idempotency_key, 201, view)
    return JSONResponse(view, status_code=201, headers={REPLAYED_HEADER: "false"})


@router.get("/orders/{order_id}")
async def get_order(order_id: uuid.UUID, runtime: Runtime) -> dict[str, Any]:
    async with runtime.units() as uow:
        view = await order_views.order_detail(uow.session, order_id)
    if view is None:
        raise OrderNotFound(order_id)
    return view


@router.get("/users/{user_id}/orders")
async def orders_of_user(
    user_id: uuid.UUID, runtime: Runtime, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    async with runtime.units() as uow:
        page = await order_views.search_orders(
            uow.session, OrderFilters(user_id=user_id), limit=limit, offset=offset
        )
    return page.as_dict()


@router.get("/users/{user_id}/billing")
async def billing_of_user(user_id: uuid.UUID, runtime: Runtime, now: Now) -> dict[str, Any]:
    async with runtime.units() as uow:
        summary = await billing.for_user(uow, user_id=user_id, now=now)
    return billing_json(summary)


@router.get("/catalog")
async def get_catalog(catalog: CatalogDep) -> dict[str, Any]:
    return catalog_json(catalog)


@router.post("/audit-fee/quote")
async def quote_audit_fee(body: AuditFeeQuoteBody, catalog: CatalogDep) -> dict[str, Any]:
    """The second seed's SOL audit fee, in exact lamports (a calculator; nothing stored)."""
    fee = calculate_audit_fee(
        catalog.audit_fee,
        tokens_used=body.tokens_used,
        risk_score=body.risk_score,
        is_subscriber=body.is_subscriber,
    )
    return audit_fee_json(fee)
