"""The watcher behind a misbehaving RPC: 429s, outages and garbage make it back off and
say so in /readyz and the metrics, nothing is recorded meanwhile, and when the node is
back it catches up from its cursors: the payment made during the outage settles once.
A node that lies about a transaction's balances gets a rejected candidate, not money."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families

from walletreports.devkit.testing.eventually import eventually
from walletreports.localnet.testing import Localnet

from .faulty_rpc import FaultyRpc, faulty_rpc
from .watching import WatchedPayments

FINALIZED = "payments.payment.finalized.v1"


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def proxy(localnet: Localnet) -> AsyncIterator[tuple[FaultyRpc, str]]:
    async with faulty_rpc(localnet.rpc_url) as running:
        yield running


@pytest.fixture(scope="module")
def service_env(proxy: tuple[FaultyRpc, str]) -> dict[str, str]:
    return {"SOLANA_RPC_URL": proxy[1]}


async def failures_in_a_row(svc: WatchedPayments) -> float:
    text = (await svc.http.get("/metrics")).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "payments_watcher_failures_in_a_row":
                return sample.value
    return 0.0


@pytest.mark.parametrize("fault", ["429", "503", "garbage"])
async def test_an_rpc_outage_is_reported_and_caught_up_after(
    watched: WatchedPayments, proxy: tuple[FaultyRpc, str], fault: str
):
    rpc, _ = proxy
    invoice = await watched.open_invoice("25.00")
    rpc.fault = fault
    try:
        await watched.pay(invoice)  # the wallet talks to the localnet itself
        await watched.net.advance_slots(33)

        async def unready() -> dict | None:
            response = await watched.http.get("/readyz")
            return response.json() if response.status_code == 503 else None

        body = await eventually(unready, timeout=20)
        assert body["checks"]["rpc"] != "ok"
        assert await eventually(lambda: _positive(failures_in_a_row(watched)), timeout=20)
        assert (await watched.invoice(invoice["invoice_id"]))["status"] == "new"
    finally:
        rpc.fault = None

    settled = await watched.until_invoice(invoice["invoice_id"], status="settled")
    assert settled["reason"] is None
    assert (await watched.subjects(invoice["order_id"])).count(FINALIZED) == 1
    await eventually(lambda: _ready(watched), timeout=20)


async def test_a_node_that_inflates_a_payment_gets_no_money_for_it(
    watched: WatchedPayments, proxy: tuple[FaultyRpc, str]
):
    rpc, _ = proxy
    invoice = await watched.open_invoice("25.00")
    rpc.fault = "inflate"
    try:
        signature = await watched.pay(invoice, amount=Decimal("2.5"))
        await watched.net.advance_slots(1)
        [row] = await watched.until_rejected(signature)
    finally:
        rpc.fault = None
    assert row["reason"] == "amount_mismatch"
    assert (await watched.invoice(invoice["invoice_id"]))["status"] == "new"


async def _positive(value) -> bool | None:  # type: ignore[no-untyped-def]
    return (await value) > 0 or None


async def _ready(svc: WatchedPayments) -> bool | None:
    return (await svc.http.get("/readyz")).status_code == 200 or None
