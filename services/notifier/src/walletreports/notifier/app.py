"""The notifier service as the kit runs it."""

from walletreports.kit import Service

from .adapters.tables import metadata
from .entrypoints.events import handlers
from .settings import NotifierSettings

SERVICE = Service(name="notifier", settings=NotifierSettings, metadata=metadata, handlers=handlers)
