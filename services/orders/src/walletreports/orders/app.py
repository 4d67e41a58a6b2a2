"""The orders service as the kit runs it."""

from walletreports.kit import BackgroundTask, Service

from .adapters.tables import metadata
from .adapters.unit_of_work import OrdersUnitOfWork
from .bootstrap import bootstrap
from .entrypoints.events import handlers
from .entrypoints.http import ROUTERS
from .entrypoints.schedule import expire_subscriptions, prune_idempotency_keys
from .settings import OrdersSettings

SERVICE = Service(
    name="orders",
    settings=OrdersSettings,
    metadata=metadata,
    unit_of_work=OrdersUnitOfWork,
    bootstrap=bootstrap,
    routers=ROUTERS,
    handlers=handlers,
    background=[BackgroundTask(expire_subscriptions), BackgroundTask(prune_idempotency_keys)],
)
