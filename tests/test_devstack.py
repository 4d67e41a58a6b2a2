"""`make dev`: everything (with the Solana localnet) comes up ready within 60 s, and
Ctrl-C leaves no process behind."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from walletreports.devstack.services import SERVICES
from walletreports.kit.processes import free_port


def processes_with_env(marker: str) -> list[int]:
    """Live processes whose environment carries `marker` (all of the stack's children do)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes().split(b"\0"):
                status = (entry / "status").read_text()
                if "State:\tZ" not in status:
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_make_dev_brings_every_service_up_and_ctrl_c_stops_all(tmp_path, databases):
    state_dir = tmp_path / "dev"
    marker = f"DEV_STATE_DIR={state_dir}"
    env = {k: v for k, v in os.environ.items() if k != "NATS_URL"}
    rpc_port = free_port()
    env.update(
        {
            "DEV_STATE_DIR": str(state_dir),
            "DEV_NATS_PORT": str(free_port()),
            "SOLANA_CLUSTER": "localnet",
            "LOCALNET_RPC_PORT": str(rpc_port),
            "LOCALNET_WS_PORT": str(free_port()),
        }
    )
    ports = {service.name: free_port() for service in SERVICES}
    for service in SERVICES:
        env[f"{service.env_prefix}_HTTP_PORT"] = str(ports[service.name])
        if os.environ.get("TEST_DATABASE_URL"):
            # On a machine with PostgreSQL the stack uses given URLs; otherwise its pgserver.
            env[f"{service.env_prefix}_DATABASE_URL"] = databases.create(f"dev_{service.name}")

    started = time.monotonic()
    stack = subprocess.Popen(
        [sys.executable, "-m", "walletreports.devstack"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    try:
        for line in stack.stdout:
            output.append(line)
            if "all services ready" in line or "error:" in line:
                break
        ready_after = time.monotonic() - started
        assert "all services ready" in output[-1], "".join(output)
        assert ready_after < 60, f"ready only after {ready_after:.0f}s"
        seconds = float(re.search(r"ready in ([\d.]+)s", output[-1]).group(1))
        assert seconds < 60

        with httpx.Client(timeout=5) as http:
            for name, port in ports.items():
                response = http.get(f"http://127.0.0.1:{port}/readyz")
                assert response.status_code == 200, (name, response.text)
            health = http.post(f"http://127.0.0.1:{rpc_port}", json={"jsonrpc": "2.0", "id": 1, "method": "getHealth"})
            assert health.json()["result"] == "ok"
        assert len(processes_with_env(marker)) >= len(SERVICES) + 2  # services, nats, localnet (+ postgres)
    finally:
        stack.send_signal(signal.SIGINT)
        rest, _ = stack.communicate(timeout=30)
        output.append(rest)

    assert stack.returncode == 0, "".join(output)
    assert "stopped" in "".join(output)
    deadline = time.monotonic() + 10
    while processes_with_env(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_with_env(marker) == [], "processes left behind"
