"""The console backend (development only: NOTIFIER_EMAIL_BACKEND=console): every email
is printed to standard output, headers and the plain-text part, instead of being sent.
It prints one-time links too, which is why production refuses it."""

from __future__ import annotations

import sys
from typing import TextIO

from ..domain import OutgoingEmail
from .email_message import mime_message


class ConsoleSender:
    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out

    async def send(self, email: OutgoingEmail) -> str:
        message = mime_message(email)
        out = self.out or sys.stdout
        lines = [f"{name}: {value}" for name, value in message.items() if name != "Content-Type"]
        out.write(
            "\n".join(
                [
                    "----- email (console backend) -----",
                    *lines,
                    "",
                    email.text.rstrip(),
                    "-----",
                    "",
                ]
            )
        )
        out.flush()
        return "250 printed to the console"

    async def probe(self) -> str:
        return "ok"
