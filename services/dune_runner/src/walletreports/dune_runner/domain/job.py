"""A query job: one report of one analysis, run as one Dune query, and its one table of
transitions.

    waiting --submit--> submitting                     (a dune.execute effect requested)
    submitting --Dune accepted (on_done)--> executing  (execution id, deadline, first poll)
    submitting --refused (on_failed)--> failed_needs_review | failed_retryable
    submitting --outcome unknown (on_failed in_doubt)--> in_doubt
    submitting --held (intake paused before sending)--> waiting
    executing --COMPLETED / COMPLETED_PARTIAL--> completed          (final: never re-run)
    executing --FAILED / CANCELLED / EXPIRED, or past its deadline--> failed_*
    in_doubt --a late outcome of the same attempt, or staff attach the execution--> executing
    in_doubt --a late refusal of the same attempt--> failed_*
    failed_* | in_doubt | abandoned --staff retry / order re-opened--> waiting
    any but completed / failed_* --the analysis is given up--> abandoned

Why so:
- An execute is paid and has no idempotency key on Dune's side: each attempt is one
  effect (`attempt` numbers them, `effect_key`), requested once; nothing here ever asks
  for a second execute of the same attempt, and no failure goes back to submitting by
  itself. Only staff (or an order re-opened by staff) send a job back to waiting, and
  every such retry is recorded (who, when, why, what it failed with) and counted.
- in_doubt is not a failure: Dune may be running it. It waits for staff, who can attach
  the execution id they found on Dune (no second payment), retry it (accepting that it
  may run twice), or give the analysis up. The deadline does not end it.
- Callbacks about an attempt or execution the job has moved past (a late on_done after
  staff retried, a poll answer after a give-up) are `Stale`: nothing changes.

Each transition returns the `JobChange` it made (also appended to `history`), or
`Stale`, or raises a `DomainError` (IllegalJobTransition, JobAlreadyCompleted) and
changes nothing. `now` is always passed in.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from .errors import (
    ErrorClass,
    ErrorType,
    Failure,
    IllegalJobTransition,
    InvalidStaffAction,
    JobAlreadyCompleted,
)
from .execution import ExecuteRequest
from .polling import PollSchedule

__all__ = [
    "ALLOWED_JOB_TRANSITIONS",
    "FAILED_JOB_STATUSES",
    "ORDER_REOPENED",
    "SYSTEM",
    "TERMINAL_JOB_STATUSES",
    "JobChange",
    "JobStatus",
    "QueryJob",
    "RetryRecord",
    "Stale",
    "staff",
]


class JobStatus(StrEnum):
    WAITING = "waiting"
    SUBMITTING = "submitting"
    EXECUTING = "executing"
    IN_DOUBT = "in_doubt"
    COMPLETED = "completed"
    FAILED_NEEDS_REVIEW = "failed_needs_review"
    FAILED_RETRYABLE = "failed_retryable"
    ABANDONED = "abandoned"


J = JobStatus

FAILED_JOB_STATUSES: frozenset[JobStatus] = frozenset({J.FAILED_NEEDS_REVIEW, J.FAILED_RETRYABLE})
# Nothing more happens to these by itself: the analysis may finish.
TERMINAL_JOB_STATUSES: frozenset[JobStatus] = FAILED_JOB_STATUSES | {J.COMPLETED, J.ABANDONED}

ALLOWED_JOB_TRANSITIONS: Mapping[JobStatus, frozenset[JobStatus]] = MappingProxyType(
    {
        J.WAITING: frozenset({J.SUBMITTING, J.ABANDONED}),
        J.SUBMITTING: frozenset(
            {J.EXECUTING, J.IN_DOUBT, J.WAITING, J.ABANDONED} | FAILED_JOB_STATUSES
        ),
        J.EXECUTING: frozenset({J.COMPLETED, J.ABANDONED} | FAILED_JOB_STATUSES),
        J.IN_DOUBT: frozenset({J.EXECUTING, J.WAITING, J.ABANDONED} | FAILED_JOB_STATUSES),
        J.COMPLETED: frozenset(),
        J.FAILED_NEEDS_REVIEW: frozenset({J.WAITING}),
        J.FAILED_RETRYABLE: frozenset({J.WAITING}),
        J.ABANDONED: frozenset({J.WAITING}),
    }
)

# Who made a change, as history and retry records name them.
SYSTEM = "system"
ORDER_REOPENED = "orders:reopen"


def staff(email: str) -> str:
    if not email or not email.strip():
        raise InvalidStaffAction(
            "a staff action needs the staff member's email", field="staff_email"
        )
    return f"staff:{email.strip()}"


def _status_for(failure: Failure) -> JobStatus:
    if failure.error_class is ErrorClass.NEEDS_REVIEW:
        return J.FAILED_NEEDS_REVIEW
    return J.FAILED_RETRYABLE


@dataclass(frozen=True, slots=True)
class JobChange:
    job_id: uuid.UUID
    from_status: JobStatus
    to_status: JobStatus
    at: datetime
    actor: str
    reason: str


@dataclass(frozen=True, slots=True)
class Stale:
    """A callback about an attempt or an execution the job has moved past."""

    job_id: uuid.UUID
    reason: str


@dataclass(frozen=True, slots=True)
class RetryRecord:
    """One staff retry: who, when, why, and what the job had failed with."""

    number: int  # retry_count after this retry: 1 for the first
    at: datetime
    by: str
    reason: str
    from_status: JobStatus
    error_type: ErrorType | None
    error_message: str | None
    execution_id: str | None


@dataclass(eq=False)
class QueryJob:
    id: uuid.UUID
    analysis_id: uuid.UUID
    order_id: uuid.UUID
    query_name: str
    query_id: int
    parameters: dict[str, str]
    output_file: str
    position: int  # the report's place in the catalog: jobs are listed in this order
    created_at: datetime
    status: JobStatus = J.WAITING
    # Executes requested so far; the current one's effect key is effect_key(id, attempt).
    attempt: int = 0
    # Staff retries (and re-opens) so far; each has its RetryRecord in `retries`.
    retry_count: int = 0
    execution_id: str | None = None
    accepted_at: datetime | None = None
    deadline_at: datetime | None = None
    next_poll_at: datetime | None = None
    polls: int = 0
    last_poll_error: str | None = None
    error_type: ErrorType | None = None
    error_message: str | None = None
    row_count: int | None = None
    partial: bool = False
    finished_at: datetime | None = None
    retries: list[RetryRecord] = field(default_factory=list)
    history: list[JobChange] = field(default_factory=list)

    # --- queries -------------------------------------------------------------------

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_JOB_STATUSES

    @property
    def is_failed(self) -> bool:
        return self.status in FAILED_JOB_STATUSES

    @property
    def retryable_by_staff(self) -> bool:
        return self.status is J.FAILED_RETRYABLE

    def awaits_execute(self, attempt: int) -> bool:
        """Is this attempt's execute still wanted (checked by the performer before sending)?"""
        return self.status is J.SUBMITTING and attempt == self.attempt

    def is_polling(self, execution_id: str | None) -> bool:
        return self.status is J.EXECUTING and execution_id == self.execution_id

    def failure(self) -> Failure | None:
        if self.error_type is None:
            return None
        return Failure(self.error_type, self.error_message or "")

    # --- executing -----------------------------------------------------------------

    def submit(self, *, now: datetime) -> ExecuteRequest:
        """A new attempt: the execute to request (one effect, its own key)."""
        self._apply(J.SUBMITTING, "submit", actor=SYSTEM, reason="execute requested", now=now)
        self.attempt += 1
        return ExecuteRequest(
            job_id=self.id,
            attempt=self.attempt,
            analysis_id=self.analysis_id,
            order_id=self.order_id,
            query_name=self.query_name,
            query_id=self.query_id,
            parameters=MappingProxyType(dict(self.parameters)),
        )

    def hold(self, *, attempt: int, now: datetime) -> JobChange | Stale:
        """The performer did not send this attempt: intake was paused."""
        if not self.awaits_execute(attempt):
            return self._stale(f"attempt {attempt} is not waiting to be sent")
        return self._apply(
            J.WAITING, "hold", actor=SYSTEM, reason="intake paused before sending", now=now
        )

    def accept_execution(
        self, *, attempt: int, execution_id: str, now: datetime, schedule: PollSchedule
    ) -> JobChange | Stale:
        """Dune accepted the execute (on_done, or a late outcome after in_doubt)."""
        if attempt != self.attempt or self.status not in (J.SUBMITTING, J.IN_DOUBT):
            return self._stale(f"execution {execution_id} of attempt {attempt} came too late")
        change = self._apply(
            J.EXECUTING,
            "start executing",
            actor=SYSTEM,
            reason=f"execution {execution_id}",
            now=now,
        )
        self._start_polling(execution_id, now, schedule)
        return change

    def refuse_execution(
        self, *, attempt: int, failure: Failure, now: datetime
    ) -> JobChange | Stale:
        """Dune refused the execute (or it certainly was not sent): failed, never retried."""
        if attempt != self.attempt or self.status not in (J.SUBMITTING, J.IN_DOUBT):
            return self._stale(f"a refusal of attempt {attempt} came too late")
        return self._fail(failure, "refuse", now)

    def mark_in_doubt(self, *, attempt: int, reason: str, now: datetime) -> JobChange | Stale:
        """Nobody knows whether Dune accepted it: staff decide, nothing repeats it."""
        if not self.awaits_execute(attempt):
            return self._stale(f"attempt {attempt} is not being sent")
        change = self._apply(J.IN_DOUBT, "mark in doubt", actor=SYSTEM, reason=reason, now=now)
        self.error_message = reason
        return change

    def attach_execution(
        self, *, execution_id: str, by: str, reason: str, now: datetime, schedule: PollSchedule
    ) -> JobChange:
        """Staff found the in-doubt execute on Dune: poll that execution, pay nothing more."""
        if not execution_id.strip():
            raise InvalidStaffAction("an execution id is needed", field="execution_id")
        if self.status is not J.IN_DOUBT:
            raise IllegalJobTransition(
                self.id, self.status, "attach an execution", "only an in-doubt job takes one"
            )
        change = self._apply(
            J.EXECUTING, "attach an execution", actor=by, reason=_reason(reason), now=now
        )
        self._start_polling(execution_id.strip(), now, schedule)
        return change

    # --- polling -------------------------------------------------------------------

    def claim_poll(self, *, now: datetime, schedule: PollSchedule) -> None:
        """A poll is under way: no other poller takes the job until it is recorded."""
        self._require(J.EXECUTING, "poll")
        self.next_poll_at = now + schedule.claim_for

    def still_running(
        self, *, now: datetime, schedule: PollSchedule, state: str
    ) -> JobChange | None:
        """No result yet: the next poll is scheduled, or, past the deadline, the job ends."""
        self._require(J.EXECUTING, "poll")
        self.polls += 1
        return self._next_poll_or_deadline(now, schedule, f"last state {state}")

    def poll_failed(
        self, *, failure: Failure, now: datetime, schedule: PollSchedule
    ) -> JobChange | None:
        """The status or result GET failed (after the port's own retries): the execution
        may be fine, so only the deadline ends the job."""
        self._require(J.EXECUTING, "poll")
        self.polls += 1
        self.last_poll_error = f"{failure.error_type.value}: {failure.message}"
        return self._next_poll_or_deadline(now, schedule, f"last poll error {self.last_poll_error}")

    def complete(self, *, row_count: int, partial: bool, now: datetime) -> JobChange:
        self._require(J.EXECUTING, "complete")
        self.row_count, self.partial = row_count, partial
        reason = "results stored" + (" (partial: Dune cut the result)" if partial else "")
        change = self._apply(J.COMPLETED, "complete", actor=SYSTEM, reason=reason, now=now)
        self.finished_at, self.next_poll_at = now, None
        return change

    def fail(self, *, failure: Failure, now: datetime) -> JobChange:
        """The execution ended without results (FAILED, CANCELLED, EXPIRED)."""
        self._require(J.EXECUTING, "fail")
        return self._fail(failure, "fail", now)

    # --- staff ---------------------------------------------------------------------

    def retry(self, *, by: str, reason: str, now: datetime) -> JobChange:
        """Back to waiting for a new attempt (the caller submits it unless intake is
        paused). Completed jobs are never re-run; only failed, in-doubt or abandoned ones."""
        if self.status is J.COMPLETED:
            raise JobAlreadyCompleted(self.id)
        if self.status not in (*FAILED_JOB_STATUSES, J.IN_DOUBT, J.ABANDONED):
            raise IllegalJobTransition(
                self.id, self.status, "retry", "only a failed or in-doubt job is retried"
            )
        why = _reason(reason)
        self.retry_count += 1
        self.retries.append(
            RetryRecord(
                number=self.retry_count,
                at=now,
                by=by,
                reason=why,
                from_status=self.status,
                error_type=self.error_type,
                error_message=self.error_message,
                execution_id=self.execution_id,
            )
        )
        change = self._apply(J.WAITING, "retry", actor=by, reason=why, now=now)
        self._clear_attempt()
        return change

    def abandon(self, *, by: str, reason: str, now: datetime) -> JobChange | None:
        """The analysis is given up: stop (no execute, no poll). None when the job had
        already ended (completed and failed jobs keep their outcome)."""
        if self.is_terminal:
            return None
        change = self._apply(J.ABANDONED, "abandon", actor=by, reason=_reason(reason), now=now)
        self.finished_at, self.next_poll_at = now, None
        return change

    # --- internals -----------------------------------------------------------------

    def _start_polling(self, execution_id: str, now: datetime, schedule: PollSchedule) -> None:
        self.execution_id, self.accepted_at, self.polls = execution_id, now, 0
        self.error_type = self.error_message = self.last_poll_error = None
        self.deadline_at = schedule.deadline_for(now)
        self.next_poll_at = schedule.next_poll_at(polls=0, now=now, deadline_at=self.deadline_at)

    def _next_poll_or_deadline(
        self, now: datetime, schedule: PollSchedule, note: str
    ) -> JobChange | None:
        assert self.deadline_at is not None  # set with the execution id
        if now >= self.deadline_at:
            message = f"no result within {schedule.deadline} of Dune accepting it ({note})"
            return self._fail(Failure(ErrorType.NETWORK_ERROR, message), "time out", now)
        self.next_poll_at = schedule.next_poll_at(
            polls=self.polls, now=now, deadline_at=self.deadline_at
        )
        return None

    def _fail(self, failure: Failure, action: str, now: datetime) -> JobChange:
        change = self._apply(
            _status_for(failure), action, actor=SYSTEM, reason=failure.message, now=now
        )
        self.error_type, self.error_message = failure.error_type, failure.message
        self.finished_at, self.next_poll_at = now, None
        return change

    def _clear_attempt(self) -> None:
        self.execution_id = self.accepted_at = self.deadline_at = self.next_poll_at = None
        self.error_type = self.error_message = self.last_poll_error = None
        self.finished_at, self.polls, self.row_count, self.partial = None, 0, None, False

    def _require(self, status: JobStatus, action: str) -> None:
        if self.status is not status:
            raise IllegalJobTransition(self.id, self.status, action, f"only when {status}")

    def _apply(
        self, to: JobStatus, action: str, *, actor: str, reason: str, now: datetime
    ) -> JobChange:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if to not in ALLOWED_JOB_TRANSITIONS[self.status]:
            raise IllegalJobTransition(self.id, self.status, action, f"no edge to {to}")
        change = JobChange(
            job_id=self.id,
            from_status=self.status,
            to_status=to,
            at=now,
            actor=actor,
            reason=reason,
        )
        self.status = to
        self.history.append(change)
        return change

    def _stale(self, reason: str) -> Stale:
        return Stale(self.id, f"{reason} (job is {self.status}, attempt {self.attempt})")


def _reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise InvalidStaffAction("a staff action needs a reason", field="reason")
    return reason.strip()
