"""The Dune adapter against the emulator with the real dune-client: an execute is one
request whatever happens, each failure is the domain's problem type, statuses are read as
Dune spells them, and CSV pages stream into one CSV with one header."""

from __future__ import annotations

import hashlib

import pytest

from walletreports.devkit.processes import free_port
from walletreports.devkit.testing.eventually import eventually
from walletreports.dune_emulator.synthetic import RICH_WALLETS
from walletreports.dune_emulator.testing import RunningDuneEmulator
from walletreports.dune_runner.adapters.dune_api import DuneApi, ExecuteFailed
from walletreports.dune_runner.domain import (
    ErrorType,
    HttpRefusal,
    NoAnswer,
    classify,
    execute_outcome_unknown,
)
from walletreports.dune_runner.service_layer.ports import DuneCallFailed

WALLET = RICH_WALLETS[1]


def api(dune: RunningDuneEmulator, **kw: object) -> DuneApi:
    return DuneApi(api_key=dune.api_key, base_url=dune.base_url, **kw)  # type: ignore[arg-type]


async def run_to_the_end(client: DuneApi, execution_id: str) -> str:
    async def ended() -> str | None:
        state = (await client.status(execution_id)).state
        return state if state not in ("QUERY_STATE_PENDING", "QUERY_STATE_EXECUTING") else None

    return await eventually(ended)


async def test_an_accepted_execute_is_one_request(
    dune: RunningDuneEmulator, query_ids: dict[str, int]
) -> None:
    client = api(dune)
    try:
        accepted = await client.execute(query_ids["lp_events"], {"wallet_address": WALLET.address})
        assert accepted.state == "QUERY_STATE_PENDING" and len(accepted.execution_id) == 26
        assert await run_to_the_end(client, accepted.execution_id) == "QUERY_STATE_COMPLETED"
        status = await client.status(accepted.execution_id)
        assert status.row_count == WALLET.expected_rows["lp_events"]
        assert status.cost_credits is not None and status.cost_credits > 0
    finally:
        client.close()
    counts = dune.execute_counts()
    assert (counts.received, counts.started) == (1, 1)


@pytest.mark.parametrize(
    ("status", "error_type", "unknown"),
    [
        (400, ErrorType.QUERY_ERROR, False),
        (401, ErrorType.AUTH_ERROR, False),
        (402, ErrorType.SERVICE_OUTAGE, False),
        (404, ErrorType.INVALID_QUERY_ID, False),
        (429, ErrorType.RATE_LIMIT, False),
        (500, ErrorType.SERVICE_OUTAGE, False),
        (502, ErrorType.SERVICE_OUTAGE, True),
        (503, ErrorType.SERVICE_OUTAGE, False),
        (504, ErrorType.SERVICE_OUTAGE, True),
    ],
)
async def test_an_execute_refusal_is_its_http_status_and_never_retried(
    dune: RunningDuneEmulator,
    query_ids: dict[str, int],
    status: int,
    error_type: ErrorType,
    unknown: bool,
) -> None:
    dune.fail_next("execute", status, times=10)
    client = api(dune)
    try:
        with pytest.raises(ExecuteFailed) as failed:
            await client.execute(query_ids["transfers"], {"wallet_address": WALLET.address})
    finally:
        client.close()
    problem = failed.value.problem
    assert isinstance(problem, HttpRefusal) and problem.status == status
    assert classify(problem) is error_type
    assert failed.value.outcome_unknown is unknown is execute_outcome_unknown(problem)
    assert dune.execute_counts().received == 1


async def test_an_execute_with_no_answer_in_time_may_have_happened(
    dune: RunningDuneEmulator, query_ids: dict[str, int]
) -> None:
    dune.hang_next("execute", seconds=3)
    client = api(dune, timeout_seconds=1.0)
    try:
        with pytest.raises(ExecuteFailed) as failed:
            await client.execute(query_ids["transfers"], {"wallet_address": WALLET.address})
    finally:
        client.close()
    assert failed.value.problem == NoAnswer("timeout", failed.value.problem.message)
    assert failed.value.outcome_unknown
    counts = dune.execute_counts()
    assert (counts.received, counts.started) == (1, 1)  # it did start: hence in doubt


async def test_an_execute_that_cannot_connect_certainly_did_not_happen() -> None:
    client = DuneApi(api_key="k", base_url=f"http://127.0.0.1:{free_port()}", timeout_seconds=1)
    try:
        with pytest.raises(ExecuteFailed) as failed:
            await client.execute(1, {})
    finally:
        client.close()
    assert isinstance(failed.value.problem, NoAnswer) and failed.value.problem.kind == "connection"
    assert not failed.value.outcome_unknown
    assert classify(failed.value.problem) is ErrorType.NETWORK_ERROR


