"""A service's own readiness checks: a required one failing makes /readyz 503; an
optional one failing is shown and listed as degraded while /readyz stays 200."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from walletreports.devkit.testing.probe import PRODUCER
from walletreports.kit import Platform

answers = {"ledger": "ok", "chat": "ok"}


async def _ledger() -> str:
    return answers["ledger"]


async def _chat() -> str:
    return answers["chat"]


@asynccontextmanager
async def with_checks(platform: Platform[Any]) -> AsyncIterator[None]:
    platform.add_readiness_check("ledger", _ledger)
    platform.add_readiness_check("chat", _chat, required=False)
    yield None


CHECKED = replace(PRODUCER, name="probe_checked", bootstrap=with_checks)


async def test_an_optional_check_failing_degrades_a_required_one_makes_it_not_ready(
    services, monkeypatch
):
    monkeypatch.setitem(answers, "chat", "ok")
    monkeypatch.setitem(answers, "ledger", "ok")
    async with services.run(CHECKED) as service:
        body = await service.wait_ready()
        assert body["degraded"] == [] and body["checks"]["chat"] == "ok"

        answers["chat"] = "unreachable: ConnectionRefusedError"
        response = await service.http.get("/readyz")
        assert response.status_code == 200
        assert response.json()["status"] == "ready"
        assert response.json()["degraded"] == ["chat"]
        assert response.json()["checks"]["chat"] == "unreachable: ConnectionRefusedError"

        answers["ledger"] = "unreachable: TimeoutError"
        response = await service.http.get("/readyz")
        assert response.status_code == 503 and response.json()["status"] == "not_ready"
