"""Every error the notifier's domain and use cases raise, each with a stable `code`.

They belong to the kit's one error family: HTTP answers them by kind (InvalidInput 422,
NotFound 404, Conflict 409, Unavailable 503); an event handler never lets one escape
for bad data: bad data becomes a notification row `refused` with its reason, and the
consumer goes on.
"""

from __future__ import annotations

import uuid

from walletreports.kit.errors import Conflict, InvalidInput, NotFound, Unavailable


class CannotRender(InvalidInput):
    """A template cannot be rendered from these facts (a missing value, a file name
    that is no plain name...). Recorded on the notification as `cannot_render`."""

    code = "cannot_render"


class NotificationNotFound(NotFound):
    code = "notification_not_found"

    def __init__(self, notification_id: uuid.UUID) -> None:
        super().__init__(f"no notification {notification_id}")


class NotResendable(Conflict):
    code = "notification_not_resendable"


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was used for another message (template or recipient)",
            field="Idempotency-Key",
        )


class RecipientRefused(InvalidInput):
    """The mail server refused the message for good (a 5xx): sending it again will not help."""

    code = "recipient_refused"


class LinkNotOurs(InvalidInput):
    code = "link_not_ours"

    def __init__(self, base_url: str) -> None:
        super().__init__(
            f"the link must be a page of the product ({base_url}/...)", field="variables.link"
        )


class SendInProgress(Conflict):
    code = "send_in_progress"

    def __init__(self) -> None:
        super().__init__("a request with this Idempotency-Key is being sent right now; ask again")


class EmailUnavailable(Unavailable):
    code = "email_unavailable"
