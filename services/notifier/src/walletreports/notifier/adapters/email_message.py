"""An OutgoingEmail as a MIME message: multipart/alternative, the plain-text part first
and the HTML part last (the one a client prefers when it can show it), UTF-8.

Built with the email package's compat32 classes (email.mime) and written with CRLF line
ends, as SMTP carries it: the same message as EmailMessage with policy.SMTP would give,
for a quarter of its time (that policy parses every header back into objects, which
cost more than everything else a send does). Non-ASCII in Subject or a display name is
RFC 2047-encoded (email.header / formataddr); the parts are base64."""

from __future__ import annotations

from email import policy
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr

from ..domain import OutgoingEmail

# CRLF, and headers folded only past RFC 5322's 998 (folding at 78 would move a long
# List-Unsubscribe URL onto a line of its own, read back with a leading space).
_SMTP_LINES = policy.compat32.clone(linesep="\r\n", max_line_length=998)


def _header(value: str) -> str:
    """ASCII as it is; otherwise RFC 2047 encoded words of at most 75 characters each,
    on one line (a decoder joins adjacent ones)."""
    if value.isascii():
        return value
    return Header(value, "utf-8", maxlinelen=75).encode(linesep="\r\n").replace("\r\n", "")


def _address(value: str) -> str:
    """ "Name <address>" with the name encoded when it is not ASCII."""
    if value.isascii():
        return value
    name, address = parseaddr(value)
    return formataddr((_header(name), address))


def mime_message(email: OutgoingEmail) -> MIMEMultipart:
    message = MIMEMultipart("alternative")
    message["From"] = _address(email.sender)
    message["To"] = _address(email.to_header)
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
