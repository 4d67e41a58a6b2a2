"""An OutgoingEmail as a MIME message: multipart/alternative, the plain-text part first
and the HTML part last (the one a client prefers when it can show it), UTF-8.

Built with the email package's compat32 classes (email.mime) and written with CRLF line
ends, as SMTP carries it: the same message as EmailMessage with policy.SMTP would give,
for a fifth of its time (that policy parses every header back into objects, which cost
more than everything else a send does). Headers are made one line of ASCII here
(non-ASCII in Subject or a display name RFC 2047-encoded with email.header) and written
as they are; the parts are base64."""

from __future__ import annotations

import functools
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import formataddr, formatdate, parseaddr
from typing import Any

from ..domain import OutgoingEmail


class _AsComposed(Compat32):
    """Writes each header on one line as it was set: every value here is one line of
    ASCII already (`_header`), so folding it again (compat32 would, at 78 columns,
    moving a long List-Unsubscribe URL onto a line of its own) is only cost."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        line = f"{name}: {value}"
        if "\r" in line or "\n" in line or not line.isascii() or len(line) > 998:
            raise ValueError(f"header {name} is not one line of ASCII")  # never reached
        return line + self.linesep


_SMTP_LINES = _AsComposed(linesep="\r\n")


def _header(value: str) -> str:
    """One line: whitespace runs become one space (no line break can reach a header);
    ASCII as it is, otherwise RFC 2047 encoded words of at most 75 characters each (a
    decoder joins adjacent ones)."""
    value = " ".join(value.split())
    if value.isascii():
        return value
    return Header(value, "utf-8", maxlinelen=75).encode(linesep="\r\n").replace("\r\n", "")


def _address(name: str | None, address: str) -> str:
    """ "Name <address>" with the name one line and encoded when it is not ASCII."""
    name = _header(name or "")
    return formataddr((name, address)) if name else address


@functools.lru_cache(maxsize=64)
def _from_header(sender: str) -> str:
    """The From header of a configured "Name <address>" (a handful of values)."""
    return _address(*parseaddr(sender))


def mime_message(email: OutgoingEmail) -> MIMEMultipart:
    message = MIMEMultipart("alternative")
    message["From"] = _from_header(email.sender)
    message["To"] = _address(email.to_name, email.to)
    message["Subject"] = _header(email.subject)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = email.message_id
    for name, value in email.headers.items():
        message[name] = _header(value)
    message.attach(MIMEText(email.text, "plain", "utf-8"))
    message.attach(MIMEText(email.html, "html", "utf-8"))
    return message


def as_bytes(email: OutgoingEmail) -> bytes:
    """The message as SMTP carries it (CRLF line ends)."""
    return mime_message(email).as_bytes(policy=_SMTP_LINES)
