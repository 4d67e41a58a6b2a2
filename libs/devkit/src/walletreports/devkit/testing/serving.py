"""Running a service for a test: its own fresh database, migrated, served by uvicorn
on a real port in the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from walletreports.kit import migrations
from walletreports.kit.clock import Clock
from walletreports.kit.runtime import ServiceRuntime
from walletreports.kit.service import Service, create_app
from walletreports.kit.settings import ServiceSettings

from ..processes import free_port
from .databases import DatabaseFactory


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_config=None, lifespan="on", access_log=False
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # surfaces a start-up failure
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class RunningService:
    service: Service[Any]
    url: str
    app: FastAPI
    http: httpx.AsyncClient
    database_url: str

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime

    def collaborator(self, name: str) -> Any:
        """What the service's composition root built under `name` (or the kit's own)."""
        return self.runtime.collaborators[name]

    async def wait_ready(self, timeout: float = 20.0) -> dict[str, Any]:
        return await wait_until_ready(self.http, timeout)


async def wait_until_ready(
    http: httpx.AsyncClient, timeout: float = 20.0, *, want: int = 200
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    body: dict[str, Any] = {}
    while asyncio.get_running_loop().time() < deadline:
        try:
            response = await http.get("/readyz")
            body = response.json()
            if response.status_code == want:
                return body
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError(f"/readyz did not answer {want} within {timeout}s; last: {body}")


class ServiceHarness:
    """Starts services against fresh databases, one event namespace per test."""

    def __init__(self, databases: DatabaseFactory, nats_url: str, namespace: str) -> None:
        self.databases = databases
        self.nats_url = nats_url
        self.namespace = namespace

    def database(self, service: Service[Any]) -> str:
        url = self.databases.create(service.name)
        migrations.upgrade(url, service.migrations_dir)
        return url

    def settings(self, service: Service[Any], database_url: str, **env: Any) -> ServiceSettings:
        values = {
            "database_url": database_url,
            "NATS_URL": self.nats_url,
            "EVENT_NAMESPACE": self.namespace,
            "ENVIRONMENT": "test",
            **env,
        }
        settings: ServiceSettings = service.settings(**values)
        return settings

    @contextlib.asynccontextmanager
    async def run(
        self,
        service: Service[Any],
        *,
        database_url: str | None = None,
        wait_ready: bool = True,
        clock: Clock | None = None,
        **env: Any,
    ) -> AsyncIterator[RunningService]:
        database_url = database_url or self.database(service)
        settings = self.settings(service, database_url, **env)
        app = create_app(service, settings, clock=clock)
        token = settings.internal_token.get_secret_value()
        async with (
            serving(app) as url,
            httpx.AsyncClient(
                base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10
            ) as http,
        ):
            running = RunningService(service, url, app, http, database_url)
            if wait_ready:
                await running.wait_ready()
            yield running
