"""Sending over SMTP (aiosmtplib), and what each failure means for the message.

SMTP has no way to ask afterwards whether a message was taken, so the one thing that
matters is where a failure happens:
- before the message is handed over (connect, TLS, auth, MAIL FROM, RCPT TO, or the
  server's answer to DATA): it certainly did not leave. A 5xx to MAIL, RCPT or DATA is
  for good (`NotSent(permanent=True)`: a bad address, a message refused); a 4xx, a
  refused or dropped connection, a timeout, an unusable server is for now
  (`NotSent(permanent=False)`: tried again with back-off);
- while the message is being handed over or its final answer awaited (the connection
  breaks, a timeout): the server may have queued it (`MaybeSent`: in doubt, never sent
  again by itself). The Message-ID the notifier sets itself is the same on a staff
  resend, so a second copy is recognisable.

Security: `none` (plain, for a local relay or the dev sink), `starttls` (required:
refused if the server does not offer it) or `tls` (implicit TLS, port 465).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Literal

import aiosmtplib

from ..domain import OutgoingEmail
from ..service_layer.ports import MaybeSent, NotSent
from .email_message import as_bytes

Security = Literal["none", "starttls", "tls"]


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: Security = "starttls"
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = 10.0
    validate_certs: bool = True
    local_hostname: str = "localhost"

    @property
    def handover_budget_seconds(self) -> float:
        """The longest the steps before the message is handed over may take together."""
        return self.timeout_seconds * 3

    @property
    def longest_send_seconds(self) -> float:
        """The longest a whole send may take (the performer's timeout is above it)."""
        return self.handover_budget_seconds + self.timeout_seconds * 2


def _describe(error: BaseException) -> str:
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"{error.code} {error.message}"
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class SmtpSender:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def _client(self, timeout: float) -> aiosmtplib.SMTP:
        c = self.config
        return aiosmtplib.SMTP(
            hostname=c.host,
            port=c.port,
            use_tls=c.security == "tls",
            start_tls=c.security == "starttls",
            validate_certs=c.validate_certs,
            username=c.username,
            password=c.password,
            timeout=timeout,
            local_hostname=c.local_hostname,
        )

    async def send(self, email: OutgoingEmail) -> str:
        data = as_bytes(email)
        smtp = self._client(self.config.timeout_seconds)
        try:
            stage = "connect"
            try:
                async with asyncio.timeout(self.config.handover_budget_seconds):
                    await smtp.connect()
                    stage = "MAIL FROM"
                    await smtp.mail(email.envelope_sender)
                    stage = "RCPT TO"
                    await smtp.rcpt(email.to)
            except aiosmtplib.SMTPResponseException as error:
                permanent = error.code >= 500 and stage != "connect"
                raise NotSent(f"{stage}: {_describe(error)}", permanent=permanent) from None
            except UnicodeEncodeError:
                raise NotSent(f"{stage}: the address is not ASCII", permanent=True) from None
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                raise NotSent(f"{stage}: {_describe(error)}", permanent=False) from None
            try:
                answer = await smtp.data(data)
            except aiosmtplib.SMTPResponseException as error:
                # The server answered: it did not take the message.
                raise NotSent(f"DATA: {_describe(error)}", permanent=error.code >= 500) from None
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                raise MaybeSent(
                    f"DATA: {_describe(error)} while handing the message over; the server may"
                    " have taken it"
                ) from None
            with contextlib.suppress(Exception):
                await smtp.quit()
            return f"{answer.code} {answer.message}"
        finally:
            smtp.close()

    async def probe(self) -> str:
        """A connect (with TLS and login as configured) and EHLO."""
        smtp = self._client(min(self.config.timeout_seconds, 2.0))
        try:
            await smtp.connect()
            if smtp.last_ehlo_response is None:
                await smtp.ehlo()
            with contextlib.suppress(Exception):
                await smtp.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            return f"unreachable: {_describe(error)}"
        finally:
            smtp.close()
        return "ok"
