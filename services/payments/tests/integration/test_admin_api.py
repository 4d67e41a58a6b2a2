"""The staff console's API (/admin/api) and the user's payment history, against the
running service: the list's filters and search, pages, bad query values, one invoice
with its history, and staff decisions reaching the real broker.

Invoices are opened as orders opens them (order.created), each test with its own users;
transfers and rejected candidates are written with the domain through the service's
own units of work (nothing is paid on chain here). Every test shares the module's
database, so a list is checked for what it must and must not hold, not for its size.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import nats.errors
import pytest
from solders.pubkey import Pubkey
from solders.signature import Signature

from walletreports.contracts import stream_name, wire_subject
from walletreports.contracts.orders import OrderCreated
from walletreports.payments.adapters.unit_of_work import PaymentsUnitOfWork
from walletreports.payments.domain import Commitment, Currency, Transfer

from .conftest import PaymentsDriver, order_cancelled

STAFF = {"staff_email": "grace@example.com", "reason": "paid by bank transfer, checked"}


def _key() -> str:
    return str(Pubkey(secrets.token_bytes(32)))


def _signature() -> str:
    return str(Signature(secrets.token_bytes(64)))


async def _open(
    svc: PaymentsDriver, user_id: uuid.UUID | None = None, price_usd: str = "25.00"
) -> dict[str, Any]:
    order_id = uuid.uuid4()
    await svc.publish(
        OrderCreated(
            order_id=order_id,
            user_id=user_id or uuid.uuid4(),
            product="wallet_report",
            wallet_address="0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            price_usd=Decimal(price_usd),
            payment_required=True,
            description="Wallet report",
            correlation_id=str(order_id),
        )
    )
    return await svc.invoice_of(order_id)


def _units(svc: PaymentsDriver) -> Any:
    return svc.service.runtime.units


async def _observe(
    svc: PaymentsDriver,
    invoice: dict[str, Any],
    *,
    currency: Currency = Currency.USDC,
    amount: int = 25_000_000,
    payer: str | None = None,
) -> Transfer:
    """A finalized transfer to the invoice, as the watcher would record it."""
    transfer = Transfer(
        signature=_signature(),
        currency=currency.value,
        amount_base_units=amount,
        payer=payer or _key(),
        slot=1000,
        commitment=Commitment.FINALIZED,
    )
    uow: PaymentsUnitOfWork
    async with _units(svc)() as uow:
        stored = await uow.invoices.get(uuid.UUID(invoice["invoice_id"]), lock=True)
        assert stored is not None
        now = datetime.now(UTC)
        stored.observe_transfer(transfer, now=now)
        await uow.invoices.save(stored, now=now)
    return transfer


async def _reject(
    svc: PaymentsDriver, invoice: dict[str, Any] | None, reason: str, at: datetime
) -> str:
    signature = _signature()
    uow: PaymentsUnitOfWork
    async with _units(svc)() as uow:
        await uow.rejections.record(
            signature=signature,
            reason=reason,
            detail=f"{reason} (test)",
            at=at,
            invoice_id=None if invoice is None else uuid.UUID(invoice["invoice_id"]),
            reference=None if invoice is None else invoice["reference"],
        )
    return signature


async def _list(svc: PaymentsDriver, **params: Any) -> dict[str, Any]:
    response = await svc.http.get("/admin/api/invoices", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return response.json()


def _ids(page: dict[str, Any]) -> list[str]:
    return [item["invoice_id"] for item in page["items"]]


# --- the list: filters --------------------------------------------------------------


async def test_status_and_reason_filters(svc: PaymentsDriver):
    fresh, rejected, short = await _open(svc), await _open(svc), await _open(svc)
    marked = await svc.http.post(
        f"/admin/api/invoices/{rejected['invoice_id']}/mark-invalid", json=STAFF
    )
    assert marked.status_code == 200, marked.text
    await _observe(svc, short, currency=Currency.USDT, amount=10_000_000)  # 10 of 25 USD

    invalid = await _list(svc, status="invalid")
    assert rejected["invoice_id"] in _ids(invalid)
    assert {i["status"] for i in invalid["items"]} == {"invalid"}
    either = _ids(await _list(svc, status=["invalid", "processing"]))
    assert {rejected["invoice_id"], short["invoice_id"]} <= set(either)
    assert fresh["invoice_id"] not in either

    partial = await _list(svc, reason="paid_partial")
    assert short["invoice_id"] in _ids(partial)
    assert {(i["status"], i["reason"]) for i in partial["items"]} == {
        ("processing", "paid_partial")
    }
    assert rejected["invoice_id"] in _ids(await _list(svc, reason="marked", status="invalid"))
    assert rejected["invoice_id"] not in _ids(await _list(svc, reason="marked", status="new"))


async def test_currency_means_a_transfer_seen_in_it(svc: PaymentsDriver):
    in_usdt, unpaid = await _open(svc), await _open(svc)
    await _observe(svc, in_usdt, currency=Currency.USDT)

    usdt = await _list(svc, currency="USDT")
    assert in_usdt["invoice_id"] in _ids(usdt) and unpaid["invoice_id"] not in _ids(usdt)
    # Offered USDT as well, but nothing was paid in it: every hit has USDT money.
    assert all(any(p["currency"] == "USDT" for p in i["paid"]) for i in usdt["items"])
    assert in_usdt["invoice_id"] not in _ids(await _list(svc, currency="USDC"))
    assert in_usdt["invoice_id"] not in _ids(await _list(svc, currency="SOL"))


async def test_created_days_are_inclusive_utc_days(svc: PaymentsDriver):
    invoice = await _open(svc)
    created = datetime.fromisoformat(invoice["created_at"]).astimezone(UTC).date()
    day, before, after = (created + timedelta(days=n) for n in (0, -1, 1))

    assert invoice["invoice_id"] in _ids(
        await _list(svc, created_from=day.isoformat(), created_to=day.isoformat())
    )
    assert invoice["invoice_id"] in _ids(await _list(svc, created_from=before.isoformat()))
    assert invoice["invoice_id"] not in _ids(await _list(svc, created_to=before.isoformat()))
    assert (await _list(svc, created_from=after.isoformat()))["items"] == []
    assert invoice["invoice_id"] in _ids(
        await _list(svc, created_from="0001-01-01", created_to="9999-12-31")  # the extremes
    )

    response = await svc.http.get(
        "/admin/api/invoices",
        params={"created_from": day.isoformat(), "created_to": before.isoformat()},
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "created_to"


# --- the list: search ---------------------------------------------------------------


async def test_q_finds_an_invoice_by_each_of_its_names_exactly(svc: PaymentsDriver):
    invoice, other = await _open(svc), await _open(svc)
    transfer = await _observe(svc, invoice, amount=5_000_000)

    for q in (
        invoice["reference"],
        transfer.signature,
        transfer.payer,
        invoice["order_id"],
        invoice["invoice_id"],
        invoice["invoice_id"].upper(),  # the same UUID
    ):
        page = await _list(svc, q=f"  {q} ")  # spaces around are trimmed
        assert _ids(page) == [invoice["invoice_id"]], q
        assert page["total"] == 1
    for q in (invoice["reference"][:20], invoice["reference"].lower(), _key(), str(uuid.uuid4())):
        assert _ids(await _list(svc, q=q)) == [], q
    # Search and filters combine.
    assert _ids(await _list(svc, q=invoice["reference"], status="new")) == []
    assert other["invoice_id"] not in _ids(await _list(svc, q=transfer.payer))


async def test_a_summary_says_what_was_offered_and_paid(svc: PaymentsDriver):
    user = uuid.uuid4()
    invoice = await _open(svc, user)
    first = await _observe(svc, invoice, amount=5_000_000)
    last = await _observe(svc, invoice, currency=Currency.USDT, amount=20_000_000)

    [summary] = (await _list(svc, q=invoice["invoice_id"]))["items"]
    assert summary == {
        "invoice_id": invoice["invoice_id"],
        "order_id": invoice["order_id"],
        "user_id": str(user),
        "status": "settled",
        "reason": None,
        "price_usd": "25.00",
        "currencies_offered": ["USDC", "USDT"],  # SOL withdrawn (no rate source)
        "paid": [
            {"currency": "USDC", "amount_base_units": 5_000_000, "amount": "5"},
            {"currency": "USDT", "amount_base_units": 20_000_000, "amount": "20"},
        ],
        "created_at": invoice["created_at"],
        "expires_at": invoice["expires_at"],
        "last_signature": last.signature,
    }
    assert first.signature != last.signature


# --- the list: pages ----------------------------------------------------------------


async def test_pages_are_newest_first_and_add_up(svc: PaymentsDriver):
    for _ in range(3):
        await _open(svc)
    everything = await _list(svc)
    assert everything["total"] == len(everything["items"]) >= 3
    created = [i["created_at"] for i in everything["items"]]
    assert created == sorted(created, reverse=True)

    paged: list[str] = []
    for offset in range(0, everything["total"], 2):
        page = await _list(svc, limit=2, offset=offset)
        assert (page["limit"], page["offset"], page["total"]) == (2, offset, everything["total"])
        paged += _ids(page)
    assert paged == _ids(everything)
    beyond = await _list(svc, offset=everything["total"])
    assert beyond["items"] == [] and beyond["total"] == everything["total"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/admin/api/invoices", {"status": "paid"}, "status.0"),
        ("/admin/api/invoices", {"reason": "lost"}, "reason.0"),
        ("/admin/api/invoices", {"currency": "DOGE"}, "currency"),
        ("/admin/api/invoices", {"created_from": "2026-02-30"}, "created_from"),
        ("/admin/api/invoices", {"created_to": "yesterday"}, "created_to"),
        ("/admin/api/invoices", {"created_from": "1700000000"}, "created_from"),
        ("/admin/api/invoices", {"limit": 0}, "limit"),
        ("/admin/api/invoices", {"limit": 1000}, "limit"),
        ("/admin/api/invoices", {"limit": "ten"}, "limit"),
        ("/admin/api/invoices", {"offset": -1}, "offset"),
        ("/admin/api/invoices", {"q": "   "}, "q"),
        ("/admin/api/invoices", {"q": "ab\x00cd"}, "q"),
        ("/admin/api/invoices", {"q": "x" * 201}, "q"),
        ("/admin/api/rejected-candidates", {"reason": "bad_luck"}, "reason"),
        ("/admin/api/rejected-candidates", {"invoice_id": "42"}, "invoice_id"),
        ("/admin/api/rejected-candidates", {"since": "2026-13-01T00:00:00Z"}, "since"),
        ("/admin/api/rejected-candidates", {"since": "0.5"}, "since"),
        ("/admin/api/rejected-candidates", {"since": "9999-12-31T23:00:00-05:00"}, "since"),
        ("/admin/api/rejected-candidates", {"limit": 101}, "limit"),
        (f"/v1/users/{uuid.uuid4()}/payments", {"limit": 0}, "limit"),
        (f"/v1/users/{uuid.uuid4()}/payments", {"offset": "x"}, "offset"),
        ("/v1/users/not-a-user/payments", {}, "user_id"),
        ("/admin/api/invoices/not-an-id", {}, "invoice_id"),
    ],
)
async def test_bad_query_values_are_422_naming_the_field(
    svc: PaymentsDriver, path: str, params: dict[str, Any], field: str
):
    response = await svc.http.get(path, params=params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert field in [f["field"] for f in error["fields"]]
    assert field in error["message"]


# --- one invoice --------------------------------------------------------------------


async def test_one_invoice_with_its_history_reviews_and_rejections(svc: PaymentsDriver):
    user = uuid.uuid4()
    invoice = await _open(svc, user)
    now = datetime.now(UTC)
    older = await _reject(svc, invoice, "wrong_mint", now - timedelta(minutes=2))
    newer = await _reject(svc, invoice, "amount_mismatch", now - timedelta(minutes=1))
    marked = await svc.http.post(
        f"/admin/api/invoices/{invoice['invoice_id']}/mark-invalid", json=STAFF
    )
    assert marked.status_code == 200, marked.text
    late = await _observe(svc, invoice)  # after the invoice was closed: for staff

    response = await svc.http.get(f"/admin/api/invoices/{invoice['invoice_id']}")
    assert response.status_code == 200, response.text
    detail = response.json()
    as_web_reads_it = (await svc.http.get(f"/v1/invoices/{invoice['invoice_id']}")).json()
    assert {k: detail[k] for k in as_web_reads_it} == as_web_reads_it
    assert (detail["user_id"], detail["cancelled_at"]) == (str(user), None)
    [entry] = detail["history"]
    assert entry | {"at": None} == {
        "from_status": "new",
        "to_status": "invalid",
        "from_reason": None,
        "to_reason": "marked",
        "actor": "staff:grace@example.com",
        "note": STAFF["reason"],
        "at": None,
    }
    [review] = detail["staff_reviews"]
    assert (review["kind"], review["signature"], review["currency"]) == (
        "after_close",
        late.signature,
        "USDC",
    )
    assert (review["amount_base_units"], review["payer"]) == (25_000_000, late.payer)
    candidates = detail["rejected_candidates"]
    assert [(c["signature"], c["reason"]) for c in candidates] == [
        (newer, "amount_mismatch"),
        (older, "wrong_mint"),
    ]
    assert candidates[0]["reference"] == invoice["reference"]

    unknown = await svc.http.get(f"/admin/api/invoices/{uuid.uuid4()}")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "invoice_not_found"


# --- staff decisions ----------------------------------------------------------------


async def _broker_event(svc: PaymentsDriver, subject: str, invoice_id: str) -> dict[str, Any]:
    """The event as it went over JetStream (published by the service's relay)."""
    sub = await svc.js.pull_subscribe(
        wire_subject(svc.namespace, subject), stream=stream_name(svc.namespace, "payments")
    )
    try:
        deadline = asyncio.get_running_loop().time() + 10
        while asyncio.get_running_loop().time() < deadline:
            try:
                messages = await sub.fetch(10, timeout=1)
            except nats.errors.TimeoutError:
                continue
            for message in messages:
                payload = json.loads(message.data)
                if payload["invoice_id"] == invoice_id:
                    return payload
        raise AssertionError(f"no {subject} for invoice {invoice_id} on the broker")
    finally:
        await sub.unsubscribe()


async def test_mark_settled_answers_the_invoice_and_tells_orders_over_the_broker(
    svc: PaymentsDriver,
):
    invoice = await _open(svc)
    path = f"/admin/api/invoices/{invoice['invoice_id']}/mark-settled"

    response = await svc.http.post(path, json=STAFF)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["changed"] is True
    assert (body["invoice"]["status"], body["invoice"]["reason"]) == ("settled", "marked")
    assert body["invoice"]["history"][-1]["actor"] == "staff:grace@example.com"
    event = await _broker_event(svc, "payments.invoice.marked_settled.v1", invoice["invoice_id"])
    assert (event["order_id"], event["by"], event["note"]) == (
        invoice["order_id"],
        "staff:grace@example.com",
        STAFF["reason"],
    )

    again = await svc.http.post(path, json=STAFF | {"reason": "again"})
    assert again.status_code == 200 and again.json()["changed"] is False
    assert len(again.json()["invoice"]["history"]) == 1
    assert len(await svc.emitted(invoice["order_id"], "payments.invoice.marked_settled.v1")) == 1

    refused = await svc.http.post(
        f"/admin/api/invoices/{invoice['invoice_id']}/mark-invalid", json=STAFF
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "illegal_invoice_transition"


async def test_mark_invalid_is_published_and_a_cancelled_order_is_not_settled(
    svc: PaymentsDriver,
):
    invoice = await _open(svc)
    response = await svc.http.post(
        f"/admin/api/invoices/{invoice['invoice_id']}/mark-invalid", json=STAFF
    )
    assert response.status_code == 200, response.text
    assert response.json()["invoice"]["status"] == "invalid"
    [event] = await svc.emitted(invoice["order_id"], "payments.invoice.marked_invalid.v1")
    assert (event["by"], event["note"]) == ("staff:grace@example.com", STAFF["reason"])

    cancelled = await _open(svc)
    event_cancelled = order_cancelled(uuid.UUID(cancelled["order_id"]))
    await svc.publish(event_cancelled)
    await svc.handled(event_cancelled)
    refused = await svc.http.post(
        f"/admin/api/invoices/{cancelled['invoice_id']}/mark-settled", json=STAFF
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "invoice_cancelled"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"staff_email": "grace", "reason": "ok"}, "staff_email"),
        ({"staff_email": "grace@example.com", "reason": "  "}, "reason"),
        ({"staff_email": "grace@example.com"}, "reason"),
        (STAFF | {"by": "someone"}, "by"),
    ],
)
async def test_a_decision_needs_a_staff_email_and_a_reason(
    svc: PaymentsDriver, body: dict[str, Any], field: str
):
    invoice = await _open(svc)
    response = await svc.http.post(
        f"/admin/api/invoices/{invoice['invoice_id']}/mark-settled", json=body
    )
    assert response.status_code == 422, response.text
    assert field in [f["field"] for f in response.json()["error"]["fields"]]
    assert await svc.invoice_status(uuid.UUID(invoice["order_id"])) == "new"


