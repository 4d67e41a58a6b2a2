"""The dune_runner service as the kit runs it."""

from walletreports.kit import BackgroundTask, Service

from .adapters.tables import metadata
from .adapters.unit_of_work import DuneRunnerUnitOfWork
from .bootstrap import bootstrap
from .entrypoints.events import handlers
from .entrypoints.http import ROUTERS
from .entrypoints.schedule import (
    build_report_bundles,
    count_jobs,
    poll_executions,
    release_waiting_work,
)
from .settings import DuneRunnerSettings

SERVICE = Service(
    name="dune_runner",
    settings=DuneRunnerSettings,
    metadata=metadata,
    unit_of_work=DuneRunnerUnitOfWork,
    bootstrap=bootstrap,
    routers=ROUTERS,
    handlers=handlers,
    background=[
        BackgroundTask(poll_executions),
        BackgroundTask(release_waiting_work),
        BackgroundTask(build_report_bundles),
        BackgroundTask(count_jobs),
    ],
)
