"""The notifier service as the kit runs it."""

from walletreports.kit import BackgroundTask, Service

from .adapters.tables import metadata
from .adapters.unit_of_work import NotifierUnitOfWork
from .bootstrap import bootstrap
from .entrypoints.events import handlers
from .entrypoints.http import ROUTERS
from .entrypoints.schedule import remind_and_settle
from .entrypoints.telegram_polling import poll_telegram_updates
from .settings import NotifierSettings

SERVICE = Service(
    name="notifier",
    settings=NotifierSettings,
    metadata=metadata,
    unit_of_work=NotifierUnitOfWork,
    bootstrap=bootstrap,
    routers=ROUTERS,
    handlers=handlers,
    background=[
        BackgroundTask(remind_and_settle),
        # One replica: Telegram answers a second getUpdates for the bot with 409 Conflict.
        # Without polling configured it ends at once (after holding the lease a moment).
        BackgroundTask(poll_telegram_updates, one_replica=True),
    ],
)
