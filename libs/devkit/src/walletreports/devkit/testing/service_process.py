"""A service as a real OS process (`python -m walletreports.<service> serve`), for tests
that kill it (SIGKILL) mid-work, start it again, or run two side by side on one
database: the process dies as a crashed deployment does, which no in-process harness
can show."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from walletreports.kit.settings import DEV_INTERNAL_TOKEN

from ..processes import free_port


class ServiceProcess:
    """One replica of `service` (its package name, e.g. "payments") named `name` in the
    logs, with `env` on top of this process's environment and a free HTTP port."""

    def __init__(self, service: str, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.service = service
        self.name = name
        self.port = free_port()
        port_variable = f"{service.upper()}_HTTP_PORT"
        self.env = {**os.environ, **env, port_variable: str(self.port)}
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServiceProcess:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", f"walletreports.{self.service}", "serve"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    async def ready(self, timeout: float = 30.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        headers = {"Authorization": f"Bearer {DEV_INTERNAL_TOKEN}"}
        async with httpx.AsyncClient(headers=headers) as http:
            while asyncio.get_running_loop().time() < deadline:
                assert self.process is not None and self.process.poll() is None, self.tail()
                try:
                    response = await http.get(f"http://127.0.0.1:{self.port}/readyz")
                    if response.status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready: {self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no clean stop, no lease released, whatever was in flight is lost."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self) -> str:
        try:
            return self.log_path.read_text()[-3000:]
        except FileNotFoundError:
            return "(no log)"
