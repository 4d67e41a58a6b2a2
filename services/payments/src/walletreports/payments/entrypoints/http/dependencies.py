"""What routes need from the running service, by name (kit.http.dependencies)."""

from __future__ import annotations

from typing import Annotated

from walletreports.kit import UnitsOfWork, collaborator

from ...adapters.unit_of_work import PaymentsUnitOfWork

PaymentsUnits = Annotated[UnitsOfWork[PaymentsUnitOfWork], collaborator("units")]
