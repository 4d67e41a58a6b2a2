"""A payment method's Solana Pay URL as a QR code (SVG), for wallets that scan.

Drawn from the URL the invoice stored, so the code always says what the invoice promised.
"""

from __future__ import annotations

import io
import uuid
from typing import Any

import segno
from fastapi import APIRouter, Response

from walletreports.kit import ErrorEnvelope, InternalAuth, error_response

from ...domain import Currency
from ...service_layer.errors import InvoiceNotFound, MethodNotOffered
from .dependencies import PaymentsUnits

router = APIRouter(prefix="/v1/invoices", tags=["invoices"], dependencies=[InternalAuth])

SVG = "image/svg+xml"


class SvgResponse(Response):
    media_type = SVG


def _as_json(documented: dict[str, Any]) -> dict[str, Any]:
    """An error answer documented as JSON: FastAPI would put a `model` under the route's
    own media type (SVG), but errors are the JSON envelope like everywhere else."""
    model = documented.pop("model")
    assert model is ErrorEnvelope
    ref = {"$ref": "#/components/schemas/ErrorEnvelope"}
    return documented | {"content": {"application/json": {"schema": ref}}}


def qr_svg(url: str) -> bytes:
    """Error correction M (a wallet camera copes with a smudge); a quiet zone of 4."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="svg", scale=4, border=4)
    return buffer.getvalue()


@router.get(
    "/{invoice_id}/methods/{currency}/qr.svg",
    summary="A method's Solana Pay URL as a QR code",
    response_class=SvgResponse,
    responses={
        200: {
            "description": "The QR code of the method's URL, as SVG.",
            "content": {SVG: {"schema": {"type": "string"}}},
        },
        404: _as_json(
            error_response(
                404,
                "No invoice with this id (`invoice_not_found`), or it does not offer"
                " this currency (`method_not_offered`, e.g. SOL withdrawn).",
            )
        ),
    },
)
async def method_qr_code(
    invoice_id: uuid.UUID, currency: Currency, units: PaymentsUnits
) -> Response:
    async with units() as uow:
        invoice = await uow.invoices.get(invoice_id)
        if invoice is None:
            raise InvoiceNotFound.by_id(invoice_id)
        url = (await uow.invoices.method_urls(invoice_id)).get(currency.value)
    if url is None:
        raise MethodNotOffered(f"invoice {invoice_id} does not offer {currency.value}")
    return SvgResponse(qr_svg(url))
