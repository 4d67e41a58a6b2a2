"""The SMTP sender keeps its connections open between messages (NOTIFIER_SMTP_KEEP_OPEN
_SECONDS), against a real SMTP server: one session carries many messages, one at a
time; a session the server dropped meanwhile costs a new connection, never a message
(nothing was handed over yet); after any error a session is not used again."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller

from walletreports.notifier.adapters.smtp_sender import SmtpConfig, SmtpSender
from walletreports.notifier.domain import OutgoingEmail
from walletreports.notifier.service_layer.ports import NotSent

from .smtp_sink import SmtpSink


@pytest_asyncio.fixture(loop_scope="session")
async def sink():
    server = await SmtpSink().start()
    yield server
    await server.stop()


def sender(sink: SmtpSink, **over: object) -> SmtpSender:
    config = SmtpConfig(host="127.0.0.1", port=sink.port, security="none", timeout_seconds=5)
    return SmtpSender(SmtpConfig(**{**config.__dict__, **over}))  # type: ignore[arg-type]


def email(to: str) -> OutgoingEmail:
    return OutgoingEmail(
        sender="Wallet Reports <reports@wallet-reports.test>",
        to=to,
        to_name=None,
        subject="Your reports are ready!",
        text="Hello",
        html="<p>Hello</p>",
        message_id=f"<{uuid.uuid4()}@wallet-reports.test>",
    )


def an_address() -> str:
    return f"u-{uuid.uuid4().hex[:10]}@example.com"


async def test_one_session_carries_the_messages_sent_one_after_another(sink):
    smtp = sender(sink)
    to = [an_address() for _ in range(3)]
    try:
        for address in to:
            assert (await smtp.send(email(address))).startswith("250")
        peers = {(await sink.wait_for(address))[0].peer for address in to}
        assert len(peers) == 1  # one connection, three messages
    finally:
        await smtp.close()


async def test_sends_at_the_same_time_each_have_a_session_of_their_own(sink):
    smtp = sender(sink)
    to = [an_address() for _ in range(4)]
    try:
        await asyncio.gather(*(smtp.send(email(address)) for address in to))
        for address in to:
            assert len(await sink.wait_for(address)) == 1
        again = [an_address() for _ in range(4)]
        await asyncio.gather(*(smtp.send(email(address)) for address in again))
        first = {(await sink.wait_for(a))[0].peer for a in to}
        second = {(await sink.wait_for(a))[0].peer for a in again}
        assert second <= first  # the same sessions, kept
    finally:
        await smtp.close()


async def test_without_keeping_every_message_has_its_own_connection(sink):
    smtp = sender(sink, keep_open_seconds=0)
    to = [an_address() for _ in range(3)]
    for address in to:
        await smtp.send(email(address))
    assert len({(await sink.wait_for(a))[0].peer for a in to}) == 3


async def test_a_session_idle_for_longer_than_it_is_kept_is_not_used(sink):
    smtp = sender(sink, keep_open_seconds=0.2)
    first, second = an_address(), an_address()
    try:
        await smtp.send(email(first))
        await asyncio.sleep(0.4)
        await smtp.send(email(second))
        assert (await sink.wait_for(first))[0].peer != (await sink.wait_for(second))[0].peer
    finally:
        await smtp.close()


async def test_a_session_the_server_dropped_costs_a_connection_not_the_message():
    server = await SmtpSink().start()
    smtp = sender(server)
    first, second = an_address(), an_address()
    try:
        await smtp.send(email(first))
        await server.stop()  # every session ends, as a server restarting does
        server.controller = Controller(server.handler, hostname="127.0.0.1", port=server.port)
        await server.start()
        assert (await smtp.send(email(second))).startswith("250")
        assert len(await server.wait_for(second)) == 1  # once
    finally:
        await smtp.close()
        await server.stop()


async def test_a_refused_recipient_does_not_leave_its_session_for_the_next_message(sink):
    smtp = sender(sink)
    refused, good, after = an_address(), an_address(), an_address()
    sink.refuse(refused)
    try:
        await smtp.send(email(good))
        with pytest.raises(NotSent) as error:
            await smtp.send(email(refused))  # on good's session, which then ends
        assert error.value.permanent
        await smtp.send(email(after))
        assert (await sink.wait_for(good))[0].peer != (await sink.wait_for(after))[0].peer
    finally:
        await smtp.close()
