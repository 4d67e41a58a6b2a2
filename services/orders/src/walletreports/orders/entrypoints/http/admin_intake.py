"""Whether orders are taken, for the staff console (/admin/api/intake)."""

from __future__ import annotations

from fastapi import APIRouter

from walletreports.kit import InternalAuth

from .dependencies import OrdersUnits
from .responses import Intake

router = APIRouter(prefix="/admin/api/intake", tags=["admin: intake"], dependencies=[InternalAuth])


@router.get("", summary="Whether new orders are taken")
async def intake_state(units: OrdersUnits) -> Intake:
    """dune_runner pauses intake when its budget is reached, and resumes it."""
    async with units() as uow:
        state = await uow.intake.current()
    return Intake(paused=state.paused, reason=state.reason, as_of=state.as_of)
