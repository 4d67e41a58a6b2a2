"""An email as the notifier sends it: addresses, subject, both parts, its own headers.

It travels as the payload of the send's durable side effect (`to_payload` /
`from_payload`: JSON), so what is performed is exactly what was composed.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr
from typing import Any


@functools.lru_cache(maxsize=64)
def address_of(sender: str) -> str:
    """The address of a "Name <address>" From (configured: a handful of values, each
    parsed once rather than on every send)."""
    return parseaddr(sender)[1]


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    sender: str  # the From header, "Name <address>"
    to: str  # the recipient's address
    to_name: str | None
    subject: str
    text: str
    html: str
    message_id: str
    headers: Mapping[str, str] = field(default_factory=dict)  # Reply-To, List-Unsubscribe, ...

    @property
    def envelope_sender(self) -> str:
        return address_of(self.sender)

    @property
    def to_header(self) -> str:
        return formataddr((self.to_name or "", self.to)) if self.to_name else self.to

    def to_payload(self) -> dict[str, Any]:
        return {
            "from": self.sender,
            "to": self.to,
            "to_name": self.to_name,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "message_id": self.message_id,
            "headers": dict(self.headers),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> OutgoingEmail:
        """Raises ValueError for a payload that is not one."""
        try:
            headers = payload.get("headers") or {}
            return cls(
                sender=str(payload["from"]),
                to=str(payload["to"]),
                to_name=None if payload.get("to_name") is None else str(payload["to_name"]),
                subject=str(payload["subject"]),
                text=str(payload["text"]),
                html=str(payload["html"]),
                message_id=str(payload["message_id"]),
                headers={str(k): str(v) for k, v in dict(headers).items()},
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"not an email payload: {error!r}") from None
