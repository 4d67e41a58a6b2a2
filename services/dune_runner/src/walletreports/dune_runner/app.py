"""The dune_runner service as the kit runs it."""

from walletreports.kit import Service

from .adapters.tables import metadata
from .settings import DuneRunnerSettings

SERVICE = Service(name="dune_runner", settings=DuneRunnerSettings, metadata=metadata)
