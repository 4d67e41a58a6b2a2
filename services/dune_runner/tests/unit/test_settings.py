"""dune_runner's settings: the query ids checked against the catalog at start, the Dune
key required in production, one line naming the variable otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from walletreports.dune_runner.settings import (
    DEV_DUNE_API_KEY,
    DuneRunnerSettings,
    parse_query_ids,
    parse_thresholds,
)
from walletreports.kit import ConfigError, load_settings

IDS = "defi_trades=101,lp_events=102,transfers=103"
BASE = {"DUNE_RUNNER_DATABASE_URL": "postgresql://db/dune_runner", "DUNE_RUNNER_QUERY_IDS": IDS}


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> DuneRunnerSettings:
    for key in list(os.environ):
        if key.startswith(("DUNE_", "ENVIRONMENT", "INTERNAL_TOKEN")):
            monkeypatch.delenv(key)
    for key, value in {**BASE, **env}.items():
        monkeypatch.setenv(key, value)
    return load_settings(DuneRunnerSettings)


def test_the_defaults_point_at_the_local_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = settings(monkeypatch)
    assert loaded.query_ids == {"defi_trades": 101, "lp_events": 102, "transfers": 103}
    assert (loaded.dune_api_base_url, loaded.api_key) == ("http://127.0.0.1:8088", DEV_DUNE_API_KEY)
    assert loaded.budget_thresholds == (50, 80, 100)
    assert (loaded.daily_credits, loaded.weekly_credits) == (None, None)
    assert loaded.http_port == 8003


@pytest.mark.parametrize(
    ("ids", "named"),
    [
        ("defi_trades=101,lp_events=102", "no Dune query id for report(s) transfers"),
        (f"{IDS},nft_mints=104", "unknown report(s) nft_mints"),
        ("defi_trades=101,lp_events=x,transfers=103", "the query id of 'lp_events' must be"),
        ("defi_trades", "'defi_trades' is not report=query_id"),
        (f"{IDS},transfers=105", "report 'transfers' is given twice"),
    ],
)
def test_every_report_needs_a_query_id(
    monkeypatch: pytest.MonkeyPatch, ids: str, named: str
) -> None:
    with pytest.raises(ConfigError) as error:
        settings(monkeypatch, DUNE_RUNNER_QUERY_IDS=ids)
    assert f"DUNE_RUNNER_QUERY_IDS: {named}" in str(error.value)


def test_production_needs_a_real_dune_key(monkeypatch: pytest.MonkeyPatch) -> None:
    production = {"ENVIRONMENT": "production", "INTERNAL_TOKEN": "t" * 40}
    with pytest.raises(ConfigError, match="DUNE_API_KEY: must be set"):
        settings(monkeypatch, **production)
    with pytest.raises(ConfigError, match="DUNE_API_KEY: must be set"):
        settings(monkeypatch, **production, DUNE_API_KEY=DEV_DUNE_API_KEY)
    assert settings(monkeypatch, **production, DUNE_API_KEY="real-key").api_key == "real-key"


def test_budgets_and_polls_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = settings(
        monkeypatch,
        DUNE_RUNNER_DAILY_CREDITS="250.5",
        DUNE_RUNNER_BUDGET_THRESHOLDS="90, 75",
    )
    assert str(loaded.daily_credits) == "250.5" and loaded.budget_thresholds == (75, 90)
    with pytest.raises(ConfigError, match="DUNE_RUNNER_WEEKLY_CREDITS"):
        settings(monkeypatch, DUNE_RUNNER_WEEKLY_CREDITS="-1")
    with pytest.raises(ConfigError, match="DUNE_RUNNER_BUDGET_THRESHOLDS"):
        settings(monkeypatch, DUNE_RUNNER_BUDGET_THRESHOLDS="50,abc")
    with pytest.raises(ConfigError, match="DUNE_RUNNER_POLL_MAX_SECONDS"):
        settings(monkeypatch, DUNE_RUNNER_POLL_FIRST_SECONDS="10", DUNE_RUNNER_POLL_MAX_SECONDS="5")


def test_parsers() -> None:
    assert parse_query_ids(" a=1 , b_2=20 ,") == {"a": 1, "b_2": 20}
    assert parse_query_ids("") == {}
    assert parse_thresholds("100,50,50") == (50, 100)


def test_a_missing_query_ids_stops_the_service_in_one_line() -> None:
    env = {
        "PATH": os.environ["PATH"],
        "NATS_URL": "nats://127.0.0.1:4222",
        "DUNE_RUNNER_DATABASE_URL": "postgresql://db/dune_runner",
        "DUNE_RUNNER_QUERY_IDS": "defi_trades=1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "walletreports.dune_runner", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "DUNE_RUNNER_QUERY_IDS: no Dune query id for report(s) lp_events, transfers" in line
