"""make dev's SMTP sink (walletreports.devstack.smtp_sink) and the notifier's
GET /admin/api/dev-mailbox that lists what it kept: the whole path, a real SMTP server
writing a real Maildir."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from walletreports.devkit.processes import free_port
from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.serving import RunningService, ServiceHarness
from walletreports.devstack import smtp_sink
from walletreports.notifier.app import SERVICE

from .conftest import BASE_URL, SERVICE_ENV


@pytest_asyncio.fixture(loop_scope="session")
async def dev_stack_notifier(
    services: ServiceHarness, tmp_path: Path
) -> AsyncIterator[RunningService]:
    maildir = tmp_path / "mail"
    port = free_port()
    server = await smtp_sink.start("127.0.0.1", port, maildir)
    try:
        env = {
            **SERVICE_ENV,
            "NOTIFIER_SMTP_PORT": str(port),
            "NOTIFIER_DEV_MAILBOX_DIR": str(maildir),
        }
        async with services.run(SERVICE, **env) as service:
            yield service
    finally:
        server.close()
        await server.wait_closed()


async def _mailbox(service: RunningService, **params: Any) -> dict[str, Any]:
    response = await service.http.get("/admin/api/dev-mailbox", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_what_the_sink_kept_is_listed_newest_first(dev_stack_notifier: RunningService):
    service = dev_stack_notifier
    assert (await service.wait_ready())["checks"]["smtp"] == "ok"
    to = f"dev-{uuid.uuid4().hex[:8]}@example.com"
    for n, template in enumerate(("email_verification", "password_reset")):
        response = await service.http.post(
            "/v1/transactional",
            json={"template": template, "to": to, "variables": {"link": f"{BASE_URL}/t?n={n}"}},
            headers={"Idempotency-Key": f"dev-{uuid.uuid4()}"},
        )
        assert response.status_code == 200, response.text

    page = await eventually(lambda: _listed(service, to, 2))
    newest, oldest = page["items"]
    assert (newest["subject"], oldest["subject"]) == (
        "Reset your password",
        "Confirm your email address",
    )
    assert (
        newest["envelope_to"] == [to] and newest["envelope_from"] == "reports@wallet-reports.test"
    )
    assert newest["from"] == "Wallet Reports <reports@wallet-reports.test>" and newest["to"] == to
    assert f"{BASE_URL}/t?n=1" in newest["text"] and newest["html"].lstrip().startswith(
        "<!DOCTYPE html>"
    )
    assert newest["message_id"].startswith("<") and newest["received_at"] >= oldest["received_at"]
    assert (await _mailbox(service, to="nobody@example.com"))["items"] == []
    assert len((await _mailbox(service, to=to, limit=1))["items"]) == 1


async def _listed(service: RunningService, to: str, count: int) -> dict[str, Any] | None:
    page = await _mailbox(service, to=to)
    return page if page["total"] >= count else None


async def test_the_sink_refuses_invalid_domains_for_good(dev_stack_notifier: RunningService):
    response = await dev_stack_notifier.http.post(
        "/v1/transactional",
        json={
            "template": "email_verification",
            "to": "ada@bounce.invalid",
            "variables": {"link": f"{BASE_URL}/v"},
        },
        headers={"Idempotency-Key": f"dev-{uuid.uuid4()}"},
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "recipient_refused"
    assert "550" in response.json()["error"]["message"]


async def test_without_a_dev_mailbox_the_route_is_404(services: ServiceHarness):
    async with services.run(SERVICE, wait_ready=False, NOTIFIER_EMAIL_BACKEND="console") as service:
        response = await service.http.get("/admin/api/dev-mailbox")
    assert (
        response.status_code == 404
        and response.json()["error"]["code"] == "dev_mailbox_not_configured"
    )
