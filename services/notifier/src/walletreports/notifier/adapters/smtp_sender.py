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

Connections are kept open between messages (NOTIFIER_SMTP_KEEP_OPEN_SECONDS), as mail
senders do: a connection, its EHLO, TLS handshake and login cost more than a message.
One connection carries one message at a time, at most MESSAGES_PER_CONNECTION, and is
dropped after any error. A kept connection the server has closed meanwhile fails
before anything is handed over (at MAIL FROM), so the message is then sent on a new
connection in the same attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Literal

import aiosmtplib

from ..domain import OutgoingEmail
from ..service_layer.ports import MaybeSent, NotSent
from .email_message import as_bytes

Security = Literal["none", "starttls", "tls"]

# Many servers end a session after some hundred messages (Exchange: 100 by default).
MESSAGES_PER_CONNECTION = 100


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
    keep_open_seconds: float = 10.0  # 0: a new connection for every message

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


class _Stale(Exception):
    """A kept connection the server closed meanwhile: nothing was handed over."""


@dataclass
class _Kept:
    smtp: aiosmtplib.SMTP
    messages: int
    idle_since: float


class SmtpSender:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._kept: list[_Kept] = []  # connected, between messages; newest last

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
        # Everything before the hand-over (a stale kept session, connect, MAIL, RCPT)
        # within one budget, so a send never outlasts longest_send_seconds.
        before = asyncio.get_running_loop().time() + self.config.handover_budget_seconds
        kept = self._take()
        if kept is not None:
            try:
                return await self._transaction(kept, email, data, before)
            except _Stale:
                pass  # gone while idle: on a new connection below
        smtp = self._client(self.config.timeout_seconds)
        try:
            async with asyncio.timeout_at(before):
                await smtp.connect()
        except aiosmtplib.SMTPResponseException as error:
            smtp.close()
            raise NotSent(f"connect: {_describe(error)}", permanent=False) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            smtp.close()
            raise NotSent(f"connect: {_describe(error)}", permanent=False) from None
        return await self._transaction(_Kept(smtp, 0, time.monotonic()), email, data, before)

    async def _transaction(
        self, kept: _Kept, email: OutgoingEmail, data: bytes, before: float
    ) -> str:
        """MAIL, RCPT and DATA on a connected session; keeps it for the next message
        when it went well, closes it otherwise."""
        smtp, reused = kept.smtp, kept.messages > 0
        done = False
        try:
            stage = "MAIL FROM"
            try:
                async with asyncio.timeout_at(before):
                    await smtp.mail(email.envelope_sender)
                    stage = "RCPT TO"
                    await smtp.rcpt(email.to)
            except aiosmtplib.SMTPServerDisconnected:
                if reused and stage == "MAIL FROM":
                    raise _Stale from None
                raise NotSent(
                    f"{stage}: the server closed the connection", permanent=False
                ) from None
            except aiosmtplib.SMTPResponseException as error:
                if reused and stage == "MAIL FROM" and error.code in (421, 451):
                    raise _Stale from None  # "closing the session": a new one may do
                raise NotSent(f"{stage}: {_describe(error)}", permanent=error.code >= 500) from None
            except UnicodeEncodeError:
                raise NotSent(f"{stage}: the address is not ASCII", permanent=True) from None
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                if reused and stage == "MAIL FROM" and not isinstance(error, TimeoutError):
                    raise _Stale from None
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
            done = True
            return f"{answer.code} {answer.message}"
        finally:
            if done:
                await self._keep(kept)
            else:
                smtp.close()

    def _take(self) -> _Kept | None:
        """The most recently used kept connection still fresh enough; older ones closed."""
        now = time.monotonic()
        while self._kept:
            kept = self._kept.pop()
            if now - kept.idle_since < self.config.keep_open_seconds and kept.smtp.is_connected:
                return kept
            kept.smtp.close()
        return None

    async def _keep(self, kept: _Kept) -> None:
        kept.messages += 1
        if (
            self.config.keep_open_seconds <= 0
            or kept.messages >= MESSAGES_PER_CONNECTION
            or not kept.smtp.is_connected
        ):
            await _quit(kept.smtp)
            return
        kept.idle_since = time.monotonic()
        self._kept.append(kept)

    async def close(self) -> None:
        """End the kept sessions (QUIT), at shutdown."""
        kept, self._kept = self._kept, []
        await asyncio.gather(*(_quit(k.smtp) for k in kept))

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


async def _quit(smtp: aiosmtplib.SMTP) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(smtp.quit(), 2.0)
    smtp.close()
