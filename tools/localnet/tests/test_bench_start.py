"""bench/localnet.py starts the server without unread pipes, says why a start failed, and
a short run (few transactions) still prints its one JSON line."""

import importlib.util
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "localnet.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_localnet", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_start_waits_for_the_banner_and_stops(bench):
    rpc, ws = bench.free_port(), bench.free_port()
    server = bench.start_server(["--rpc-port", str(rpc), "--ws-port", str(ws), "--slot-ms", "0"])
    try:
        assert server.poll() is None
        stdout, _ = server.output_files
        stdout.seek(0)
        assert stdout.readline().startswith(bench.BANNER)
    finally:
        bench.stop_server(server)
    assert server.poll() is not None


def test_failed_start_shows_the_server_stderr(bench):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(bench.ServerStartError, match="cannot start"):
            bench.start_server(["--rpc-port", str(port), "--ws-port", str(bench.free_port())],
                               timeout=30)


def test_a_short_run_prints_its_json_line():
    # Fewer transactions than one page of 1000: the lookup cursors come from what exists.
    result = subprocess.run(
        [sys.executable, str(BENCH), "--transactions", "30", "--rounds", "2",
         "--reference-transactions", "10", "--concurrency", "2"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["indexed_transactions"] == 30
    returned = {name: v["returned"] for name, v in report["get_signatures_for_address"].items()}
    # until the 21st newest: the 20 newer; before the 16th newest: the 14 older.
    assert returned == {"limit_1000_newest": 30, "limit_10_newest": 10,
                        "until_cursor_watcher": 20, "before_page": 14}


def test_counts_must_be_positive():
    result = subprocess.run([sys.executable, str(BENCH), "--transactions", "0"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--transactions" in result.stderr
    assert "Traceback" not in result.stderr
