"""The OpenAPI a service serves also documents the answers the kit gives for it, in the
kit's error envelope, so a route declares only its own refusals:

- 422 for a request that does not match the schema, in place of FastAPI's
  HTTPValidationError (a shape the kit never answers: `http.errors` does);
- 401 on every route that needs the internal token (`http.auth`);
- 400 and 413 on every route that takes a body: one that is not text FastAPI can
  decode, one over the size limit (`http.errors.BodySizeLimit`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from .schemas import ErrorEnvelope, error_response

REF_PREFIX = "#/components/schemas/"
# FastAPI's own validation error models, which no kit service answers with.
FASTAPI_VALIDATION_MODELS = ("HTTPValidationError", "ValidationError")
UNREADABLE_BODY = "The body cannot be read as JSON text (e.g. it is not UTF-8)."
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def document_kit_answers(app: FastAPI) -> None:
    """Make `app.openapi()` return the schema with the kit's answers (built once, cached)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_kit_answers(generate())
        return app.openapi_schema

    # FastAPI's documented way to extend the OpenAPI it serves.
    app.openapi = openapi  # type: ignore[method-assign]


def with_kit_answers(schema: dict[str, Any]) -> dict[str, Any]:
    models = schema.setdefault("components", {}).setdefault("schemas", {})
    _add_envelope_models(models)
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            if _is_fastapi_validation_error(responses.get("422")):
                responses["422"] = envelope_response(422)
            if operation.get("security"):
                responses.setdefault("401", envelope_response(401))
            if "requestBody" in operation:
                responses.setdefault("413", envelope_response(413))
                _add_unreadable_body(responses)
    for name in FASTAPI_VALIDATION_MODELS:
        models.pop(name, None)
    return schema


def envelope_response(status: int) -> dict[str, Any]:
    """An OpenAPI response: `status` with the error envelope, described as http.schemas does."""
    return {
        "description": error_response(status)["description"],
        "content": {"application/json": {"schema": {"$ref": REF_PREFIX + ErrorEnvelope.__name__}}},
    }


def _add_unreadable_body(responses: dict[str, Any]) -> None:
    own = responses.get("400")
    if own is None:
        responses["400"] = {**envelope_response(400), "description": UNREADABLE_BODY}
    else:  # the route's own 400, and this one
        own["description"] = f"{own.get('description', '')} Or: {UNREADABLE_BODY}".strip()


def _add_envelope_models(models: dict[str, Any]) -> None:
    """The envelope and the models it refers to, unless routes' `responses=` added them."""
    envelope = ErrorEnvelope.model_json_schema(
        ref_template=REF_PREFIX + "{model}", mode="serialization"
    )
    for name, definition in envelope.pop("$defs", {}).items():
        models.setdefault(name, definition)
    models.setdefault(ErrorEnvelope.__name__, envelope)


def _is_fastapi_validation_error(response: dict[str, Any] | None) -> bool:
    if response is None:
        return False
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref") == REF_PREFIX + "HTTPValidationError")
