"""What makes a service: its spec, the FastAPI app built from it, and its command line.

    python -m walletreports.<service> serve     # HTTP + consumers + relay
    python -m walletreports.<service> migrate   # apply its Alembic migrations

Every service's __main__ is `run(SPEC)`; a configuration problem ends the process
with exit code 2 and one line naming the variable.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy import MetaData

from .http.errors import BodySizeLimit, install_error_handlers
from .http.health import MetricsMiddleware
from .http.health import router as health_router
from .log import configure_logging
from .messaging.consumers import EventHandlers
from .messaging.unit_of_work import UnitOfWork
from .runtime import BackgroundTask, ServiceRuntime
from .settings import ConfigError, ServiceSettings, load_settings

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


async def _unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    async with request.app.state.runtime.units() as uow:
        yield uow


Runtime = Annotated[ServiceRuntime, Depends(get_runtime)]
Uow = Annotated[UnitOfWork, Depends(_unit_of_work)]


def _port(spec: ServiceSpec, settings: ServiceSettings) -> int:
    return int(getattr(settings, "http_port", spec.default_port))


def run(spec: ServiceSpec, argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m walletreports.{spec.name}")
    parser.add_argument("command", choices=["serve", "migrate"], nargs="?", default="serve")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(spec.settings_cls)
    except ConfigError as exc:
        print(f"{spec.name}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(spec.name, settings.log_level)
    if args.command == "migrate":
        from . import migrations  # Alembic is heavy; `serve` does not need it

        migrations.upgrade(database_url(settings), spec.migrations_dir)
        log.info("migrations applied")
        return
    import uvicorn

    uvicorn.run(
        create_app(spec, settings),
        host=settings.http_host,
        port=_port(spec, settings),
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )


def app_factory(spec: ServiceSpec) -> Callable[[], Any]:
    """For `uvicorn --factory walletreports.x.app:create` style launches."""

    def factory() -> FastAPI:
        return create_app(spec, load_settings(spec.settings_cls))

    return factory
