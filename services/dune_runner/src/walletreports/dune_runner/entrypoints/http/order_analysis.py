"""An order's analysis, for web, which knows the order id (/v1/orders/{id}/analysis)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from walletreports.kit import InternalAuth, error_responses

from ...domain import AnalysisNotFound
from .dependencies import DuneRunnerUnits
from .presenters import analysis_view
from .responses import Analysis

router = APIRouter(prefix="/v1/orders", tags=["analyses"], dependencies=[InternalAuth])


@router.get(
    "/{order_id}/analysis",
    summary="The analysis of an order: its jobs, files and summary",
    description="The run of the order's reports on Dune: each job (status, error, retries,"
    " execution), the stored CSVs, and once the run finished with files the report"
    " bundle: `summary` and `bundle_file_id` (zip of every CSV + summary.json).",
    responses=error_responses(
        404,
        described={
            404: "The order has no analysis (`analysis_not_found`): not paid yet, paid"
            " moments ago, or it has no wallet to analyse."
        },
    ),
)
async def analysis_of_order(order_id: uuid.UUID, units: DuneRunnerUnits) -> Analysis:
    async with units() as uow:
        view = await uow.views.analysis_of_order(order_id)
    if view is None:
        raise AnalysisNotFound(f"for order {order_id}")
    return analysis_view(view)
