"""The payments service as the kit runs it."""

from walletreports.kit import BackgroundTask, Service

from .adapters.tables import metadata
from .adapters.unit_of_work import PaymentsUnitOfWork
from .bootstrap import bootstrap
from .entrypoints.events import handlers
from .entrypoints.http import ROUTERS
from .entrypoints.schedule import count_invoices, expire_invoices, refresh_sol_quotes
from .entrypoints.watcher import watch_chain
from .settings import PaymentsSettings

SERVICE = Service(
    name="payments",
    settings=PaymentsSettings,
    metadata=metadata,
    unit_of_work=PaymentsUnitOfWork,
    bootstrap=bootstrap,
    routers=ROUTERS,
    handlers=handlers,
    background=[
        BackgroundTask(refresh_sol_quotes),
        BackgroundTask(watch_chain, one_replica=True),
        BackgroundTask(expire_invoices, one_replica=True),
        BackgroundTask(count_invoices),
    ],
)
