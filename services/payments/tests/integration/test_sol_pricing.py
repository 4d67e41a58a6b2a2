"""SOL offered at the configured rate: the invoice locks the quote it was opened with."""

import pytest

from walletreports.payments.domain.solana_pay import parse_transfer_request_url

from .conftest import PaymentsDriver, order_created


@pytest.fixture(scope="module")
def service_env() -> dict[str, str]:
    return {"PAYMENTS_SOL_FIXED_USD": "150"}


async def test_sol_is_offered_at_the_fixed_rate_rounded_up_to_a_lamport(svc: PaymentsDriver):
    event = order_created(price_usd="25.00")
    await svc.publish(event)
    invoice = await svc.invoice_of(event.order_id)

    assert invoice["sol_withdrawn_reason"] is None
    methods = {m["currency"]: m for m in invoice["methods"]}
    assert set(methods) == {"USDC", "USDT", "SOL"}
    sol = methods["SOL"]
    # 25 / 150 SOL = 0.1666… SOL: 166,666,666.67 lamports, rounded up (never under-asked).
    assert sol["amount_base_units"] == 166_666_667
    assert sol["mint"] is None and sol["decimals"] == 9
    request = parse_transfer_request_url(sol["url"])
    assert request.spl_token is None
    assert request.amount_base_units == 166_666_667
    assert str(request.references[0]) == invoice["reference"]
