"""`queries sync` puts the catalog's queries on Dune (the emulator) through dune-client's
query management: new ones get ids, known ones are updated in place, and the command
prints the DUNE_RUNNER_QUERY_IDS line."""

from __future__ import annotations

import os
import subprocess
import sys

from dune_client.client import DuneClient

from walletreports.dune_emulator.testing import RunningDuneEmulator
from walletreports.dune_runner.queries import load_reports
from walletreports.dune_runner.settings import format_query_ids, parse_query_ids

REPORTS = load_reports()


def run_sync(dune: RunningDuneEmulator, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DUNE_", "DUNE_RUNNER_"))}
    return subprocess.run(
        [sys.executable, "-m", "walletreports.dune_runner", "queries", "sync"],
        env={**clean, "DUNE_API_BASE_URL": dune.base_url, "DUNE_API_KEY": dune.api_key, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sync_creates_then_updates_the_same_queries(dune: RunningDuneEmulator) -> None:
    created = run_sync(dune)
    assert created.returncode == 0, created.stderr
    *lines, last = created.stdout.strip().splitlines()
    assert last.startswith("DUNE_RUNNER_QUERY_IDS=")
    ids = parse_query_ids(last.removeprefix("DUNE_RUNNER_QUERY_IDS="))
    assert list(ids) == [r.name for r in REPORTS]
    assert lines == [f"{name} → {query_id} (created)" for name, query_id in ids.items()]

    client = DuneClient(api_key=dune.api_key, base_url=dune.base_url)
    for report in REPORTS:
        query = client.get_query(ids[report.name])
        assert query.sql == report.sql
        assert query.base.name == f"Wallet Reports: {report.name}"
        assert query.meta.description == report.description
        assert [p.key for p in query.base.parameters()] == list(report.parameter_names)

    again = run_sync(dune, DUNE_RUNNER_QUERY_IDS=format_query_ids(ids))
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == last
    assert "(updated)" in again.stdout and "(created)" not in again.stdout
    assert client.get_query(ids["transfers"]).meta.version == 3  # created, described, updated
    assert dune.execute_counts().received == 0  # syncing costs nothing


def test_sync_with_a_query_id_dune_does_not_know_fails_in_one_line(
    dune: RunningDuneEmulator,
) -> None:
    result = run_sync(dune, DUNE_RUNNER_QUERY_IDS="transfers=987654321")
    assert result.returncode == 1
    assert result.stderr.strip() == "sync: transfers: query 987654321: HTTP 404: Query not found"
    # What was created before it stopped is said, so its ids are not lost.
    assert [line.split(" → ")[0] for line in result.stdout.splitlines()] == [
        "defi_trades",
        "lp_events",
    ]


def test_sync_refuses_a_bad_setting(dune: RunningDuneEmulator) -> None:
    unknown = run_sync(dune, DUNE_RUNNER_QUERY_IDS="no_such_report=1")
    assert unknown.returncode == 2
    assert "unknown report(s) no_such_report" in unknown.stderr
    malformed = run_sync(dune, DUNE_RUNNER_QUERY_IDS="transfers")
    assert malformed.returncode == 2
    assert "DUNE_RUNNER_QUERY_IDS" in malformed.stderr and "Traceback" not in malformed.stderr
    refused = run_sync(dune, DUNE_API_KEY="wrong")
    assert refused.returncode == 1
    assert refused.stderr.strip() == "sync: defi_trades: a new query: HTTP 401: invalid API Key"
