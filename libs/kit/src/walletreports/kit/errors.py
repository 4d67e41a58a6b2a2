"""The one error family every service raises for a request or an event it refuses.

Each class says what kind of refusal it is, and that kind is all the edges need:
HTTP answers it in the kit's error envelope (`http.errors`: InvalidInput 422,
NotFound 404, Conflict 409, Forbidden 403, Unavailable 503), and a consumer treats
every DomainError as refused for good (the same event would be refused again on every
redelivery: it is logged, recorded in the inbox and acknowledged), while any other
exception is infrastructure and retried with back-off (`messaging.group_commit`).

`code` is part of the API (clients branch on it); `message` is for people and may be
reworded. Domain code raises these and stays free of I/O and of HTTP.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        # The request field at fault, when there is one, so a form can show it in place.
        self.field = field
        # Further members of the error envelope (e.g. the reason intake is paused).
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body | self.details


class InvalidInput(DomainError):
    """The request itself is wrong; sending it again will not help."""

    code = "invalid_request"


class NotFound(DomainError):
    """What the request names does not exist."""

    code = "not_found"


class Conflict(DomainError):
    """Well formed, but the thing is not in a state that allows it."""

    code = "conflict"


class Forbidden(DomainError):
    """The actor may not do this."""

    code = "forbidden"


class Unavailable(DomainError):
    """Refused for now; the same request will work later (e.g. intake paused)."""

    code = "unavailable"