async def test_a_decision_on_an_unknown_invoice_is_404(svc: PaymentsDriver):
    for action in ("mark-settled", "mark-invalid"):
        response = await svc.http.post(f"/admin/api/invoices/{uuid.uuid4()}/{action}", json=STAFF)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "invoice_not_found"


# --- rejected candidates ------------------------------------------------------------


async def test_rejected_candidates_by_invoice_reason_and_time(svc: PaymentsDriver):
    invoice = await _open(svc)
    now = datetime.now(UTC)
    early = await _reject(svc, invoice, "memo_mismatch", now - timedelta(hours=2))
    recent = await _reject(svc, invoice, "wrong_recipient", now - timedelta(minutes=1))
    loose = await _reject(svc, None, "no_invoice", now)

    async def signatures(**params: Any) -> list[str]:
        response = await svc.http.get("/admin/api/rejected-candidates", params=params)
        assert response.status_code == 200, response.text
        return [c["signature"] for c in response.json()["items"]]

    assert await signatures(invoice_id=invoice["invoice_id"]) == [recent, early]
    assert await signatures(invoice_id=invoice["invoice_id"], reason="memo_mismatch") == [early]
    since = (now - timedelta(hours=1)).isoformat()
    assert await signatures(invoice_id=invoice["invoice_id"], since=since) == [recent]
    naive = (now - timedelta(hours=1)).replace(tzinfo=None).isoformat()  # read as UTC
    assert await signatures(invoice_id=invoice["invoice_id"], since=naive) == [recent]
    everything = await signatures(limit=100)
    assert everything.index(loose) < everything.index(recent) < everything.index(early)
    page = (
        await svc.http.get(
            "/admin/api/rejected-candidates",
            params={"invoice_id": invoice["invoice_id"], "limit": 1, "offset": 1},
        )
    ).json()
    assert (page["total"], [c["signature"] for c in page["items"]]) == (2, [early])


