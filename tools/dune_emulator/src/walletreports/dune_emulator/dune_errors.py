"""HTTP error answers in the shapes Dune gives them: `{"error": "..."}` JSON for API errors
(texts from Dune's troubleshooting page and OpenAPI examples), plain text for the gateway
errors (502/503), which come from Dune's load balancer rather than from its API."""

from __future__ import annotations

from starlette.responses import PlainTextResponse, Response

from .json_response import json_response

# Status -> Dune's message for it.
DUNE_ERROR_MESSAGES: dict[int, str] = {
    400: "Bad Request",
    401: "invalid API Key",
    402: (
        "This api request would exceed your configured limits per billing cycle. Please "
        "visit your settings on dune.com and adjust your limits to continue usage."
    ),
    403: "Not allowed to execute query. Query is archived, unsaved or not enough permissions",
    404: "Object not found",
    429: "Too many requests: rate limit exceeded",
    500: "Internal error",
}
GATEWAY_BODIES: dict[int, str] = {
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
    504: "504 Gateway Time-out",
}
SUPPORTED_FAULT_STATUSES = frozenset(DUNE_ERROR_MESSAGES) | frozenset(GATEWAY_BODIES)


def error_response(
    status: int, message: str | None = None, *, retry_after: int | None = None
) -> Response:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    if status in GATEWAY_BODIES and message is None:
        return PlainTextResponse(GATEWAY_BODIES[status], status_code=status, headers=headers)
    text = message if message is not None else DUNE_ERROR_MESSAGES.get(status, "error")
    return json_response({"error": text}, status=status, headers=headers)


class DuneApiError(Exception):
    """Raised by the emulator core for a request Dune would refuse; the HTTP layer turns
    it into `error_response(status, message)`."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after

    def response(self) -> Response:
        return error_response(self.status, self.message, retry_after=self.retry_after)