@pytest.mark.parametrize("state_name", ["QUERY_STATE_CANCELLED", "QUERY_STATE_CANCELED"])
async def test_a_status_is_read_as_dune_spells_it(
    dune: RunningDuneEmulator, query_ids: dict[str, int], state_name: str
) -> None:
    dune.cancel_next_execution(state_name=state_name)
    client = api(dune)
    try:
        accepted = await client.execute(query_ids["transfers"], {"wallet_address": WALLET.address})
        assert await run_to_the_end(client, accepted.execution_id) == state_name
    finally:
        client.close()


async def test_a_failed_execution_carries_dunes_error(
    dune: RunningDuneEmulator, query_ids: dict[str, int]
) -> None:
    dune.fail_next_execution()
    client = api(dune)
    try:
        accepted = await client.execute(query_ids["transfers"], {"wallet_address": WALLET.address})
        assert await run_to_the_end(client, accepted.execution_id) == "QUERY_STATE_FAILED"
        status = await client.status(accepted.execution_id)
    finally:
        client.close()
    assert status.error_type == "FAILED_TYPE_EXECUTION_FAILED"
    assert status.error_message is not None and "mismatched input" in status.error_message


async def test_status_gets_are_retried_then_classified(
    dune: RunningDuneEmulator, query_ids: dict[str, int]
) -> None:
    client = api(dune, get_retries=2)
    try:
        accepted = await client.execute(query_ids["transfers"], {"wallet_address": WALLET.address})
        dune.fail_next("status", 503, times=2, retry_after=0)
        assert (await client.status(accepted.execution_id)).execution_id == accepted.execution_id
        dune.fail_next("status", 401)
        with pytest.raises(DuneCallFailed) as failed:
            await client.status(accepted.execution_id)
        assert failed.value.problem == HttpRefusal(401, "invalid API Key")
        with pytest.raises(DuneCallFailed) as unknown:
            await client.status("01JZZZZZZZZZZZZZZZZZZZZZZZ")
        assert isinstance(unknown.value.problem, HttpRefusal)
        assert unknown.value.problem.status == 404
    finally:
        client.close()


async def csv_of(client: DuneApi, execution_id: str) -> bytes:
    return b"".join([chunk async for chunk in client.results_csv(execution_id)])


@pytest.mark.parametrize("page_rows", [1, 7, 100, 479, 480, 481])
async def test_csv_pages_stream_into_one_csv_with_one_header(
    dune: RunningDuneEmulator, query_ids: dict[str, int], page_rows: int
) -> None:
    whole = api(dune)
    paged = api(dune, page_rows=page_rows)
    try:
        accepted = await whole.execute(query_ids["transfers"], {"wallet_address": WALLET.address})
        await run_to_the_end(whole, accepted.execution_id)
        expected = await csv_of(whole, accepted.execution_id)
        got = await csv_of(paged, accepted.execution_id)
    finally:
        whole.close()
        paged.close()
    lines = expected.decode().splitlines()
    assert len(lines) == 1 + WALLET.expected_rows["transfers"]
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(expected).hexdigest()


async def test_results_of_an_execution_without_them_are_refused(
    dune: RunningDuneEmulator, query_ids: dict[str, int]
) -> None:
    dune.fail_next_execution()
    client = api(dune)
    try:
        accepted = await client.execute(query_ids["transfers"], {"wallet_address": WALLET.address})
        await run_to_the_end(client, accepted.execution_id)
        with pytest.raises(DuneCallFailed) as failed:
            await csv_of(client, accepted.execution_id)
    finally:
        client.close()
    assert isinstance(failed.value.problem, HttpRefusal) and failed.value.problem.status == 400


async def test_reading_a_query_checks_the_key(
    dune: RunningDuneEmulator, query_ids: dict[str, int]
) -> None:
    good, bad = api(dune), DuneApi(api_key="wrong", base_url=dune.base_url)
    try:
        found = await good.check_query(query_ids["transfers"])
        assert found.problem is None and found.name == "Wallet Reports: transfers"
        refused = await bad.check_query(query_ids["transfers"])
        assert refused.problem == HttpRefusal(401, "invalid API Key")
        missing = await good.check_query(987_654_321)
        assert isinstance(missing.problem, HttpRefusal) and missing.problem.status == 404
    finally:
        good.close()
        bad.close()
