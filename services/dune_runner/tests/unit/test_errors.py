"""classify: what a Dune call produced -> one of the seed's six error types, and what
each type means for the job (review vs. staff retry; nothing retried by itself)."""

from __future__ import annotations

import typing

import pytest

from walletreports.contracts import dune_runner as contract
from walletreports.dune_runner.domain import (
    ErrorClass,
    ErrorType,
    FailedExecution,
    HttpRefusal,
    NoAnswer,
    classify,
    error_class,
    execute_outcome_unknown,
    failure,
    pauses_intake,
)

E = ErrorType


def test_error_types_are_exactly_the_contracts() -> None:
    assert {e.value for e in ErrorType} == set(typing.get_args(contract.ErrorType))


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, E.QUERY_ERROR),
        (401, E.AUTH_ERROR),
        (402, E.SERVICE_OUTAGE),
        (403, E.AUTH_ERROR),
        (404, E.INVALID_QUERY_ID),
        (409, E.QUERY_ERROR),
        (422, E.QUERY_ERROR),
        (429, E.RATE_LIMIT),
        (500, E.SERVICE_OUTAGE),
        (502, E.SERVICE_OUTAGE),
        (503, E.SERVICE_OUTAGE),
        (504, E.SERVICE_OUTAGE),
    ],
)
def test_http_statuses_are_classified(status: int, expected: ErrorType) -> None:
    assert classify(HttpRefusal(status, "whatever Dune said")) is expected


@pytest.mark.parametrize("kind", ["timeout", "connection"])
def test_no_answer_is_a_network_error(kind: typing.Literal["timeout", "connection"]) -> None:
    assert classify(NoAnswer(kind)) is E.NETWORK_ERROR


def test_a_failed_execution_with_a_syntax_error_is_a_query_error() -> None:
    problem = FailedExecution(
        "QUERY_STATE_FAILED",
        "FAILED_TYPE_EXECUTION_FAILED",
        "line 1:8: mismatched input 'selec'. Expecting: 'SELECT' [Execution ID: 01H]",
    )
    assert classify(problem) is E.QUERY_ERROR
    assert classify(FailedExecution("QUERY_STATE_FAILED", "syntax_error", "bad")) is E.QUERY_ERROR


@pytest.mark.parametrize(
    "message",
    ["Query timed out after 30 minutes", "internal error", "cluster out of memory"],
)
def test_a_failed_execution_that_blames_dune_is_a_service_outage(message: str) -> None:
    assert classify(FailedExecution("QUERY_STATE_FAILED", None, message)) is E.SERVICE_OUTAGE


@pytest.mark.parametrize(
    "state", ["QUERY_STATE_CANCELLED", "QUERY_STATE_CANCELED", "QUERY_STATE_EXPIRED"]
)
def test_cancelled_in_both_spellings_and_expired_are_service_outages(state: str) -> None:
    assert classify(FailedExecution(state)) is E.SERVICE_OUTAGE


@pytest.mark.parametrize(
    ("error_type", "klass"),
    [
        (E.QUERY_ERROR, ErrorClass.NEEDS_REVIEW),
        (E.AUTH_ERROR, ErrorClass.NEEDS_REVIEW),
        (E.INVALID_QUERY_ID, ErrorClass.NEEDS_REVIEW),
        (E.NETWORK_ERROR, ErrorClass.RETRYABLE),
        (E.RATE_LIMIT, ErrorClass.RETRYABLE),
        (E.SERVICE_OUTAGE, ErrorClass.RETRYABLE),
    ],
)
def test_first_three_need_review_the_others_are_retryable_by_staff(
    error_type: ErrorType, klass: ErrorClass
) -> None:
    assert error_class(error_type) is klass


def test_402_is_a_service_outage_that_pauses_intake() -> None:
    out_of_credits = failure(HttpRefusal(402, "would exceed your configured limits"))
    assert out_of_credits.error_type is E.SERVICE_OUTAGE
    assert out_of_credits.pause_intake
    assert out_of_credits.retryable_by_staff
    assert "402" in out_of_credits.message
    assert not pauses_intake(HttpRefusal(429))
    assert not pauses_intake(NoAnswer("timeout"))


@pytest.mark.parametrize(
    ("problem", "unknown"),
    [
        (NoAnswer("timeout"), True),
        (HttpRefusal(502), True),
        (HttpRefusal(504), True),
        (NoAnswer("connection"), False),
        (HttpRefusal(400), False),
        (HttpRefusal(402), False),
        (HttpRefusal(429), False),
        (HttpRefusal(500), False),
        (HttpRefusal(503), False),
    ],
)
def test_an_execute_whose_outcome_is_unknown_is_never_a_refusal(
    problem: HttpRefusal | NoAnswer, unknown: bool
) -> None:
    assert execute_outcome_unknown(problem) is unknown


def test_the_failure_message_says_what_happened() -> None:
    assert failure(HttpRefusal(429, "Too many requests")).message == "HTTP 429: Too many requests"
    assert failure(NoAnswer("timeout")).message == "no answer (timeout)"
    message = failure(FailedExecution("QUERY_STATE_FAILED", "T", "boom")).message
    assert message == "QUERY_STATE_FAILED (T): boom"
