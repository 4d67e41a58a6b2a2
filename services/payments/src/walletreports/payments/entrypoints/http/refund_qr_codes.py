"""A refund's Solana Pay URL as a QR code (SVG), for staff to scan with the merchant's
wallet. Drawn from the URL stored with the refund, as qr_codes.py does for invoices."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from walletreports.kit import InternalAuth

from ...service_layer.refund_errors import RefundNotFound
from .dependencies import PaymentsUnits
from .qr_codes import SVG, SvgResponse, qr_svg

router = APIRouter(
    prefix="/admin/api/refunds", tags=["admin: refunds"], dependencies=[InternalAuth]
)


@router.get(
    "/{refund_id}/qr.svg",
    summary="A refund's Solana Pay URL as a QR code",
    response_class=SvgResponse,
    responses={
        200: {
            "description": "The QR code of the refund's URL, as SVG.",
            "content": {SVG: {"schema": {"type": "string"}}},
        },
        # An error is the JSON envelope, as everywhere, not the route's SVG.
        404: {
            "description": "No refund with this id (`refund_not_found`).",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}
            },
        },
    },
)
async def refund_qr_code(refund_id: uuid.UUID, units: PaymentsUnits) -> Response:
    async with units() as uow:
        url = (await uow.refunds.urls([refund_id])).get(refund_id)
    if url is None:
        raise RefundNotFound.by_id(refund_id)
    return SvgResponse(qr_svg(url))
