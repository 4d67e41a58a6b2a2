"""What makes a service: its spec and the FastAPI app built from it (the command
line that runs it is kit.cli)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy import MetaData

from .http.errors import BodySizeLimit, install_error_handlers
from .http.health import MetricsMiddleware
from .http.health import router as health_router
from .messaging.consumers import EventHandlers
from .runtime import BackgroundTask, ServiceRuntime
from .settings import ServiceSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    settings_cls: type[ServiceSettings]
    metadata: MetaData
    migrations_dir: Path
    routers: list[APIRouter] = field(default_factory=list)
    handlers: EventHandlers | None = None
    background: list[BackgroundTask] = field(default_factory=list)
    # Builds service-specific collaborators into runtime.extras before anything runs.
    on_start: Callable[[ServiceRuntime], Awaitable[None]] | None = None
    default_port: int = 8000


def database_url(settings: ServiceSettings) -> str:
    return settings.database_url  # type: ignore[attr-defined]


def create_app(spec: ServiceSpec, settings: ServiceSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = ServiceRuntime(
            spec.name, settings, database_url(settings), spec.metadata, spec.handlers, spec.background
        )
        app.state.runtime = runtime
        if spec.on_start is not None:
            await spec.on_start(runtime)
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=f"Wallet Reports — {spec.name}", lifespan=lifespan)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(BodySizeLimit)
    install_error_handlers(app)
    app.include_router(health_router)
    for router in spec.routers:
        app.include_router(router)
    return app


def get_runtime(request: Request) -> ServiceRuntime:
    return request.app.state.runtime


# Routes open their unit of work themselves (`async with runtime.units() as uow`), so
# the commit happens before the response is sent; a yield dependency would commit after.
Runtime = Annotated[ServiceRuntime, Depends(get_runtime)]
