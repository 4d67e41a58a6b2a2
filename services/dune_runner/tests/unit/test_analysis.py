"""The analysis run (pure): planning one run per order, the outcome, re-open detection,
the configured reports."""

from __future__ import annotations

import typing
import uuid
from datetime import UTC, datetime

import pytest

from walletreports.contracts import dune_runner as contract
from walletreports.dune_runner.domain import (
    AnalysisOutcome,
    AnalysisStatus,
    InvalidWalletAddress,
    JobStatus,
    ReportSpec,
    check_reports,
    is_reopen,
    outcome_for,
    plan_analysis,
)
from walletreports.dune_runner.queries import load_reports
from walletreports.dune_runner.service_layer.analysis import specs_from_catalog

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ORDER = uuid.UUID("00000000-0000-4000-8000-00000000000a")
USER = uuid.UUID("00000000-0000-4000-8000-000000000001")
WALLET = "0x52908400098527886E0F7030069857D2E4169EE7"
SPECS = (
    ReportSpec(name="a", query_id=1, output_file="a.csv"),
    ReportSpec(name="b", query_id=2, output_file="b.csv", parameters={"since": "2020-01-01"}),
)


def plan(order_id: uuid.UUID = ORDER, wallet: str = WALLET) -> typing.Any:
    return plan_analysis(
        order_id=order_id, user_id=USER, wallet_address=wallet, product="r", reports=SPECS, now=NOW
    )


def test_outcomes_match_the_contract() -> None:
    literal = contract.AnalysisFinished.model_fields["outcome"].annotation
    assert {o.value for o in AnalysisOutcome} == set(typing.get_args(literal))


def test_one_job_per_report_with_the_wallet_as_a_parameter() -> None:
    run, jobs = plan()
    assert run.status is AnalysisStatus.WAITING
    assert [(j.query_name, j.query_id, j.position, j.status) for j in jobs] == [
        ("a", 1, 0, JobStatus.WAITING),
        ("b", 2, 1, JobStatus.WAITING),
    ]
    assert jobs[0].parameters == {"wallet_address": WALLET}
    assert jobs[1].parameters == {"since": "2020-01-01", "wallet_address": WALLET}


def test_the_same_order_always_plans_the_same_ids() -> None:
    (run, jobs), (again, jobs_again) = plan(), plan()
    assert run.id == again.id and [j.id for j in jobs] == [j.id for j in jobs_again]
    other, _ = plan(order_id=uuid.uuid4())
    assert other.id != run.id


@pytest.mark.parametrize(
    "wallet",
    ["", "0x123", "52908400098527886E0F7030069857D2E4169EE7", "0x" + "g" * 40, f"{WALLET} "],
)
def test_a_wallet_that_is_not_an_evm_address_never_reaches_a_query(wallet: str) -> None:
    with pytest.raises(InvalidWalletAddress):
        plan(wallet=wallet)


def test_outcome_completed_partial_failed() -> None:
    _, jobs = plan()
    jobs[0].status = jobs[1].status = JobStatus.COMPLETED
    assert outcome_for(jobs) is AnalysisOutcome.COMPLETED
    jobs[1].status = JobStatus.FAILED_RETRYABLE
    assert outcome_for(jobs) is AnalysisOutcome.PARTIAL
    jobs[0].status = JobStatus.FAILED_NEEDS_REVIEW
    assert outcome_for(jobs) is AnalysisOutcome.FAILED


@pytest.mark.parametrize(
    ("from_status", "to_status", "reopen"),
    [
        ("failed", "payment_received", True),
        ("partial_complete", "payment_received", True),
        ("pending_payment", "payment_received", False),
        ("expired", "payment_received", False),
        ("processing", "failed", False),
    ],
)
def test_a_reopen_is_failed_or_partial_back_to_payment_received(
    from_status: str, to_status: str, reopen: bool
) -> None:
    assert is_reopen(from_status, to_status) is reopen


@pytest.mark.parametrize(
    "bad",
    [
        {"query_id": 0},
        {"query_id": True},
        {"output_file": "../x.csv"},
        {"name": " "},
        {"parameters": {"wallet_address": "0xabc"}},
    ],
)
def test_a_report_without_a_query_id_or_with_an_unsafe_file_is_refused_at_start(
    bad: dict[str, object],
) -> None:
    fields: dict[str, object] = {"name": "a", "query_id": 1, "output_file": "a.csv"} | bad
    with pytest.raises(ValueError):
        ReportSpec(**fields)  # type: ignore[arg-type]


def test_reports_need_unique_names_and_files() -> None:
    with pytest.raises(ValueError):
        check_reports([])
    with pytest.raises(ValueError):
        check_reports([SPECS[0], ReportSpec(name="a", query_id=9, output_file="z.csv")])
    with pytest.raises(ValueError):
        check_reports([SPECS[0], ReportSpec(name="z", query_id=9, output_file="a.csv")])


def test_specs_from_the_queries_catalog_take_the_wallet_and_the_query_ids() -> None:
    reports = load_reports()
    ids = {r.name: 1000 + n for n, r in enumerate(reports)}
    specs = specs_from_catalog(reports, ids)
    assert [(s.name, s.query_id, s.output_file) for s in specs] == [
        (r.name, ids[r.name], r.output_file) for r in reports
    ]
    assert all(s.parameters_for(WALLET)["wallet_address"] == WALLET for s in specs)
    missing = dict(ids)
    missing.pop(reports[0].name)
    with pytest.raises(ValueError, match="no Dune query id"):
        specs_from_catalog(reports, missing)
