"""The payments unit of work: one transaction, with the repositories use cases speak to."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from walletreports.kit import Outbox, UnitOfWork

from .invoices_repo import InvoiceRepository
from .refunds_repo import RefundRepository
from .rejections_repo import RejectionRepository
from .watch_repo import WatchRepository


class PaymentsUnitOfWork(UnitOfWork):
    def __init__(self, session: AsyncSession, outbox: Outbox) -> None:
        super().__init__(session, outbox)
        self.invoices = InvoiceRepository(session)
        self.refunds = RefundRepository(session)
        self.rejections = RejectionRepository(session)
        self.watch = WatchRepository(session)
