"""`python -m walletreports.dune_emulator`: flags and env, and a real process that prints
its base URL and key, answers dune-client, and stops on SIGTERM."""

import os
import signal
import subprocess
import sys

import pytest
from dune_client.client import DuneClient

from walletreports.dune_emulator.__main__ import parse_args
from walletreports.dune_emulator.settings import DEV_API_KEY


def test_defaults_flags_and_env(monkeypatch, tmp_path):
    settings, loader = parse_args(["--dataset", "none"])
    assert (settings.host, settings.port, settings.api_key) == ("127.0.0.1", 8088, DEV_API_KEY)
    assert settings.executes_per_minute is None and loader is None

    monkeypatch.setenv("DUNE_EMULATOR_PORT", "9999")
    monkeypatch.setenv("DUNE_EMULATOR_LATENCY_SECONDS", "1.5")
    monkeypatch.setenv("DUNE_EMULATOR_EXECUTES_PER_MINUTE", "40")
    monkeypatch.setenv("DUNE_EMULATOR_DATASET", "none")
    settings, _ = parse_args(["--api-key", "k", "--state-dir", str(tmp_path)])
    assert (settings.port, settings.latency_seconds, settings.executes_per_minute) == (
        9999,
        1.5,
        40,
    )
    assert (settings.api_key, settings.state_dir) == ("k", tmp_path)

    with pytest.raises(SystemExit):
        parse_args(["--dataset", "no.such.module:load"])
    with pytest.raises(SystemExit):
        parse_args(["--dataset", "none", "--state-dir", str(tmp_path / "missing")])


def test_the_process_serves_until_sigterm():
    process = subprocess.Popen(
        [sys.executable, "-m", "walletreports.dune_emulator", "--port", "0", "--dataset", "none"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        banner = process.stdout.readline()
        assert DEV_API_KEY in banner
        base_url = banner.split("base_url ")[1].split()[0]
        client = DuneClient(api_key=DEV_API_KEY, base_url=base_url)
        assert client.run_sql("SELECT 41 + 1 AS answer", ping_frequency=0).get_rows() == [
            {"answer": 42}
        ]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    assert "stopped" in process.stdout.read()
