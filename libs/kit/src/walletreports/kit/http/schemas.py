"""The error envelope as an OpenAPI model, so every service documents its refusals in the
one shape `http.errors` answers them:

    {"error": {"code": "order_not_found", "message": "no order ...", "field"?, "fields"?, ...}}

A route lists the refusals it can give besides the kit's own (those the kit documents
itself: `http.openapi`):

    @router.get("/orders/{order_id}", responses=error_responses(404))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema


class FieldError(BaseModel):
    field: str = Field(description="the request field at fault, e.g. `user_email` or `items.0.id`")
    message: str


class ErrorDetail(BaseModel):
    # A refusal may carry further members (intake_paused says its `reason`).
    model_config = ConfigDict(extra="allow", title="Error")

    code: str = Field(description="stable: clients branch on it", examples=["order_not_found"])
    message: str = Field(description="for people; may be reworded")
    # Present only when one field is at fault (never null): SkipJsonSchema keeps the
    # None default out of the documented type.
    field: str | SkipJsonSchema[None] = None
    fields: list[FieldError] | SkipJsonSchema[None] = Field(
        default=None, description="every field at fault, for a form to show each in place"
    )


class ErrorEnvelope(BaseModel):
    """What every service answers a refused request with."""

    error: ErrorDetail


# What each refusal status means in every service (kit.errors names the kinds).
MEANING: dict[int, str] = {
    400: "The request is malformed in a way the schema cannot say.",
    401: "The bearer token is missing or wrong (`unauthorized`).",
    403: "The actor may not do this.",
    404: "What the request names does not exist.",
    409: "Well formed, but the thing is not in a state that allows it.",
    413: "The request body is over the size limit (`body_too_large`).",
    422: (
        "The input is refused: it does not match this schema (`invalid_request`, each field"
        " in `fields`), or a rule the schema cannot state refuses it (its own code)."
    ),
    503: "Refused for now; the same request will work later.",
}


def error_responses(
    *statuses: int, described: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """`responses=` for FastAPI: each status answered with the error envelope; `described`
    says what a status means for this route (e.g. 409: "the order is not unpaid")."""
    described = described or {}
    return {status: error_response(status, described.get(status)) for status in statuses}


def error_response(status: int, description: str | None = None) -> dict[str, Any]:
    """One documented refusal; `description` says what it means for this route."""
    return {"model": ErrorEnvelope, "description": description or MEANING.get(status, "Refused.")}
