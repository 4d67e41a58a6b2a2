"""POST /v1/orders as web calls it: idempotency keys, and every kind of bad input
answered with a clear 4xx naming the field, with nothing stored."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from walletreports.orders.adapters.tables import idempotency_keys

from .conftest import WALLET, OrdersDriver

GOOD = {"user_email": "ada@example.com", "product": "wallet_report", "wallet_address": WALLET}


def body(**changes) -> dict:
    values = {"user_id": str(uuid.uuid4()), **GOOD, **changes}
    return {k: v for k, v in values.items() if v is not ...}


async def stored(svc: OrdersDriver) -> dict[str, int]:
    return await svc.counts() | {"idempotency_keys": await svc.count(idempotency_keys)}


# --- idempotency --------------------------------------------------------------------


async def test_the_first_response_is_replayed_for_the_same_key(svc: OrdersDriver):
    request = body()
    key = f"web-{uuid.uuid4()}"
    first = await svc.http.post("/v1/orders", json=request, headers={"Idempotency-Key": key})
    before = await stored(svc)
    again = await svc.http.post("/v1/orders", json=request, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert (first.headers["Idempotent-Replayed"], again.headers["Idempotent-Replayed"]) == (
        "false",
        "true",
    )
    assert await stored(svc) == before


async def test_a_reused_key_with_other_parameters_is_refused(svc: OrdersDriver):
    key = f"web-{uuid.uuid4()}"
    user = str(uuid.uuid4())
    first = await svc.http.post(
        "/v1/orders", json=body(user_id=user), headers={"Idempotency-Key": key}
    )
    assert first.status_code == 201
    before = await stored(svc)
    other = body(user_id=user, wallet_address=WALLET.lower())
    refused = await svc.http.post("/v1/orders", json=other, headers={"Idempotency-Key": key})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "idempotency_key_reused"
    assert refused.json()["error"]["field"] == "Idempotency-Key"
    assert await stored(svc) == before


async def test_concurrent_requests_with_one_key_make_one_order(svc: OrdersDriver):
    request, key = body(), f"web-{uuid.uuid4()}"
    before = await stored(svc)
    responses = await asyncio.gather(
        *(
            svc.http.post("/v1/orders", json=request, headers={"Idempotency-Key": key})
            for _ in range(5)
        )
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert (await stored(svc))["orders"] == before["orders"] + 1


async def test_a_refused_request_keeps_no_key(svc: OrdersDriver):
    key = f"web-{uuid.uuid4()}"
    bad = await svc.http.post(
        "/v1/orders", json=body(product="nft_drop"), headers={"Idempotency-Key": key}
    )
    assert bad.status_code == 422
    good = await svc.http.post("/v1/orders", json=body(), headers={"Idempotency-Key": key})
    assert good.status_code == 201


async def test_the_key_is_required(svc: OrdersDriver):
    before = await stored(svc)
    response = await svc.http.post("/v1/orders", json=body())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_missing"
    assert await stored(svc) == before


# --- bad input ----------------------------------------------------------------------

MIXED_CASE_TYPO = WALLET[:-1] + WALLET[-1].swapcase()  # one letter flipped: checksum fails

BAD_ORDERS = [
    pytest.param(
        body(wallet_address=MIXED_CASE_TYPO),
        "wallet_address",
        "invalid_wallet_address",
        id="checksum",
    ),
    pytest.param(
        body(wallet_address="0x" + "g" * 40),
        "wallet_address",
        "invalid_wallet_address",
        id="not-hex",
    ),
    pytest.param(
        body(wallet_address="0x1234"), "wallet_address", "invalid_wallet_address", id="too-short"
    ),
    pytest.param(
        body(wallet_address=WALLET[2:]), "wallet_address", "invalid_wallet_address", id="no-0x"
    ),
    pytest.param(
        body(wallet_address=...), "wallet_address", "invalid_wallet_address", id="missing-wallet"
    ),
    pytest.param(
        body(wallet_address="0x" + "a" * 5000),
        "wallet_address",
        "invalid_request",
        id="huge-wallet",
    ),
    pytest.param(
        body(wallet_address=12345), "wallet_address", "invalid_request", id="wallet-number"
    ),
    pytest.param(
        body(product="subscription_monthly"),
        "wallet_address",
        "invalid_order_request",
        id="wallet-on-plan",
    ),
    pytest.param(body(product="nft_drop"), "product", "unknown_product", id="unknown-product"),
    pytest.param(body(product="x" * 65), "product", "invalid_request", id="huge-product"),
    pytest.param(body(user_id="42"), "user_id", "invalid_request", id="user-id-not-uuid"),
    pytest.param(body(user_id=...), "user_id", "invalid_request", id="user-id-missing"),
    pytest.param(body(user_email="not-an-email"), "user_email", "invalid_request", id="bad-email"),
    pytest.param(
        body(user_email="ada\x00@example.com"), "user_email", "invalid_request", id="nul-in-email"
    ),
    pytest.param(body(price_usd="0.01"), "price_usd", "invalid_request", id="extra-field"),
]


@pytest.mark.parametrize(("request_body", "field", "code"), BAD_ORDERS)
async def test_bad_orders_are_refused_naming_the_field(
    svc: OrdersDriver, request_body, field, code
):
    before = await stored(svc)
    response = await svc.http.post(
        "/v1/orders", json=request_body, headers={"Idempotency-Key": uuid.uuid4().hex}
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert field in [f["field"] for f in error["fields"]]
    assert field in error["message"] or error.get("field") == field
    assert await stored(svc) == before


async def test_not_json_is_refused(svc: OrdersDriver):
    before = await stored(svc)
    response = await svc.http.post(
        "/v1/orders",
        content=b"{not json",
        headers={"Idempotency-Key": uuid.uuid4().hex, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert await stored(svc) == before


async def test_an_oversized_body_is_refused_before_it_is_read(svc: OrdersDriver):
    before = await stored(svc)
    huge = body(user_email="a@b.co", padding="x" * 200_000)
    response = await svc.http.post(
        "/v1/orders", json=huge, headers={"Idempotency-Key": uuid.uuid4().hex}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"

    async def chunks():  # no Content-Length: the limit counts what actually arrives
        for _ in range(100):
            yield b"x" * 1024

    streamed = await svc.http.post("/v1/orders", content=chunks(), headers={"Idempotency-Key": "k"})
    assert streamed.status_code == 413
    assert await stored(svc) == before


async def test_the_internal_token_is_required(svc: OrdersDriver):
    async with httpx.AsyncClient(base_url=svc.service.url) as anonymous:
        for method, path in [
            ("POST", "/v1/orders"),
            ("GET", f"/v1/orders/{uuid.uuid4()}"),
            ("GET", "/v1/catalog"),
            ("GET", "/admin/api/orders"),
        ]:
            response = await anonymous.request(method, path, json=body())
            assert response.status_code == 401, path
        wrong = await anonymous.get("/v1/catalog", headers={"Authorization": "Bearer guess"})
        assert wrong.status_code == 401


async def test_unknown_order_is_404(svc: OrdersDriver):
    response = await svc.http.get(f"/v1/orders/{uuid.uuid4()}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "order_not_found"
    response = await svc.http.get("/v1/orders/not-a-uuid")
    assert (
        response.status_code == 422 and response.json()["error"]["fields"][0]["field"] == "order_id"
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=1000000000", "limit"), ("offset=-1", "offset")],
)
async def test_absurd_pages_are_refused(svc: OrdersDriver, query, field):
    response = await svc.http.get(f"/v1/users/{uuid.uuid4()}/orders?{query}")
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == field


# --- catalog and the second seed's fee ------------------------------------------------


async def test_catalog(svc: OrdersDriver):
    catalog = (await svc.http.get("/v1/catalog")).json()
    by_code = {p["code"]: p for p in catalog["products"]}
    assert by_code["wallet_report"]["price_usd"] == "25.00"
    assert by_code["subscription_monthly"] | {} == {
        "code": "subscription_monthly",
        "kind": "subscription",
        "name": "Monthly plan",
        "price_usd": "6.00",
        "duration_days": 30,
        "reports_included": 30,
        "report_discount_percent": 20,
    }


@pytest.mark.parametrize(
    ("request_body", "total_lamports", "total_sol", "discount_lamports"),
    [
        pytest.param(
            {"tokens_used": 1000, "risk_score": 2}, 5_001_000, "0.005001", 0, id="low-risk"
        ),
        pytest.param(
            {"tokens_used": 1234, "risk_score": "7"}, 9_002_000, "0.009002", 0, id="high-risk"
        ),
        pytest.param(
            {"tokens_used": 1234, "risk_score": "7", "is_subscriber": True},
            7_201_600,
            "0.0072016",
            1_800_400,
            id="subscriber",
        ),
    ],
)
async def test_the_seed_fee_examples_to_the_lamport(
    svc: OrdersDriver, request_body, total_lamports, total_sol, discount_lamports
):
    response = await svc.http.post("/v1/audit-fee/quote", json=request_body)
    assert response.status_code == 200, response.text
    fee = response.json()
    assert (fee["total_lamports"], fee["total_sol"], fee["discount_lamports"]) == (
        total_lamports,
        total_sol,
        discount_lamports,
    )


@pytest.mark.parametrize(
    ("request_body", "field"),
    [
        ({"tokens_used": -1, "risk_score": 2}, "tokens_used"),
        ({"tokens_used": 10**30, "risk_score": 2}, "tokens_used"),
        ({"tokens_used": 1.5, "risk_score": 2}, "tokens_used"),
        ({"tokens_used": 1000, "risk_score": 11}, "risk_score"),
        ({"tokens_used": 1000, "risk_score": 0}, "risk_score"),
        ({"tokens_used": 1000, "risk_score": "high"}, "risk_score"),
        ({"tokens_used": 1000, "risk_score": 2, "is_subscriber": "yes"}, "is_subscriber"),
    ],
)
async def test_negative_or_absurd_fee_inputs_are_refused(svc: OrdersDriver, request_body, field):
    response = await svc.http.post("/v1/audit-fee/quote", json=request_body)
    assert response.status_code == 422, response.text
    assert field in [f["field"] for f in response.json()["error"]["fields"]]
