"""The invoice read API: by id and by order, the QR codes, and bad ids."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

from .conftest import PaymentsDriver, order_created


async def _invoice(svc: PaymentsDriver) -> dict:
    event = order_created()
    await svc.publish(event)
    return await svc.invoice_of(event.order_id)


async def test_by_id_is_the_same_as_by_order(svc: PaymentsDriver):
    invoice = await _invoice(svc)
    response = await svc.http.get(f"/v1/invoices/{invoice['invoice_id']}")
    assert response.status_code == 200
    assert response.json() == invoice


async def test_each_method_has_an_svg_qr_code(svc: PaymentsDriver):
    invoice = await _invoice(svc)
    for method in invoice["methods"]:
        response = await svc.http.get(method["qr_svg_url"])
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert ET.fromstring(response.content).tag.endswith("svg")


async def test_a_withdrawn_method_has_no_qr_code(svc: PaymentsDriver):
    invoice = await _invoice(svc)
    response = await svc.http.get(f"/v1/invoices/{invoice['invoice_id']}/methods/SOL/qr.svg")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "method_not_offered"


async def test_unknown_and_malformed_ids(svc: PaymentsDriver):
    unknown = uuid.uuid4()
    for path in (
        f"/v1/invoices/{unknown}",
        f"/v1/orders/{unknown}/invoice",
        f"/v1/invoices/{unknown}/methods/USDC/qr.svg",
    ):
        response = await svc.http.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "invoice_not_found"
    for path in (
        "/v1/invoices/not-a-uuid",
        "/v1/orders/42/invoice",
        f"/v1/invoices/{unknown}/methods/DOGE/qr.svg",
    ):
        assert (await svc.http.get(path)).status_code == 422, path


async def test_the_token_is_required(svc: PaymentsDriver):
    response = await svc.http.get(f"/v1/invoices/{uuid.uuid4()}", headers={"Authorization": ""})
    assert response.status_code == 401


async def test_metrics_count_invoices_by_status(svc: PaymentsDriver):
    text = (await svc.http.get("/metrics")).text
    for status in ("new", "processing", "settled", "expired", "invalid"):
        assert f'payments_invoices{{status="{status}"}}' in text
