"""NATS, the Solana localnet and the Dune emulator for the stack: given by the environment
or started here."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from walletreports.devkit.processes import nats_server_binary

from .children import spawn
from .config import StackSettings
from .console import StackError, say
from .services import DUNE_EMULATOR_KEY, SERVICES
from .signals import StopSignal


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


def start_nats(
    state_dir: Path, config: StackSettings, children: list[subprocess.Popen[bytes]], stop: StopSignal
) -> str:
    if url := config.nats_url:
        say(f"NATS: using NATS_URL={url}")
        return url
    port = config.nats_port
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


def start_solana(
    state_dir: Path, config: StackSettings, children: list[subprocess.Popen[bytes]], stop: StopSignal
) -> dict[str, str]:
    if config.solana_cluster != "localnet":
        say(f"Solana: cluster {config.solana_cluster!r} (SOLANA_RPC_URL={os.environ.get('SOLANA_RPC_URL', 'unset')})")
        return {}
    rpc_port, ws_port = config.localnet_rpc_port, config.localnet_ws_port
    argv = [sys.executable, "-m", "walletreports.localnet", "--rpc-port", str(rpc_port), "--ws-port", str(ws_port),
            "--state", str(state_dir / "localnet-state.json")]
    children.append(process := spawn(argv, dict(os.environ), str(state_dir / "localnet.log")))
    wait_for_port("the localnet", rpc_port, 30, stop, process, state_dir / "localnet.log")
    rpc, ws = f"http://127.0.0.1:{rpc_port}", f"ws://127.0.0.1:{ws_port}"
    say(f"Solana: localnet on {rpc} (websocket {ws}); pay with: make pay URL='solana:...'")
    return {"SOLANA_CLUSTER": "localnet", "SOLANA_RPC_URL": rpc, "SOLANA_WS_URL": ws}


def payments_merchant() -> str:
    """The merchant address payments gets from the stack: PAYMENTS_MERCHANT_ADDRESS from
    the environment when set, else its dev_env value (the localnet's merchant)."""
    payments = next(s for s in SERVICES if s.name == "payments")
    return os.environ.get("PAYMENTS_MERCHANT_ADDRESS", payments.dev_env["PAYMENTS_MERCHANT_ADDRESS"])


def provision_merchant(
    state_dir: Path, solana: dict[str, str], children: list[subprocess.Popen[bytes]], stop: StopSignal
) -> None:
    """Give payments' merchant a funded account and its USDC/USDT token accounts on the
    localnet (wallets using @solana/pay's createTransfer refuse to pay it otherwise), with
    walletreports.localnet.provision in a child process, waiting until they are confirmed."""
    owner, log = payments_merchant(), state_dir / "provision.log"
    argv = [sys.executable, "-m", "walletreports.localnet.provision", "--owner", owner,
            "--rpc", solana["SOLANA_RPC_URL"]]
    start = log.stat().st_size if log.exists() else 0
    children.append(process := spawn(argv, dict(os.environ), str(log)))
    deadline = time.monotonic() + 60
    while process.poll() is None:
        stop.check()
        if time.monotonic() > deadline:
            raise StackError(f"provisioning the merchant {owner} did not finish within 60s; see {log}")
        stop.wait(0.05)
    with open(log, "rb") as out:
        out.seek(start)
        lines = [line.strip() for line in out.read().decode(errors="replace").splitlines() if line.strip()]
    last = lines[-1] if lines else f"exit code {process.returncode}"
    if process.returncode != 0:
        raise StackError(f"the merchant {owner} could not be provisioned on the localnet: "
                         f"{last.removeprefix('provision: ')}; see {log}")
    say(f"Solana: {last}")


def dune_query_ids() -> str:
    """The report query ids dune_runner gets: DUNE_RUNNER_QUERY_IDS from the environment when
    set, else its dev_env value (the fixed ids the stack gives them on the emulator)."""
    runner = next(s for s in SERVICES if s.name == "dune_runner")
    return os.environ.get("DUNE_RUNNER_QUERY_IDS") or runner.dev_env["DUNE_RUNNER_QUERY_IDS"]


def start_dune(
    state_dir: Path, config: StackSettings, children: list[subprocess.Popen[bytes]], stop: StopSignal
) -> dict[str, str]:
    """The Dune emulator (tools/dune_emulator, over its synthetic Dune tables) when
    DUNE_API_BASE_URL is on this machine (the default, 127.0.0.1:8088), with the report
    queries synced into it under fixed ids; what dune_runner then needs to reach it."""
    url = config.dune_api_base_url.rstrip("/")
    port = config.dune_emulator_port
    if port is None:
        say(f"Dune: using DUNE_API_BASE_URL={url} (DUNE_RUNNER_QUERY_IDS={os.environ.get('DUNE_RUNNER_QUERY_IDS', 'unset')})")
        return {}
    key = os.environ.get("DUNE_API_KEY") or DUNE_EMULATOR_KEY
    log = state_dir / "dune_emulator.log"
    argv = [sys.executable, "-m", "walletreports.dune_emulator", "--host", "127.0.0.1", "--port", str(port),
            "--api-key", key]
    children.append(process := spawn(argv, dict(os.environ), str(log)))
    wait_for_port("the Dune emulator", port, 60, stop, process, log)
    ids = dune_query_ids()
    reserve_query_ids(url, key, ids)
    sync_dune_queries(state_dir, {"DUNE_API_BASE_URL": url, "DUNE_API_KEY": key, "DUNE_RUNNER_QUERY_IDS": ids},
                      children, stop)
    say(f"Dune: emulator on {url}, report queries synced ({ids})")
    return {"DUNE_API_BASE_URL": url, "DUNE_API_KEY": key, "DUNE_RUNNER_QUERY_IDS": ids}


def reserve_query_ids(url: str, key: str, ids: str) -> None:
    """Dune gives a new query an id of its own; the emulator can take one chosen (POST
    /emulator/queries), so each fixed id is made to exist before the sync fills it in."""
    try:
        with httpx.Client(base_url=url, timeout=10) as http:
            for item in ids.split(","):
                name, _, query_id = item.strip().partition("=")
                if not query_id.strip().isdigit():
                    raise StackError(f"DUNE_RUNNER_QUERY_IDS: {item.strip()!r} is not report=query_id")
                found = http.get(f"/api/v1/query/{query_id.strip()}", headers={"X-Dune-Api-Key": key})
                if found.status_code == 404:
                    created = http.post("/emulator/queries", json={
                        "query_sql": "SELECT 1", "name": f"Wallet Reports: {name.strip()}",
                        "query_id": int(query_id)})
                    created.raise_for_status()
                elif found.status_code != 200:
                    raise StackError(f"the Dune emulator answered HTTP {found.status_code} for query {query_id}: "
                                     f"{found.text[:200]}")
    except httpx.HTTPError as exc:
        raise StackError(f"the Dune emulator at {url} could not be given the report queries: {exc}") from None


def sync_dune_queries(
    state_dir: Path, env: dict[str, str], children: list[subprocess.Popen[bytes]], stop: StopSignal
) -> None:
    """`python -m walletreports.dune_runner queries sync` in a child process, waited for."""
    log = state_dir / "dune_sync.log"
    start = log.stat().st_size if log.exists() else 0
    argv = [sys.executable, "-m", "walletreports.dune_runner", "queries", "sync"]
    children.append(process := spawn(argv, dict(os.environ) | env, str(log)))
    deadline = time.monotonic() + 60
    while process.poll() is None:
        stop.check()
        if time.monotonic() > deadline:
            raise StackError(f"syncing the report queries into the Dune emulator did not finish within 60s; see {log}")
        stop.wait(0.05)
    if process.returncode != 0:
        with open(log, "rb") as out:
            out.seek(start)
            lines = [line.strip() for line in out.read().decode(errors="replace").splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit code {process.returncode}"
        raise StackError(f"the report queries could not be synced into the Dune emulator: "
                         f"{last.removeprefix('sync: ')}; see {log}")


def start_smtp_sink(
    state_dir: Path, config: StackSettings, children: list[subprocess.Popen[bytes]], stop: StopSignal
) -> dict[str, str]:
    """The notifier's mail server: NOTIFIER_SMTP_HOST (and the other NOTIFIER_SMTP_*) when
    set, otherwise the dev sink (walletreports.devstack.smtp_sink) on DEV_SMTP_PORT, which
    keeps every message in <state dir>/mail for GET /admin/api/dev-mailbox."""
    if config.notifier_smtp_host:
        say(f"SMTP: the notifier uses NOTIFIER_SMTP_HOST={config.notifier_smtp_host}")
        return {}
    port, maildir, log = config.smtp_port, state_dir / "mail", state_dir / "smtp-sink.log"
    argv = [sys.executable, "-m", "walletreports.devstack.smtp_sink", "--port", str(port), "--maildir", str(maildir)]
    children.append(process := spawn(argv, dict(os.environ), str(log)))
    wait_for_port("the SMTP sink", port, 15, stop, process, log)
    say(f"SMTP: dev sink on 127.0.0.1:{port}, keeping every message in {maildir}")
    return {
        "NOTIFIER_EMAIL_BACKEND": "smtp",
        "NOTIFIER_SMTP_HOST": "127.0.0.1",
        "NOTIFIER_SMTP_PORT": str(port),
        "NOTIFIER_SMTP_SECURITY": "none",
        "NOTIFIER_DEV_MAILBOX_DIR": str(maildir),
    }
