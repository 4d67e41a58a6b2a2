"""Web's routes against a running dune_runner and the Dune emulator: an order's analysis
with its jobs, files, summary and bundle, and the file route streaming exactly the stored
bytes (the zip holding every CSV and summary.json)."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from typing import Any

from walletreports.devkit.testing.eventually import eventually
from walletreports.dune_emulator.testing import RunningDuneEmulator
from walletreports.dune_runner.service_layer.bundles import build_bundle

from .conftest import REPORTS, WALLET, DuneRunnerDriver, order_paid


async def bundled(runner: DuneRunnerDriver, order_id: uuid.UUID) -> dict[str, Any]:
    """The order's analysis once its report bundle is built."""

    async def ready() -> dict[str, Any] | None:
        answer = await runner.service.http.get(f"/v1/orders/{order_id}/analysis")
        body: dict[str, Any] = answer.json()
        return body if answer.status_code == 200 and body["bundle_file_id"] else None

    return await eventually(ready, timeout=30)


async def test_the_analysis_answers_jobs_files_summary_and_bundle(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator
) -> None:
    event = order_paid()
    await runner.publish(event)
    await runner.finished(event.order_id)
    body = await bundled(runner, event.order_id)

    assert (body["order_id"], body["user_id"]) == (str(event.order_id), str(event.user_id))
    assert (body["status"], body["outcome"]) == ("finished", "completed")
    jobs = await runner.jobs(event.order_id)
    assert [j["query_name"] for j in body["jobs"]] == REPORTS
    for job in body["jobs"]:
        row = jobs[job["query_name"]]
        assert job["job_id"] == str(row.id)
        assert (job["status"], job["retry_count"], job["error_type"]) == ("completed", 0, None)
        assert job["execution_id"] == row.execution_id
    files = await runner.files(event.order_id)
    assert [f["query_name"] for f in body["files"]] == REPORTS
    for file in body["files"]:
        row = files[file["query_name"]]
        assert file == {
            "file_id": str(row.job_id),
            "query_name": row.query_name,
            "name": row.file_name,
            "size": row.size_bytes,
            "sha256": row.sha256,
            "rows": WALLET.expected_rows[row.query_name],
            "partial": False,
            "url": f"/v1/files/{row.job_id}",
        }
    summary = body["summary"]
    assert summary["rows_per_report"] == {name: WALLET.expected_rows[name] for name in REPORTS}
    assert summary["total_rows"] == sum(WALLET.expected_rows[name] for name in REPORTS)
    assert summary["first_activity"] <= summary["last_activity"]

    # Stored next to the reports, built once: a second round finds it done.
    folder = runner.reports_dir / str(event.user_id) / str(event.order_id)
    assert json.loads((folder / "summary.json").read_bytes()) == summary
    zip_before = (folder / "bundle.zip").read_bytes()
    summary_answer = await runner.service.http.get(f"/v1/files/{body['summary_file_id']}")
    assert summary_answer.json() == summary
    built = await build_bundle(
        runner.units,
        uuid.UUID(body["analysis_id"]),
        store=runner.service.collaborator("store"),
        columns=runner.service.collaborator("summary_columns"),
        now=runner.service.collaborator("clock").now(),
    )
    assert built is False
    assert (folder / "bundle.zip").read_bytes() == zip_before


async def test_the_file_route_streams_the_stored_bytes_and_the_zip_holds_everything(
    runner: DuneRunnerDriver,
) -> None:
    event = order_paid()
    await runner.publish(event)
    body = await bundled(runner, event.order_id)
    http = runner.service.http
    for file in body["files"]:
        answer = await http.get(file["url"])
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        assert hashlib.sha256(answer.content).hexdigest() == file["sha256"]
        assert answer.headers["etag"] == f'"{file["sha256"]}"'
        assert int(answer.headers["content-length"]) == file["size"] == len(answer.content)
        stored = await runner.rows_of_file(file["file_id"])
        assert answer.content == runner.file_path(stored).read_bytes()

    answer = await http.get(f"/v1/files/{body['bundle_file_id']}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["etag"] == f'"{hashlib.sha256(answer.content).hexdigest()}"'
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert sorted(archive.namelist()) == sorted(
            [f"{n}.csv" for n in REPORTS] + ["summary.json"]
        )
        for file in body["files"]:
            data = archive.read(file["name"])
            assert hashlib.sha256(data).hexdigest() == file["sha256"]
        assert json.loads(archive.read("summary.json")) == body["summary"]


async def test_unknown_orders_and_files_are_404(runner: DuneRunnerDriver) -> None:
    http = runner.service.http
    answer = await http.get(f"/v1/orders/{uuid.uuid4()}/analysis")
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "analysis_not_found")
    answer = await http.get(f"/v1/files/{uuid.uuid4()}")
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "file_not_found")
    answer = await http.get("/v1/files/..%2F..%2Fetc%2Fpasswd")
    assert answer.status_code in (404, 422)
