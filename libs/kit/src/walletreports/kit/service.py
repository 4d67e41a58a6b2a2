"""What makes a service: its declaration, and the FastAPI app built from it (the command
line that runs it is kit.cli).

    SERVICE = Service(
        name="orders",
        settings=OrdersSettings,
        metadata=metadata,
        unit_of_work=OrdersUnitOfWork,
        bootstrap=bootstrap,          # the composition root: builds and closes its collaborators
        routers=ROUTERS,              # entrypoints.http: one router per resource
        handlers=handlers,
        background=[BackgroundTask(expire_subscriptions)],
    )

Its migrations are the `migrations/` folder beside its settings module.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, FastAPI
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession

from .background import BackgroundTask
from .clock import Clock
from .http.dependencies import check_route_collaborators
from .http.errors import BodySizeLimit, install_error_handlers
from .http.health import MetricsMiddleware
from .http.health import router as health_router
from .http.openapi import document_kit_answers
from .messaging.outbox import Outbox
from .messaging.routes import EventHandlers
from .messaging.unit_of_work import UnitOfWork
from .platform import Platform
from .runtime import ServiceRuntime
from .settings import ServiceSettings

log = logging.getLogger(__name__)

S = TypeVar("S", bound=ServiceSettings)

Bootstrap = Callable[[Platform[Any]], AbstractAsyncContextManager[object]]


@dataclass(frozen=True)
class Service(Generic[S]):
    name: str
    settings: type[S]
    metadata: MetaData
    unit_of_work: Callable[[AsyncSession, Outbox], UnitOfWork] = UnitOfWork
    bootstrap: Bootstrap | None = None
    routers: Sequence[APIRouter] = ()
    handlers: EventHandlers | None = None
    background: Sequence[BackgroundTask] = ()
    migrations_dir: Path = field(default=Path())

    def __post_init__(self) -> None:
        if self.migrations_dir == Path():
            beside = (
                Path(sys.modules[self.settings.__module__].__file__ or ".").parent / "migrations"
            )
            object.__setattr__(self, "migrations_dir", beside)


def create_app(
    service: Service[Any], settings: ServiceSettings, *, clock: Clock | None = None
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = ServiceRuntime(service, settings, clock)
        app.state.runtime = runtime
        try:
            await runtime.open()
            check_route_collaborators(app, runtime.collaborators)
            app.state.collaborators = runtime.collaborators
            await runtime.start()
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=f"Wallet Reports — {service.name}", lifespan=lifespan)
    app.state.settings = settings
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(BodySizeLimit)
    install_error_handlers(app)
    document_kit_answers(app)
    app.include_router(health_router)
    for router in service.routers:
        app.include_router(router)
    return app
