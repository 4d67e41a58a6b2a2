"""The web service as the kit runs it."""

from walletreports.kit import Service

from .adapters.tables import metadata
from .settings import WebSettings

SERVICE = Service(name="web", settings=WebSettings, metadata=metadata)
