"""A real SMTP server for the tests (aiosmtpd's Controller, in its own thread) that keeps
every message it accepts and answers 550 for the addresses a test refuses."""

from __future__ import annotations

import asyncio
import email
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from walletreports.devkit.processes import free_port
from walletreports.devkit.testing.eventually import eventually


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    peer: Any = None  # the client's (host, port): one per connection

    def header(self, name: str) -> str:
        return str(self.message[name])

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None and part.get_content_type() == "text/plain"
        return str(part.get_content())

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None and part.get_content_type() == "text/html"
        return str(part.get_content())


class KeepingHandler:
    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.refused: set[str] = set()
        # Addresses whose DATA is answered only after this many seconds (longer than the
        # client waits: it cannot tell whether the message was taken; it was).
        self.slow: dict[str, float] = {}
        self.lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.lower() in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        delay = max((self.slow.get(r.lower(), 0.0) for r in envelope.rcpt_tos), default=0.0)
        if delay:
            await asyncio.sleep(delay)
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message, session.peer)
            )
        return "250 OK queued"


class SmtpSink:
    def __init__(self) -> None:
        self.handler = KeepingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    async def start(self) -> SmtpSink:
        await asyncio.to_thread(self.controller.start)
        return self

    async def stop(self) -> None:
        await asyncio.to_thread(self.controller.stop)

    def refuse(self, address: str) -> None:
        self.handler.refused.add(address.lower())

    def accept(self, address: str) -> None:
        self.handler.refused.discard(address.lower())
        self.handler.slow.pop(address.lower(), None)

    def answer_slowly(self, address: str, seconds: float) -> None:
        self.handler.slow[address.lower()] = seconds

    def to(self, address: str) -> list[Received]:
        with self.handler.lock:
            return [m for m in self.handler.messages if address in m.rcpt_tos]

    async def wait_matching(
        self, address: str, predicate: Callable[[Received], bool], timeout: float = 15.0
    ) -> list[Received]:
        """Until a message to `address` matches; all that match."""

        async def found() -> list[Received]:
            return [m for m in self.to(address) if predicate(m)]

        return await eventually(found, timeout=timeout)

    async def wait_for(self, address: str, count: int = 1, timeout: float = 15.0) -> list[Received]:
        async def enough() -> list[Received] | None:
            found = self.to(address)
            return found if len(found) >= count else None

        return await eventually(enough, timeout=timeout)
