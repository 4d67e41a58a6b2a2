"""The internal API token: services and the web front call `/v1` and `/admin/api`
with `Authorization: Bearer <INTERNAL_TOKEN>`."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Request

from .errors import ApiError


async def require_internal_token(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    expected = request.app.state.runtime.settings.internal_token.get_secret_value()
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthorized", "missing bearer token in the Authorization header")
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "the bearer token is not valid")


InternalAuth = Depends(require_internal_token)
