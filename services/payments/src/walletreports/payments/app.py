"""The payments service as the kit runs it."""

from walletreports.kit import Service

from .adapters.tables import metadata
from .settings import PaymentsSettings

SERVICE = Service(name="payments", settings=PaymentsSettings, metadata=metadata)
