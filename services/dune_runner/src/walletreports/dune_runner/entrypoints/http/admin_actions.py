"""What staff do (/admin/api/...): retry one job, retry every failed job of an order's
run, give the run up (permanent failure), attach a Dune execution to an in-doubt job,
pause and resume intake. Each in the staff member's name with a reason (both recorded),
answering the changed thing and whether the action changed it.

Domain refusals are the kit's errors: 404 for what does not exist, 409 for a state that
does not allow the action, 422 for input the schema cannot refuse.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from walletreports.kit import InternalAuth, Now, error_responses

from ...domain import AnalysisOutcome
from ...service_layer import analysis, budget, staff
from .dependencies import DuneRunnerUnits, Schedule
from .presenters import intake_view, load_admin_job, load_admin_run
from .responses import IntakeActionResult, JobActionResult, JobsActionResult, RunActionResult
from .schemas import AttachExecutionBody, StaffActionBody

router = APIRouter(prefix="/admin/api", tags=["admin: actions"], dependencies=[InternalAuth])

BAD_BODY = "Does not match this schema, or the email or reason is blank (`invalid_request`)."
JOB_NOT_FOUND = "No query job with this id (`query_job_not_found`)."
RUN_NOT_FOUND = "The order has no analysis (`analysis_not_found`)."
RELEASE_ROUNDS = 50


@router.post(
    "/jobs/{job_id}/retry",
    summary="Retry one failed or in-doubt job",
    description="A new attempt (retry_count + 1, a retry record) and exactly one new"
    " execute on Dune (while intake is paused it waits and is sent on resume). An in-doubt"
    " job is retried only this way: Dune may be running it already.",
    responses=error_responses(
        404,
        409,
        422,
        described={
            404: JOB_NOT_FOUND,
            409: "The job cannot be retried (`illegal_job_transition`, `query_job_completed`)"
            " or its run finished (`analysis_finished`: re-open the order in orders).",
            422: BAD_BODY,
        },
    ),
)
async def retry_job(
    job_id: uuid.UUID, body: StaffActionBody, units: DuneRunnerUnits, now: Now
) -> JobActionResult:
    async with units() as uow:
        await staff.retry_job(
            uow, job_id=job_id, staff_email=body.staff_email, reason=body.reason, now=now
        )
    async with units() as uow:
        return JobActionResult(changed=True, job=await load_admin_job(uow, job_id))


@router.post(
    "/runs/{order_id}/retry-failed",
    summary="Retry every failed job of an order's run",
    description="Each failed job (needs review or retryable) gets a new attempt and one new"
    " execute; in-doubt and completed jobs are left alone.",
    responses=error_responses(
        404,
        409,
        422,
        described={
            404: RUN_NOT_FOUND,
            409: "No failed job (`nothing_to_retry`), or the run finished"
            " (`analysis_finished`: re-open the order in orders).",
            422: BAD_BODY,
        },
    ),
)
async def retry_failed(
    order_id: uuid.UUID, body: StaffActionBody, units: DuneRunnerUnits, now: Now
) -> JobsActionResult:
    async with units() as uow:
        jobs = await staff.retry_failed(
            uow, order_id=order_id, staff_email=body.staff_email, reason=body.reason, now=now
        )
    async with units() as uow:
        return JobsActionResult(
            changed=True, jobs=[await load_admin_job(uow, job.id) for job in jobs]
        )


@router.post(
    "/runs/{order_id}/give-up",
    summary="Mark the run a permanent failure",
    description="Its open jobs are abandoned and it finishes `failed`"
    " (`dune_runner.analysis.finished.v1`: orders fails the order, payments refunds it)."
    " A run that already failed is left as it is (`changed: false`).",
    responses=error_responses(
        404,
        409,
        422,
        described={
            404: RUN_NOT_FOUND,
            409: "The run finished completed or partial (`analysis_finished`).",
            422: BAD_BODY,
        },
    ),
)
async def give_up(
    order_id: uuid.UUID, body: StaffActionBody, units: DuneRunnerUnits, now: Now
) -> RunActionResult:
    async with units() as uow:
        before = await uow.analyses.for_order(order_id, lock=True)
        was_failed = before is not None and before.outcome is AnalysisOutcome.FAILED
        await staff.give_up(
            uow, order_id=order_id, staff_email=body.staff_email, reason=body.reason, now=now
        )
    async with units() as uow:
        return RunActionResult(changed=not was_failed, run=await load_admin_run(uow, order_id))


@router.post(
    "/jobs/{job_id}/attach-execution",
    summary="Attach the Dune execution of an in-doubt job",
    description="Staff found on Dune the execution an in-doubt execute started: the job"
    " polls it from now on; nothing is executed again.",
    responses=error_responses(
        404,
        409,
        422,
        described={
            404: JOB_NOT_FOUND,
            409: "The job is not in doubt (`illegal_job_transition`).",
            422: BAD_BODY,
        },
    ),
)
async def attach_execution(
    job_id: uuid.UUID,
    body: AttachExecutionBody,
    units: DuneRunnerUnits,
    schedule: Schedule,
    now: Now,
) -> JobActionResult:
    async with units() as uow:
        await staff.attach_execution(
            uow,
            job_id=job_id,
            execution_id=body.execution_id,
            staff_email=body.staff_email,
            reason=body.reason,
            now=now,
            schedule=schedule,
        )
    async with units() as uow:
        return JobActionResult(changed=True, job=await load_admin_job(uow, job_id))


@router.post(
    "/intake/pause",
    summary="Pause intake: nothing new is sent to Dune",
    description="New runs and retries wait until intake is resumed (`changed: false` when"
    " it was paused already).",
    responses=error_responses(422, described={422: BAD_BODY}),
)
async def pause_intake(
    body: StaffActionBody, units: DuneRunnerUnits, now: Now
) -> IntakeActionResult:
    async with units() as uow:
        changed = await budget.pause_by_staff(
            uow, staff_email=body.staff_email, reason=body.reason, now=now
        )
        return IntakeActionResult(changed=changed, intake=intake_view(await uow.intake.get()))


@router.post(
    "/intake/resume",
    summary="Resume intake: the work that waited is sent",
    description="`changed: false` when it was not paused. The waiting work is sent right"
    " after (and by the background task, for what is left).",
    responses=error_responses(422, described={422: BAD_BODY}),
)
async def resume_intake(
    body: StaffActionBody, units: DuneRunnerUnits, now: Now
) -> IntakeActionResult:
    async with units() as uow:
        changed = await budget.resume_by_staff(
            uow, staff_email=body.staff_email, reason=body.reason, now=now
        )
        answer = IntakeActionResult(changed=changed, intake=intake_view(await uow.intake.get()))
    if changed:
        for _ in range(RELEASE_ROUNDS):
            async with units() as uow:
                if not await analysis.release_waiting(uow, now=now, limit=1):
                    break
    return answer
