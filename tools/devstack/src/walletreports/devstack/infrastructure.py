"""NATS and the Solana localnet for the stack: given by the environment or started here."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from walletreports.devkit.processes import nats_server_binary

from .children import spawn
from .config import StackSettings
from .console import StackError, say
from .services import SERVICES
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
