"""The `dune.execute` side effect: what is requested, what the performer returns, and how
its refusals travel back to the job.

One execute per attempt of a job: kind `dune.execute`, key `"{job_id}:{attempt}"`. The
kit performs a (kind, key) at most once, so a redelivered event or a retried request
never pays twice; a new attempt (staff retry, a job released after intake was paused)
is a new key. The payload carries everything the execute needs, so the performer never
reads the database to spend credits:

    {"job_id": "<uuid>", "attempt": 1, "analysis_id": "<uuid>", "order_id": "<uuid>",
     "query_name": "transfers", "query_id": 1234567,
     "parameters": {"wallet_address": "0x..."}}

`perform` returns `{"execution_id": "...", "state": "QUERY_STATE_PENDING"}` (stored as the
effect's result and handed to `on_done`). A refusal is raised as
`EffectRefused(refusal_reason(failure))`; the kit hands `on_failed` a reason that
contains that text, and `read_failure_reason` finds it again:

    [dune:rate_limit] HTTP 429: Too many requests       a classified refusal
    [dune:service_outage:pause] HTTP 402: ...           the same, and intake pauses
    [dune:hold] intake is paused                        not sent: the job waits again
    [dune:obsolete] ...                                 not sent: the job moved on
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .errors import ErrorType, Failure

__all__ = [
    "EXECUTE_EFFECT",
    "HOLD_REASON",
    "ExecuteRequest",
    "Held",
    "Obsolete",
    "accepted_result",
    "effect_key",
    "execution_id_from",
    "obsolete_reason",
    "read_failure_reason",
    "refusal_reason",
]

EXECUTE_EFFECT = "dune.execute"


def effect_key(job_id: uuid.UUID, attempt: int) -> str:
    return f"{job_id}:{attempt}"


@dataclass(frozen=True, slots=True)
class ExecuteRequest:
    job_id: uuid.UUID
    attempt: int
    analysis_id: uuid.UUID
    order_id: uuid.UUID
    query_name: str
    query_id: int
    parameters: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def key(self) -> str:
        return effect_key(self.job_id, self.attempt)

    @property
    def correlation_id(self) -> str:
        return str(self.order_id)

    def payload(self) -> dict[str, Any]:
        return {
            "job_id": str(self.job_id),
            "attempt": self.attempt,
            "analysis_id": str(self.analysis_id),
            "order_id": str(self.order_id),
            "query_name": self.query_name,
            "query_id": self.query_id,
            "parameters": dict(self.parameters),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> ExecuteRequest:
        """The request back from an intent's payload; ValueError if it is not one."""
        try:
            attempt, query_id = payload["attempt"], payload["query_id"]
            parameters = payload["parameters"]
            if not (_is_int(attempt) and _is_int(query_id) and isinstance(parameters, dict)):
                raise TypeError("attempt and query_id are ints, parameters an object")
            return cls(
                job_id=uuid.UUID(str(payload["job_id"])),
                attempt=attempt,
                analysis_id=uuid.UUID(str(payload["analysis_id"])),
                order_id=uuid.UUID(str(payload["order_id"])),
                query_name=str(payload["query_name"]),
                query_id=query_id,
                parameters=MappingProxyType({str(k): str(v) for k, v in parameters.items()}),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a {EXECUTE_EFFECT} payload: {error}") from None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def accepted_result(execution_id: str, state: str) -> dict[str, Any]:
    """What `perform` returns once Dune accepted the execute."""
    return {"execution_id": execution_id, "state": state}


def execution_id_from(result: Any) -> str | None:
    """The execution id in an effect's result; None when there is none (a reconcile that
    found it happened but not which execution)."""
    if isinstance(result, Mapping):
        value = result.get("execution_id")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


# --- refusals through the kit's reason text ----------------------------------------

HOLD_REASON = "[dune:hold] intake is paused; the job waits until it resumes"
_MARK = re.compile(r"\[dune:([a-z_]+)(:pause)?\]\s*(.*)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Held:
    """The performer did not send it: intake was paused. The job waits again."""


@dataclass(frozen=True, slots=True)
class Obsolete:
    """The performer did not send it: the job is no longer waiting for this attempt."""

    reason: str


def refusal_reason(failure: Failure) -> str:
    pause = ":pause" if failure.pause_intake else ""
    return f"[dune:{failure.error_type.value}{pause}] {failure.message}"


def obsolete_reason(why: str) -> str:
    return f"[dune:obsolete] {why}"


def read_failure_reason(reason: str) -> Failure | Held | Obsolete | None:
    """What `refusal_reason` (or HOLD_REASON, obsolete_reason) put in the kit's reason;
    None when the reason carries none (the kit gave up on attempts, an unmarked refusal)."""
    found = _MARK.search(reason)
    if found is None:
        return None
    kind, pause, message = found.group(1), found.group(2) is not None, found.group(3).strip()
    if kind == "hold":
        return Held()
    if kind == "obsolete":
        return Obsolete(message)
    try:
        error_type = ErrorType(kind)
    except ValueError:
        return None
    return Failure(error_type, message, pause_intake=pause)
