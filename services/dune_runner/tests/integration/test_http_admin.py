"""The staff console's routes against a running dune_runner and the Dune emulator: lists
with every filter and bad query values (422 naming the field), one run with its audit
log, credits, and each staff action (one new execute per retried job)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from walletreports.dune_emulator.testing import RunningDuneEmulator

from .conftest import REPORTS, WALLET, DuneRunnerDriver, order_paid


@pytest.fixture(scope="module")
def service_env() -> dict[str, str]:
    # This module sends more executes than the default per-minute limit allows.
    return {"DUNE_RUNNER_EXECUTES_PER_MINUTE": "1000"}


STAFF = {"staff_email": "ada@example.com", "reason": "checked on Dune"}
TODAY = datetime.now(UTC).date().isoformat()


async def get(runner: DuneRunnerDriver, path: str, **params: Any) -> Any:
    answer = await runner.service.http.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def post(runner: DuneRunnerDriver, path: str, body: dict[str, Any], status: int = 200) -> Any:
    answer = await runner.service.http.post(path, json=body)
    assert answer.status_code == status, answer.text
    return answer.json()


async def test_runs_and_jobs_lists_filter_search_and_page(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator
) -> None:
    event = order_paid()
    await runner.publish(event)
    await runner.finished(event.order_id)
    run = await get(runner, f"/admin/api/runs/{event.order_id}")
    execution_id = run["jobs"][0]["execution_id"]

    def ids(page: dict[str, Any]) -> list[str]:
        return [item["order_id"] for item in page["items"]]

    order = str(event.order_id)
    assert ids(await get(runner, "/admin/api/runs", q=order)) == [order]
    assert ids(
        await get(runner, "/admin/api/runs", q=WALLET.address.upper(), user_id=str(event.user_id))
    ) == [order]
    assert ids(await get(runner, "/admin/api/runs", q=execution_id)) == [order]
    assert ids(await get(runner, "/admin/api/runs", q="no-such-thing")) == []
    filtered = await get(
        runner,
        "/admin/api/runs",
        status="finished",
        outcome="completed",
        user_id=str(event.user_id),
        created_from=TODAY,
        created_to=TODAY,
    )
    assert ids(filtered) == [order]
    assert (
        ids(await get(runner, "/admin/api/runs", user_id=str(event.user_id), outcome="failed"))
        == []
    )
    assert ids(await get(runner, "/admin/api/runs", q=order, created_to="2000-01-01")) == []
    page = await get(runner, "/admin/api/runs", limit=1, offset=0)
    assert (len(page["items"]), page["limit"], page["offset"]) == (1, 1, 0)
    assert page["total"] >= 1

    jobs = await get(runner, "/admin/api/jobs", order_id=order, status="completed")
    assert sorted(j["query_name"] for j in jobs["items"]) == REPORTS and jobs["total"] == 3
    assert (await get(runner, "/admin/api/jobs", order_id=order, status="in_doubt"))["total"] == 0
    assert (await get(runner, "/admin/api/jobs", order_id=order, error_type="query_error"))[
        "total"
    ] == 0
    dated = await get(
        runner, "/admin/api/jobs", order_id=order, updated_from=TODAY, updated_to=TODAY
    )
    assert dated["total"] == 3

    # One run: jobs with history, retries and the execute audit log with credits.
    assert [j["query_name"] for j in run["jobs"]] == REPORTS
    for job in run["jobs"]:
        (execute,) = job["executes"]
        assert (execute["outcome"], execute["execution_id"]) == ("accepted", job["execution_id"])
        assert float(execute["credits"]) > 0 and job["credits"] == execute["credits"]
        assert [h["to_status"] for h in job["history"]][-1] == "completed"
        assert job["retries"] == []
    assert float(run["credits"]) > 0

    ledger = await get(runner, "/admin/api/ledger", days=7)
    assert len(ledger["by_day"]) == 7 and ledger["by_day"][-1]["day"] == TODAY
    assert float(ledger["total_credits"]) >= float(run["credits"])
    budget = await get(runner, "/admin/api/budget")
    assert [p["period"] for p in budget["periods"]] == ["daily", "weekly"]
    assert float(budget["periods"][0]["used"]) >= float(run["credits"])


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/admin/api/runs", {"status": "done"}, "status"),
        ("/admin/api/runs", {"outcome": "won"}, "outcome"),
        ("/admin/api/runs", {"user_id": "me"}, "user_id"),
        ("/admin/api/runs", {"created_from": "yesterday"}, "created_from"),
        (
            "/admin/api/runs",
            {"created_from": "2026-02-02", "created_to": "2026-02-01"},
            "created_to",
        ),
        ("/admin/api/runs", {"q": " "}, "q"),
        ("/admin/api/runs", {"limit": "0"}, "limit"),
        ("/admin/api/runs", {"limit": "101"}, "limit"),
        ("/admin/api/runs", {"offset": "-1"}, "offset"),
        ("/admin/api/jobs", {"status": "lost"}, "status"),
        ("/admin/api/jobs", {"error_type": "oops"}, "error_type"),
        ("/admin/api/jobs", {"updated_to": "0.5"}, "updated_to"),
        ("/admin/api/jobs", {"order_id": "x"}, "order_id"),
        ("/admin/api/ledger", {"days": "0"}, "days"),
    ],
)
async def test_bad_query_values_are_422_naming_the_field(
    runner: DuneRunnerDriver, path: str, params: dict[str, str], field: str
) -> None:
    answer = await runner.service.http.get(path, params=params)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    named = [f["field"] for f in error.get("fields") or [{"field": error.get("field")}]]
    assert any(name.split(".")[0] == field for name in named), named


async def test_retry_one_job_and_all_failed_of_an_order(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator
) -> None:
    lp_events, transfers = runner.query_ids["lp_events"], runner.query_ids["transfers"]
    dune.fail_next_execution(query_id=lp_events)
    dune.slow_next_execution(5.0, query_id=transfers)  # keeps the analysis open meanwhile
    event = order_paid()
    await runner.publish(event)
    jobs = await runner.jobs_until(event.order_id, "failed_needs_review", count=1)
    failed = jobs["lp_events"]
    (listed,) = (
        await get(runner, "/admin/api/jobs", order_id=str(event.order_id), error_type="query_error")
    )["items"]
    assert listed["job_id"] == str(failed.id)

    bad = await runner.service.http.post(f"/admin/api/jobs/{failed.id}/retry", json={"reason": "x"})
    assert bad.status_code == 422
    answer = await post(runner, f"/admin/api/jobs/{failed.id}/retry", STAFF)
    assert answer["changed"] is True
    assert (answer["job"]["attempt"], answer["job"]["retry_count"]) == (2, 1)
    (retry,) = answer["job"]["retries"]
    assert (retry["by"], retry["from_status"]) == ("staff:ada@example.com", "failed_needs_review")

    finished = await runner.finished(event.order_id)
    assert finished["outcome"] == "completed"
    counts = dune.execute_counts()
    assert counts.received == len(REPORTS) + 1 and counts.started_by_query[lp_events] == 2
    # Finished: nothing to retry inside the run (staff re-open the order in orders).
    refused = await runner.service.http.post(f"/admin/api/jobs/{failed.id}/retry", json=STAFF)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "analysis_finished")

    # Every failed job of an order, one new execute each.
    dune.reset_execute_counts()
    dune.fail_next_execution(query_id=lp_events)
    dune.fail_next_execution(query_id=runner.query_ids["defi_trades"])
    event = order_paid()
    dune.slow_next_execution(5.0, query_id=transfers)
    await runner.publish(event)
    await runner.jobs_until(event.order_id, "failed_needs_review", count=2)
    answer = await post(runner, f"/admin/api/runs/{event.order_id}/retry-failed", STAFF)
    assert answer["changed"] is True and len(answer["jobs"]) == 2
    assert (await runner.finished(event.order_id))["outcome"] == "completed"
    assert dune.execute_counts().received == len(REPORTS) + 2
    refused = await runner.service.http.post(
        f"/admin/api/runs/{uuid.uuid4()}/retry-failed", json=STAFF
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "analysis_not_found")


async def test_give_up_and_attach_an_execution_to_an_in_doubt_job(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator
) -> None:
    done = order_paid()
    await runner.publish(done)
    await runner.finished(done.order_id)
    found = (await runner.jobs(done.order_id))["transfers"].execution_id

    dune.fail_next("execute", 504, times=len(REPORTS))
    event = order_paid()
    await runner.publish(event)
    jobs = await runner.jobs_until(event.order_id, "in_doubt")
    doubtful = await get(runner, "/admin/api/jobs", order_id=str(event.order_id), status="in_doubt")
    assert doubtful["total"] == len(REPORTS)

    attached = await post(
        runner,
        f"/admin/api/jobs/{jobs['transfers'].id}/attach-execution",
        {**STAFF, "execution_id": found},
    )
    assert attached["changed"] is True
    assert (attached["job"]["status"], attached["job"]["execution_id"]) == ("executing", found)
    refused = await runner.service.http.post(
        f"/admin/api/jobs/{jobs['transfers'].id}/attach-execution",
        json={**STAFF, "execution_id": "a b"},
    )
    assert refused.status_code == 422
    received = dune.execute_counts().received

    answer = await post(runner, f"/admin/api/runs/{event.order_id}/give-up", STAFF)
    assert answer["changed"] is True
    assert (answer["run"]["outcome"], answer["run"]["given_up_by"]) == (
        "failed",
        "staff:ada@example.com",
    )
    again = await post(runner, f"/admin/api/runs/{event.order_id}/give-up", STAFF)
    assert again["changed"] is False
    assert dune.execute_counts().received == received  # nothing executed again


async def test_pause_and_resume_intake(runner: DuneRunnerDriver, dune: RunningDuneEmulator) -> None:
    paused = await post(runner, "/admin/api/intake/pause", STAFF)
    assert paused["changed"] is True and paused["intake"]["paused"] is True
    assert paused["intake"]["changed_by"] == "staff:ada@example.com"
    assert (await post(runner, "/admin/api/intake/pause", STAFF))["changed"] is False
    assert (await get(runner, "/admin/api/intake"))["paused"] is True
    assert (await get(runner, "/admin/api/budget"))["intake"]["paused"] is True

    event = order_paid()
    await runner.publish(event)
    await runner.handled(event)
    assert dune.execute_counts().received == 0

    resumed = await post(runner, "/admin/api/intake/resume", {**STAFF, "reason": "budget ok"})
    assert resumed["changed"] is True and resumed["intake"]["paused"] is False
    assert (await post(runner, "/admin/api/intake/resume", STAFF))["changed"] is False
    assert (await runner.finished(event.order_id))["outcome"] == "completed"
    assert dune.execute_counts().received == len(REPORTS)
