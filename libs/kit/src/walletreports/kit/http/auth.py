"""The internal API token: services and the web front call `/v1` and `/admin/api`
with `Authorization: Bearer <INTERNAL_TOKEN>`."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .errors import ApiError

# The OpenAPI security scheme the token is documented as (clients and tests look it up).
INTERNAL_TOKEN_SCHEME = "InternalToken"

# Reads `Authorization: Bearer <token>` and documents it as a security scheme; refusing is
# ours (auto_error=False), so a missing token is a 401 in the kit's error envelope.
_bearer = HTTPBearer(
    scheme_name=INTERNAL_TOKEN_SCHEME,
    description="INTERNAL_TOKEN, shared by the services and the web front",
    auto_error=False,
)


async def require_internal_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    expected = request.app.state.settings.internal_token.get_secret_value()
    if credentials is None:
        raise ApiError(401, "unauthorized", "missing bearer token in the Authorization header")
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "the bearer token is not valid")


InternalAuth = Depends(require_internal_token)
