"""The second seed's SOL audit fee ("Solana Payment Processing"), in exact integer lamports.

The rule (one rounding step):

1. base    = `base_fee_lamports` (0.005 SOL = 5_000_000)
2. usage   = tokens_used x `usage_lamports_per_token` (1 lamport per token)
3. fee     = (base + usage) x risk multiplier, in exact Decimal arithmetic, then rounded
             ROUND_HALF_UP to a whole `fee_quantum_lamports` (1_000 = 0.000001 SOL).
             This is the only rounding.
4. discount (subscribers) = fee x 20 %, exact: fee is a multiple of 1_000 lamports and
             the percent is an integer, so the result is a whole number of lamports.
5. total   = fee - discount.

What it reproduces from the seed, to the lamport:

- Low-Risk (score 2, 1,000 tokens): 5_000_000 + 1_000 = 5_001_000 -> 0.005001 SOL.
- High-Risk (score 7, 1,234 tokens): (5_000_000 + 1_234) x 1.8 = 9_002_221.2, rounded
  to the micro-SOL -> 9_002_000 = 0.009002 SOL.
- With Subscription: 9_002_000 - 1_800_400 = 7_201_600 = 0.0072016 SOL, discount
  0.0018004 SOL. The seed computes the discount from 0.009002 exactly (0.0018004 =
  0.009002 x 0.2, not 0.0090022212 x 0.2): that is why step 3 rounds to the micro-SOL
  *before* the discount and not to the lamport at the end.
- The breakdowns' "token_fee_sol": 0.000001 for 1,234 tokens is 1_234 lamports printed
  to six decimals; the usage itself is not rounded.

Where the seed contradicts itself, and what we chose:

- Its formula line "Token cost: tokens_used / 1,000,000 SOL" would make 1,000 tokens
  cost 0.001 SOL and the Low-Risk total 0.006 SOL. All three worked examples (and the
  note "negligible for most audits") charge 0.000001 SOL per 1,000 tokens, i.e.
  tokens / 1,000,000,000 SOL. We follow the examples.
- Its API example says `fee_lamports: 7200000`, `fee_sol: 0.0072`, `discount_sol: 0.0018`
  for the same inputs as the With-Subscription example (0.0072016). Those are the same
  numbers rounded to four decimals for display, with lamports then derived from the
  rounded float. We charge 7_201_600: rounding a price to 0.1 milli-SOL would also break
  the Low-Risk example (0.005001 -> 0.0050).
- Risk scores 6, 8, 9, 10 are only given as ranges; the catalog pins them (1.5, 2.0,
  2.5, 3.0); score 7 = 1.8 is the seed's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .catalog import AuditFeeSchedule
from .errors import InvalidRiskScore, InvalidTokensUsed
from .money import lamports_to_sol

_SCORE_TEXT = re.compile(r"[0-9]{1,3}")


@dataclass(frozen=True, slots=True)
class AuditFee:
    """A fee and how it was made up. All amounts are integer lamports."""

    tokens_used: int
    risk_score: int
    is_subscriber: bool
    base_lamports: int
    usage_lamports: int
    risk_multiplier: Decimal
    fee_before_discount_lamports: int
    discount_percent: int
    discount_lamports: int
    total_lamports: int

    @property
    def total_sol(self) -> Decimal:
        """For display only; charge `total_lamports`."""
        return lamports_to_sol(self.total_lamports)


def parse_risk_score(value: object) -> int:
    """The seed passes risk scores as strings ("7"); accept those and ints, 1 to 10 only."""
    if isinstance(value, bool):  # bool is an int subclass; True is not a risk score
        raise InvalidRiskScore(
            f"Invalid risk score: expected an integer from 1 to 10, got {value!r}"
        )
    if isinstance(value, int):
        score = value
    elif isinstance(value, str) and _SCORE_TEXT.fullmatch(value):
        score = int(value)
    else:
        raise InvalidRiskScore(
            f"Invalid risk score: expected an integer from 1 to 10, got {value!r}"
        )
    if not 1 <= score <= 10:
        raise InvalidRiskScore(f"Invalid risk score: must be from 1 to 10, got {value!r}")
    return score


def _check_tokens_used(value: object, cap: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidTokensUsed(f"Invalid tokens_used: must be an integer, got {value!r}")
    if value < 0:
        raise InvalidTokensUsed(f"Invalid tokens_used: must not be negative, got {value}")
    if value > cap:
        raise InvalidTokensUsed(f"Invalid tokens_used: {value} is above the cap of {cap}")
    return value


def calculate_audit_fee(
    schedule: AuditFeeSchedule, *, tokens_used: object, risk_score: object, is_subscriber: bool
) -> AuditFee:
    """Price one audit by the seed's fee model; raises `InvalidRiskScore`/`InvalidTokensUsed`."""
    if not isinstance(is_subscriber, bool):
        raise TypeError(f"is_subscriber must be a bool, got {is_subscriber!r}")
    score = parse_risk_score(risk_score)
    tokens = _check_tokens_used(tokens_used, schedule.max_tokens_used)

    base = schedule.base_fee_lamports
    usage = tokens * schedule.usage_lamports_per_token
    multiplier = schedule.risk_multipliers[score]
    quantum = schedule.fee_quantum_lamports
    quanta = (Decimal(base + usage) * multiplier / quantum).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    fee = int(quanta) * quantum

    percent = schedule.subscriber_discount_percent if is_subscriber else 0
    discount_exact = Decimal(fee * percent) / 100
    # Exact with the shipped quantum (1_000) and an integer percent; a config with a
    # smaller quantum could make it fractional, and then half a lamport goes to the payer.
    discount = int(discount_exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    return AuditFee(
        tokens_used=tokens,
        risk_score=score,
        is_subscriber=is_subscriber,
        base_lamports=base,
        usage_lamports=usage,
        risk_multiplier=multiplier,
        fee_before_discount_lamports=fee,
        discount_percent=percent,
        discount_lamports=discount,
        total_lamports=fee - discount,
    )
