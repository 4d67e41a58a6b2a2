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
