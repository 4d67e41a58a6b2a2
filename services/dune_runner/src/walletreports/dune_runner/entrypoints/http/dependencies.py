"""What routes need from the running service, by name (kit.http.dependencies)."""

from __future__ import annotations

from typing import Annotated

from walletreports.kit import UnitsOfWork, collaborator

from ...adapters.result_store import LocalResultStore
from ...adapters.unit_of_work import DuneRunnerUnitOfWork
from ...domain import CreditBudget, PollSchedule

DuneRunnerUnits = Annotated[UnitsOfWork[DuneRunnerUnitOfWork], collaborator("units")]
Store = Annotated[LocalResultStore, collaborator("store")]
Schedule = Annotated[PollSchedule, collaborator("schedule")]
Budget = Annotated[CreditBudget, collaborator("budget")]
