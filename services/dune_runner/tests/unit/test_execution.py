"""The dune.execute effect: kind, key (job id + attempt), payload, result, and the
refusal reasons that travel through the kit's on_failed text."""

from __future__ import annotations

import json
import uuid
from types import MappingProxyType

import pytest

from walletreports.dune_runner.domain import (
    EXECUTE_EFFECT,
    HOLD_REASON,
    ErrorType,
    ExecuteRequest,
    Failure,
    Held,
    Obsolete,
    accepted_result,
    effect_key,
    execution_id_from,
    obsolete_reason,
    read_failure_reason,
    refusal_reason,
)

JOB = uuid.UUID("00000000-0000-4000-8000-0000000000b1")
REQUEST = ExecuteRequest(
    job_id=JOB,
    attempt=2,
    analysis_id=uuid.UUID("00000000-0000-4000-8000-0000000000c1"),
    order_id=uuid.UUID("00000000-0000-4000-8000-0000000000d1"),
    query_name="transfers",
    query_id=1234567,
    parameters=MappingProxyType({"wallet_address": "0xabc"}),
)


def test_the_effect_is_dune_execute_keyed_by_job_and_attempt() -> None:
    assert EXECUTE_EFFECT == "dune.execute"
    assert REQUEST.key == effect_key(JOB, 2) == f"{JOB}:2"
    assert REQUEST.correlation_id == str(REQUEST.order_id)


def test_the_payload_is_json_and_comes_back_as_the_same_request() -> None:
    payload = REQUEST.payload()
    assert json.loads(json.dumps(payload)) == payload
    assert payload == {
        "job_id": str(JOB),
        "attempt": 2,
        "analysis_id": str(REQUEST.analysis_id),
        "order_id": str(REQUEST.order_id),
        "query_name": "transfers",
        "query_id": 1234567,
        "parameters": {"wallet_address": "0xabc"},
    }
    again = ExecuteRequest.from_payload(payload)
    assert again.payload() == payload


@pytest.mark.parametrize(
    "broken",
    [{}, {"attempt": "1"}, {"attempt": True}, {"parameters": []}, {"job_id": "not-a-uuid"}],
)
def test_a_payload_that_is_not_an_execute_is_refused(broken: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ExecuteRequest.from_payload({**REQUEST.payload(), **broken} if broken else {})


def test_the_execution_id_is_read_from_the_result() -> None:
    assert execution_id_from(accepted_result("01HX", "QUERY_STATE_PENDING")) == "01HX"
    assert execution_id_from(None) is None
    assert execution_id_from({"execution_id": ""}) is None


@pytest.mark.parametrize("pause", [False, True])
def test_a_refusal_comes_back_from_the_kits_reason(pause: bool) -> None:
    refusal = Failure(ErrorType.SERVICE_OUTAGE, "HTTP 402: over the limit", pause_intake=pause)
    kit_reason = f"refused: EffectRefused: {refusal_reason(refusal)}"
    assert read_failure_reason(kit_reason) == refusal


def test_hold_obsolete_and_unmarked_reasons() -> None:
    assert read_failure_reason(f"refused: EffectRefused: {HOLD_REASON}") == Held()
    assert read_failure_reason(obsolete_reason("job abandoned")) == Obsolete("job abandoned")
    assert read_failure_reason("not performed: ConnectError (gave up after 1 attempts)") is None
    assert read_failure_reason("[dune:no_such_type] x") is None
