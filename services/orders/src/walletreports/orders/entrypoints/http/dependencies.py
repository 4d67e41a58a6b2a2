"""What routes need from the running service, by name (kit.http.dependencies), and the
request values several routes share."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Query
from pydantic import TypeAdapter

from walletreports.kit import ApiError, Now, UnitsOfWork, collaborator

from ...adapters.unit_of_work import OrdersUnitOfWork
from ...domain import Catalog
from .schemas import IdempotencyKey

__all__ = [
    "IDEMPOTENCY_KEY_HEADER",
    "CatalogDep",
    "IdempotencyKeyDep",
    "Limit",
    "Now",
    "Offset",
    "OrdersUnits",
]

CatalogDep = Annotated[Catalog, collaborator("catalog")]
OrdersUnits = Annotated[UnitsOfWork[OrdersUnitOfWork], collaborator("units")]
Limit = Annotated[int, Query(ge=1, le=200, description="page size")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]

_KEY = "Idempotency-Key"


def _idempotency_key(
    key: Annotated[IdempotencyKey | None, Header(alias=_KEY, include_in_schema=False)] = None,
) -> str:
    # Optional to FastAPI only so that a missing key gets its own answer (400, its own
    # code) rather than a generic 422; IDEMPOTENCY_KEY_HEADER documents it as required.
    if key is None:
        raise ApiError(
            400,
            "idempotency_key_missing",
            "the Idempotency-Key header is required (a unique value per order the user submits)",
            field=_KEY,
        )
    return key


IdempotencyKeyDep = Annotated[str, Depends(_idempotency_key)]

# For `openapi_extra={"parameters": [IDEMPOTENCY_KEY_HEADER]}` on a route that takes it.
IDEMPOTENCY_KEY_HEADER: dict[str, Any] = {
    "name": _KEY,
    "in": "header",
    "required": True,
    "description": (
        "A unique value per request the user submits: the same key and body replay the first"
        " response, the same key with another body is refused (422). Kept for 24 hours."
    ),
    "schema": TypeAdapter(IdempotencyKey).json_schema(),
}
