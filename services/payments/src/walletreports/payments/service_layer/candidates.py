"""What the watcher, confirm-by-signature and the expiry look hand to verification (a
candidate transaction) and what they get back (its verdict)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from ..domain import Commitment, Currency


@dataclass(frozen=True, slots=True)
class Candidate:
    """A transaction to look at: its signature, where it is and how final."""

    signature: str
    slot: int
    commitment: Commitment
    currency: Currency | None = None  # the receiving account it was listed on, if any


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: str  # "transfer" (an invoice observed it), "refund" or "rejected"
    reason: str | None = None  # a RejectionReason or a domain error's code
    detail: str = ""
    invoice_ids: tuple[uuid.UUID, ...] = ()
    events: tuple[str, ...] = field(default=())

    @property
    def accepted(self) -> bool:
        return self.outcome == "transfer"
