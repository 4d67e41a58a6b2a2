"""The development SMTP sink `make dev` runs for the notifier: a real SMTP server
(aiosmtpd) that delivers nothing and keeps every message it accepts in a Maildir
(`<state dir>/mail`), which the notifier's GET /admin/api/dev-mailbox lists (its
NOTIFIER_DEV_MAILBOX_DIR points there). Any mail client can read the Maildir too.

Each kept message gets three headers in front: X-Dev-Envelope-From, X-Dev-Envelope-To
(what the envelope said, which the headers may not: staff alerts, Bcc) and
X-Dev-Received-At. A recipient whose domain ends in `.invalid` (RFC 2606) is refused
with a 550, so a permanently failing address can be tried by hand.

    python -m walletreports.devstack.smtp_sink --port 14025 --maildir .dev/mail
"""

from __future__ import annotations

import argparse
import asyncio
import mailbox
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

HOSTNAME = "wallet-reports-dev-sink"
REFUSED_SUFFIX = ".invalid"


class MaildirSink:
    """The aiosmtpd handler: refuse `*.invalid`, keep the rest."""

    def __init__(self, maildir: Path) -> None:
        for folder in ("tmp", "new", "cur"):  # a Maildir, also in a folder that exists
            (maildir / folder).mkdir(parents=True, exist_ok=True)
        self.box = mailbox.Maildir(maildir, create=False)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.lower().rpartition("@")[2].endswith(REFUSED_SUFFIX):
            return (
                f"550 5.1.1 <{address}>: no such mailbox (the dev sink refuses *{REFUSED_SUFFIX})"
            )
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        front = (
            f"X-Dev-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Dev-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
            f"X-Dev-Received-At: {datetime.now(UTC).isoformat()}\r\n"
        ).encode()
        key = await asyncio.to_thread(self.box.add, front + raw)
        return f"250 OK: kept in the dev mailbox as {key}"


async def start(host: str, port: int, maildir: Path) -> asyncio.Server:
    """Listen on host:port (for tests as for make dev); close the server to stop."""
    handler = MaildirSink(maildir)

    def protocol() -> Any:
        return SMTP(handler, hostname=HOSTNAME, enable_SMTPUTF8=True)

    return await asyncio.get_running_loop().create_server(protocol, host, port)


async def _serve(host: str, port: int, maildir: Path) -> None:
    server = await start(host, port, maildir)
    print(f"smtp sink: listening on {host}:{port}, keeping mail in {maildir}", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=14025)
    parser.add_argument("--maildir", type=Path, default=Path(".dev/mail"))
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args.host, args.port, args.maildir.resolve()))
    except KeyboardInterrupt:
        pass  # Ctrl-C when run alone


if __name__ == "__main__":
    main()
