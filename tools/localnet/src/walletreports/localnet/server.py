"""Run the localnet: the chain, its slot clock, the HTTP JSON-RPC and websocket servers,
all on one asyncio loop (the chain is never touched from another thread)."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from websockets.asyncio.server import Server, serve

from .chain import Chain
from .genesis import GenesisConfig, test_wallets
from .http_server import build_app
from .subscriptions import SubscriptionHub
from .ws_server import connection_handler

log = logging.getLogger(__name__)


@dataclass(slots=True)
class LocalnetSettings:
    host: str = "127.0.0.1"
    rpc_port: int = 8899  # 0 picks a free port
    ws_port: int = 8900
    slot_ms: int | None = 400  # None or 0: slots advance only when told (tests)
    genesis: GenesisConfig = field(default_factory=GenesisConfig)
    state_file: Path | None = None  # loaded at start if it exists, saved at stop


def _bound_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this; without it small replies wait on delayed ACKs (~40 ms).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


class LocalnetServer:
    def __init__(self, settings: LocalnetSettings | None = None) -> None:
        self.settings = settings or LocalnetSettings()
        self.chain = Chain(self.settings.genesis)
        state = self.settings.state_file
        if state is not None and state.exists():
            self.chain.load(state)
        self.hub = SubscriptionHub(self.chain)
        self._http: uvicorn.Server | None = None
        self._http_task: asyncio.Task | None = None
        self._ws: Server | None = None
        self._clock_task: asyncio.Task | None = None
        self.rpc_port = 0
        self.ws_port = 0

    @property
    def rpc_url(self) -> str:
        return f"http://{self.settings.host}:{self.rpc_port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.settings.host}:{self.ws_port}"

    async def start(self) -> None:
        host = self.settings.host
        http_socket = _bound_socket(host, self.settings.rpc_port)
        self.rpc_port = http_socket.getsockname()[1]
        config = uvicorn.Config(build_app(self.chain), log_level="warning", access_log=False,
                                lifespan="off", backlog=2048)
        self._http = uvicorn.Server(config)
        self._http.install_signal_handlers = lambda: None  # the caller owns Ctrl-C
        self._http_task = asyncio.create_task(self._http.serve(sockets=[http_socket]))
        self._ws = await serve(connection_handler(self.hub), host, self.settings.ws_port,
                               max_size=2**22, ping_interval=None)
        self.ws_port = self._ws.sockets[0].getsockname()[1] if self._ws.sockets else 0
        while not self._http.started:
            if self._http_task.done():
                self._http_task.result()  # re-raise the bind/startup error
            await asyncio.sleep(0.005)
        if self.settings.slot_ms:
            self._clock_task = asyncio.create_task(self._clock(self.settings.slot_ms / 1000))

    async def _clock(self, period: float) -> None:
        # Schedule against the start time so slot length does not drift with load.
        next_tick = time.monotonic() + period
        while True:
            await asyncio.sleep(max(0.0, next_tick - time.monotonic()))
            next_tick += period
            try:
                self.chain.advance_slot()
            except Exception:
                log.exception("advancing the slot failed")

    async def stop(self) -> None:
        if self._clock_task is not None:
            self._clock_task.cancel()
            await asyncio.gather(self._clock_task, return_exceptions=True)
        if self._ws is not None:
            self._ws.close()
            await self._ws.wait_closed()
        if self._http is not None:
            self._http.should_exit = True
            await asyncio.gather(self._http_task, return_exceptions=True)
        if self.settings.state_file is not None:
            self.chain.save(self.settings.state_file)

    def banner(self) -> str:
        wallets = ", ".join(str(w.pubkey()) for w in test_wallets(self.chain.config))
        clock = f"{self.settings.slot_ms} ms slots" if self.settings.slot_ms else "manual slots"
        return (f"localnet listening: rpc {self.rpc_url} ws {self.ws_url} ({clock}, seed "
                f"{self.chain.config.seed!r}); funded wallets: {wallets}")
