"""Run the emulator: load the dataset into DuckDB, then serve the HTTP API with uvicorn on
the current event loop (the emulator's state is only ever touched from that loop)."""

from __future__ import annotations

import asyncio
import socket

import uvicorn

from .datasets import DatasetLoader, synthetic_dataset
from .emulator import DuneEmulator
from .http_app import build_app
from .settings import EmulatorSettings
from .sql_engine import SqlEngine


def _bound_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this; without it small replies wait on delayed ACKs (~40 ms).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


class DuneEmulatorServer:
    def __init__(
        self,
        settings: EmulatorSettings | None = None,
        loader: DatasetLoader | None = synthetic_dataset,
    ) -> None:
        self.settings = settings or EmulatorSettings()
        self.engine = SqlEngine(loader)
        self.emulator = DuneEmulator(self.settings, self.engine)
        self.port = 0
        self._http: uvicorn.Server | None = None
        self._http_task: asyncio.Task[None] | None = None

    @property
    def base_url(self) -> str:
        """What to give dune-client as base_url (it adds /api/v1 itself)."""
        return f"http://{self.settings.host}:{self.port}"

    async def start(self) -> None:
        await self.engine.load()
        sock = _bound_socket(self.settings.host, self.settings.port)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            build_app(self.emulator),
            log_level="warning",
            access_log=False,
            lifespan="off",
            # A scripted hang must not hold a shutdown for its whole length.
            timeout_graceful_shutdown=1,
        )
        # uvicorn listens for Ctrl-C itself only on the main thread (the CLI), and the CLI
        # installs its own handlers after start(), which replace uvicorn's.
        self._http = uvicorn.Server(config)
        self._http_task = asyncio.create_task(self._http.serve(sockets=[sock]))
        while not self._http.started:
            if self._http_task.done():
                self._http_task.result()  # re-raise the startup error
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        await self.emulator.stop()
        if self._http is not None and self._http_task is not None:
            self._http.should_exit = True
            await asyncio.gather(self._http_task, return_exceptions=True)
        self.engine.close()

    def banner(self) -> str:
        return (
            f"dune emulator listening: base_url {self.base_url} (API {self.base_url}/api/v1) "
            f"api key {self.settings.api_key!r}"
        )
