"""The development mailbox: what the dev SMTP sink (tools/devstack, `make dev`) received,
read from the Maildir it keeps (NOTIFIER_DEV_MAILBOX_DIR). Read only, newest first.

The sink adds `X-Dev-Envelope-From`, `X-Dev-Envelope-To` and `X-Dev-Received-At` to each
message it stores (what the envelope said, which the headers may not)."""

from __future__ import annotations

import asyncio
import mailbox
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from pathlib import Path
from typing import Any

ENVELOPE_FROM = "X-Dev-Envelope-From"
ENVELOPE_TO = "X-Dev-Envelope-To"
RECEIVED_AT = "X-Dev-Received-At"


@dataclass(frozen=True)
class DevMailboxPage:
    items: list[dict[str, Any]]
    total: int


def _part(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    content = part.get_content()
    return content if isinstance(content, str) else None


def _received_at(message: Message, fallback: float) -> datetime:
    stamp = message.get(RECEIVED_AT)
    if stamp:
        try:
            return datetime.fromisoformat(str(stamp))
        except ValueError:
            pass
    return datetime.fromtimestamp(fallback, UTC)


class DevMailbox:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def page(self, *, to: str | None, limit: int, offset: int) -> DevMailboxPage:
        return await asyncio.to_thread(self._page, to, limit, offset)

    def _page(self, to: str | None, limit: int, offset: int) -> DevMailboxPage:
        if not (self.directory / "new").is_dir() and not (self.directory / "cur").is_dir():
            return DevMailboxPage([], 0)
        box = mailbox.Maildir(self.directory, create=False)
        parser = BytesParser(policy=policy.default)
        found: list[tuple[datetime, str, EmailMessage]] = []
        for key in box.iterkeys():
            try:
                stored = box.get_message(key)  # a MaildirMessage: knows its file's time
            except (KeyError, OSError):
                continue  # removed while listing
            parsed = parser.parsebytes(stored.as_bytes())
            recipients = [r.strip().lower() for r in str(parsed.get(ENVELOPE_TO, "")).split(",")]
            if to is not None and to.strip().lower() not in recipients:
                continue
            found.append((_received_at(parsed, stored.get_date()), key, parsed))
        found.sort(key=lambda item: (item[0], item[1]), reverse=True)
        items = [
            self._item(key, at, message) for at, key, message in found[offset : offset + limit]
        ]
        return DevMailboxPage(items, len(found))

    @staticmethod
    def _item(key: str, at: datetime, message: EmailMessage) -> dict[str, Any]:
        envelope_to = [r.strip() for r in str(message.get(ENVELOPE_TO, "")).split(",") if r.strip()]
        return {
            "id": key,
            "received_at": at,
            "envelope_from": str(message.get(ENVELOPE_FROM, "")) or None,
            "envelope_to": envelope_to,
            "from": str(message.get("From", "")) or None,
            "to": str(message.get("To", "")) or None,
            "subject": str(message.get("Subject", "")) or None,
            "message_id": str(message.get("Message-ID", "")) or None,
            "text": _part(message, "plain"),
            "html": _part(message, "html"),
        }
