"""bench/localnet.py starts the server without unread pipes and says why a start failed."""

import importlib.util
import socket
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
