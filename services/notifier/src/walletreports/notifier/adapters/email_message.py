"""An OutgoingEmail as a MIME message: multipart/alternative, the plain-text part first
and the HTML part last (the one a client prefers when it can show it), UTF-8."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import formatdate

from ..domain import OutgoingEmail


def mime_message(email: OutgoingEmail) -> EmailMessage:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = email.sender
    message["To"] = email.to_header
    message["Subject"] = email.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = email.message_id
    for name, value in email.headers.items():
        message[name] = value
    message.set_content(email.text, subtype="plain", charset="utf-8")
    message.add_alternative(email.html, subtype="html", charset="utf-8")
    return message


def as_bytes(email: OutgoingEmail) -> bytes:
    """The message as SMTP carries it (CRLF line ends)."""
    return mime_message(email).as_bytes(policy=policy.SMTP)