# --- a user's payment history -------------------------------------------------------


async def test_a_users_payment_history(svc: PaymentsDriver):
    user = uuid.uuid4()
    older = await _open(svc, user)
    first = await _observe(svc, older, amount=10_000_000)
    second = await _observe(svc, older, currency=Currency.USDT, amount=15_000_000)
    newer = await _open(svc, user, price_usd="9.50")
    await _open(svc)  # someone else's

    response = await svc.http.get(f"/v1/users/{user}/payments")
    assert response.status_code == 200, response.text
    history = response.json()
    assert (history["total"], [i["invoice_id"] for i in history["items"]]) == (
        2,
        [newer["invoice_id"], older["invoice_id"]],
    )
    unpaid, settled = history["items"]
    assert unpaid | {"created_at": None, "expires_at": None} == {
        "invoice_id": newer["invoice_id"],
        "order_id": newer["order_id"],
        "status": "new",
        "reason": None,
        "price_usd": "9.50",
        "paid": [],
        "signatures": [],
        "created_at": None,
        "expires_at": None,
        "settled_at": None,
    }
    assert (settled["status"], settled["price_usd"]) == ("settled", "25.00")
    assert settled["paid"] == [
        {"currency": "USDC", "amount_base_units": 10_000_000, "amount": "10"},
        {"currency": "USDT", "amount_base_units": 15_000_000, "amount": "15"},
    ]
    assert settled["signatures"] == [first.signature, second.signature]
    assert settled["settled_at"] is not None
    assert settled["settled_at"] >= settled["created_at"]

    page = (await svc.http.get(f"/v1/users/{user}/payments", params={"limit": 1})).json()
    assert (page["total"], len(page["items"]), page["limit"]) == (2, 1, 1)
    nobody = (await svc.http.get(f"/v1/users/{uuid.uuid4()}/payments")).json()
    assert (nobody["items"], nobody["total"]) == ([], 0)


async def test_the_token_is_required(svc: PaymentsDriver):
    invoice_id = uuid.uuid4()
    for method, path in (
        ("GET", "/admin/api/invoices"),
        ("GET", f"/admin/api/invoices/{invoice_id}"),
        ("GET", "/admin/api/rejected-candidates"),
        ("POST", f"/admin/api/invoices/{invoice_id}/mark-settled"),
        ("POST", f"/admin/api/invoices/{invoice_id}/mark-invalid"),
        ("GET", f"/v1/users/{invoice_id}/payments"),
    ):
        response = await svc.http.request(method, path, json=STAFF, headers={"Authorization": ""})
        assert response.status_code == 401, path
