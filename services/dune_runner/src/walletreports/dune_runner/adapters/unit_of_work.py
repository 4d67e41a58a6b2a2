"""The dune_runner unit of work: one transaction, with the repositories the use cases
speak to (service_layer.ports.DuneRunnerUnitOfWorkPort), plus the execute audit log the
`dune.execute` performer writes and the read models for the HTTP API (`views`). `emit`
and `request_effect` are the kit's."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from walletreports.kit import Outbox, UnitOfWork

from .budget_repo import BudgetAlertRepository, CreditLedgerRepository, IntakeRepository
from .bundle_repo import BundleRepository
from .execute_log import ExecuteLogRepository
from .runs_repo import AnalysisRepository, JobRepository, ReportFileRepository
from .views import DuneRunnerViews

__all__ = ["DuneRunnerUnitOfWork"]


class DuneRunnerUnitOfWork(UnitOfWork):
    def __init__(self, session: AsyncSession, outbox: Outbox) -> None:
        super().__init__(session, outbox)
        self.analyses = AnalysisRepository(session)
        self.jobs = JobRepository(session)
        self.files = ReportFileRepository(session)
        self.ledger = CreditLedgerRepository(session)
        self.alerts = BudgetAlertRepository(session)
        self.intake = IntakeRepository(session)
        self.executes = ExecuteLogRepository(session)
        self.bundles = BundleRepository(session)
        # Reads for the HTTP API (nothing locked, nothing to save).
        self.views = DuneRunnerViews(session)
