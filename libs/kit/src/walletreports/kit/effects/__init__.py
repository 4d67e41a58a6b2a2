"""Durable side effects: I/O that must happen at most once per intent (a Dune execute,
which costs credits and has no idempotency key; an email; a refund check).

The outbox's idea, for I/O that cannot be deduplicated on the other side: record the
intent in the same transaction as the state change that calls for it, perform the I/O
afterwards, and keep in the row how far it got.

Recording. `request_effect(session, table, kind=, key=, payload=)` inside the caller's
transaction; the intent exists only if that transaction commits. (kind, key) is
unique: requesting it again, by a redelivered event or a retried request, is the same
intent (`ON CONFLICT DO NOTHING`; the first payload stands). It sets REQUESTED_FLAG on
the session so whoever commits can wake the runner. `request_effects(session, table,
[EffectRequest(...), ...])` records many in one statement (a batch of events).

Performing. An `EffectRunner` (any number of replicas) claims due pending rows with
FOR UPDATE SKIP LOCKED, marks them `running` (attempts + 1) and commits that BEFORE the
I/O; performs it outside any transaction under the performer's timeout; then, in a new
transaction, writes the outcome together with the performer's `on_done` / `on_failed`
hook (state changes, outbox events).

Outcomes, by how the performer's `perform` ends:

    returns a value          -> done (the value is stored as result)
    EffectNotPerformed       -> pending again after a back-off (at least its retry_after);
                                failed after max_attempts
    EffectRefused            -> failed at once
    anything else / timeout  -> outcome unknown (below)

Outcome unknown: the performer's `reconcile(intent)` is asked (True or Happened(result)
-> done; False -> as not performed; None, the default -> cannot tell). When it cannot
tell, the intent is `in_doubt` and is never performed again by itself, unless the
performer's policy says `safe_to_repeat` (then: as not performed).

Crashes:
- before the commit that records the intent: no intent, nothing happens (and the
  state change that called for it did not happen either).
- after that commit, before the claim: the row is pending; a runner performs it once.
- after the claim committed, before or after the I/O, before the outcome is recorded
  (the documented case): the row stays `running`. Once it has been running longer than
  the performer's timeout plus the runner's margin, the stale sweep treats it as
  outcome unknown (above): reconcile, else in_doubt (at most once: not performed again),
  or pending again if safe to repeat. An attempt that was never made may so end in
  doubt; an attempt that was made is never repeated unless reconcile says it was not.
- a claim whose commit failed is not performed (if it did commit, the sweep finds it).

Visible failure states: `failed` and `in_doubt`. Each is an error log line, a count in
`side_effects_total{kind,outcome}` and in the gauge `side_effects_unresolved{kind,status}`,
and a row in `needing_attention(...)`. Staff `retry(session, table, id)` puts one back
to pending with a fresh count of attempts.

Rows are kept: a done row is what makes a later request of its (kind, key) a no-op.
"""

from .performer import EffectNotPerformed, EffectPolicy, EffectRefused, Happened, Intent, Performer
from .requests import REQUESTED_FLAG, EffectRequest, request_effect, request_effects
from .runner import EffectRunner
from .staff import SideEffect, find_effect, needing_attention, retry
from .table import (
    DONE,
    FAILED,
    IN_DOUBT,
    PENDING,
    RUNNING,
    STATUSES,
    UNRESOLVED,
    side_effects_table,
)

__all__ = [
    "DONE",
    "FAILED",
    "IN_DOUBT",
    "PENDING",
    "REQUESTED_FLAG",
    "RUNNING",
    "STATUSES",
    "UNRESOLVED",
    "EffectNotPerformed",
    "EffectPolicy",
    "EffectRefused",
    "EffectRequest",
    "EffectRunner",
    "Happened",
    "Intent",
    "Performer",
    "SideEffect",
    "find_effect",
    "needing_attention",
    "request_effect",
    "request_effects",
    "retry",
    "side_effects_table",
]
